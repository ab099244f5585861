"""The organization tree: units, compounds (小区), partner bodies and settings along the tree."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="org",
    label="党组织",
    label_en="Organization",
    api="communitycore.sdk.org:OrgAPI",
    tables="communitycore.store.tables.org",
    sections="communitycore.io.sections:ORG_SECTIONS",
    unit_links="communitycore.store.tables.org:UNIT_LINKS",
    commands=("communitycore.cli.org:org",),
    labels={"pipeline": ("发展党员", "Recruitment pipeline")},
    actions=("org.read", "org.add", "org.update", "org.move", "org.remove", "org.settings"),
    audited={
        "unit": ("党组织", "unit"),
        "unit.add": ("新增党组织", "unit added"),
        "unit.update": ("修改党组织信息", "unit updated"),
        "unit.rename": ("党组织更名", "unit renamed"),
        "unit.move": ("调整隶属关系", "unit moved"),
        "unit.remove": ("撤销党组织", "unit removed"),
        "unit.import": ("导入党组织", "units imported"),
        "unit.refresh-stats": ("重新统计", "statistics recounted"),
        "setting.set": ("修改设置", "setting set"),
        "setting.unset": ("取消设置", "setting unset"),
        "compound": ("小区", "compound"),
        "compound.add": ("新增小区", "compound added"),
        "partner": ("共建单位", "partner"),
        "partner.add": ("新增共建单位", "partner added"),
        "community": ("整个社区", "the whole community"),
        "community.export": ("导出全部数据", "community exported"),
        "community.backup": ("备份全部数据", "database backed up"),
        "community.import": ("导入全部数据", "community imported"),
    },
)
