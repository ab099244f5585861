"""The audit trail: one entry per change, never part of an export."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="audit",
    label="审计",
    label_en="Audit",
    api="communitycore.sdk.audit:AuditAPI",
    tables="communitycore.store.tables.audit",
    commands=("communitycore.cli.audit:audit",),
    actions=("audit.read",),
)
