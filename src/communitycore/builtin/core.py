"""The essential builtin: facts the library itself computes. It cannot be disabled."""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import Fact


@hookimpl(trylast=True)
def communitycore_register_facts() -> list[Fact]:
    """Head counts that structure rules and schemes refer to."""
    return [
        Fact(code="members", label="党员人数", label_en="members", subject="unit"),
        Fact(code="full-members", label="正式党员人数", label_en="full members", subject="unit"),
        Fact(
            code="probationary-members", label="预备党员人数", label_en="probationary members", subject="unit"
        ),
    ]
