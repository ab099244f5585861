"""Residents and households, enough for services to find and serve them."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="residents",
    label="居民",
    label_en="Residents",
    api="communitycore.sdk.residents:ResidentsAPI",
    tables="communitycore.store.tables.residents",
    sections="communitycore.io.sections:RESIDENT_SECTIONS",
    commands=("communitycore.cli.resident:resident",),
    actions=("resident.read", "resident.add", "resident.update", "resident.remove", "resident.reveal"),
)
