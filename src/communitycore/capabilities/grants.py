"""Grants: roles held by actors on units' subtrees (see :doc:`/security`); never part of an export."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="grants",
    label="授权",
    label_en="Grants",
    api="communitycore.sdk.grants:GrantsAPI",
    tables="communitycore.store.tables.grants",
    unit_links="communitycore.store.tables.grants:UNIT_LINKS",
    commands=("communitycore.cli.grant:grant", "communitycore.cli.grant:whoami"),
    actions=("grant.read", "grant.add", "grant.remove"),
)
