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
    # A grant's actor is who holds it (用户), not who did something, as in the audit trail (操作人).
    labels={"actor": ("用户", "Actor"), "role": ("角色", "Role"), "subject": ("身份", "Acting as"),
            "granted_at": ("授予时间", "Granted at"), "granted_by": ("授予人", "Granted by")},
    actions=("grant.read", "grant.add", "grant.remove"),
    audited={
        "grant": ("授权", "grant"),
        "grant.add": ("授予角色", "role granted"),
        "grant.remove": ("撤销授权", "grant removed"),
        "access.deny": ("越权操作被拒绝", "access denied"),
    },
)
