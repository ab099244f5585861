"""Party members: records, transfers, 双报到 registrations, confirmation, import."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="members",
    label="党员",
    label_en="Members",
    api="communitycore.sdk.members:MembersAPI",
    tables="communitycore.store.tables.members",
    sections="communitycore.io.sections:MEMBER_SECTIONS",
    unit_links="communitycore.store.tables.members:UNIT_LINKS",
    # A person has a 姓名; the shared label of name is 名称, for units and programmes.
    labels={"name": ("姓名", "Name")},
    commands=("communitycore.cli.member:member",),
    actions=("member.read", "member.add", "member.update", "member.transfer", "member.confirm", "member.remove",
             "member.reveal", "member.import", "member.export"),
    audited={
        "member": ("党员", "member"),
        "member.add": ("新增党员", "member added"),
        "member.update": ("修改党员信息", "member updated"),
        "member.import": ("导入党员", "members imported"),
        "member.export": ("导出花名册", "roster exported"),
        "member.reveal": ("查看个人信息", "personal data revealed"),
        "member.transfer": ("组织关系转接", "member transferred"),
        "member.confirm": ("转正", "member confirmed"),
        "member.extend-probation": ("延长预备期", "probation extended"),
        "member.remove": ("党员减少", "member removed"),
        "member.restore": ("恢复党员记录", "member restored"),
        "member.delete": ("删除错误录入", "mistaken record deleted"),
        "member.register": ("双报到", "community registration"),
    },
)
