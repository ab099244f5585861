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
)
