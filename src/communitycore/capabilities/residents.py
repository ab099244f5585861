"""Residents and households, enough for services to find and serve them."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="residents",
    label="居民",
    label_en="Residents",
    api="communitycore.sdk.residents:ResidentsAPI",
    tables="communitycore.store.tables.residents",
    sections="communitycore.io.sections:RESIDENT_SECTIONS",
    # A person has a 姓名; the shared label of name is 名称, for units and programmes.
    labels={"name": ("姓名", "Name")},
    commands=("communitycore.cli.resident:resident",),
    actions=("resident.read", "resident.add", "resident.update", "resident.remove", "resident.reveal"),
    audited={
        "resident": ("居民", "resident"),
        "resident.add": ("新增居民", "resident added"),
        "resident.update": ("修改居民信息", "resident updated"),
        "resident.remove": ("移除居民", "resident removed"),
        "resident.import": ("导入居民", "residents imported"),
        "resident.reveal": ("查看居民个人信息", "resident's personal data revealed"),
        "household": ("住户", "household"),
        "household.add": ("新增住户", "household added"),
    },
)
