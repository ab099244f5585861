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
    commands=("communitycore.cli.member:member",),
    actions=("member.read", "member.add", "member.update", "member.transfer", "member.confirm", "member.remove",
             "member.reveal", "member.import", "member.export"),
)
