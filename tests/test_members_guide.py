"""The members guide (docs/members.md) lists every header and value alias the imports accept.

The tables are written by hand so that they read well; this test keeps them complete.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from communitycore.domain.codes import Coded
from communitycore.domain.members import Category, Education, Gender, Post, RemovalReason, ResidentFlag, Standing
from communitycore.io.member_import import IGNORED_HEADERS, MEMBER_HEADERS
from communitycore.io.org_import import ORG_HEADERS
from communitycore.io.resident_import import RESIDENT_HEADERS

GUIDE = (Path(__file__).parent.parent / "docs" / "members.md").read_text(encoding="utf-8")
ROWS = [line for line in GUIDE.splitlines() if line.startswith("|")]


def row_with(*needles: str) -> str | None:
    return next((row for row in ROWS if all(n in row for n in needles)), None)


@pytest.mark.parametrize("table", [MEMBER_HEADERS, ORG_HEADERS, RESIDENT_HEADERS],
                         ids=["members", "units", "residents"])
def test_every_header_is_listed_with_its_field(table: dict[str, tuple[str, ...]]) -> None:
    for field, headers in table.items():
        row = row_with(f"| `{field}` |", *headers)
        assert row is not None, f"docs/members.md lists not all headers of {field}: {headers}"


def test_the_ignored_headers_are_named() -> None:
    assert all(f"`{header}`" in GUIDE for header in IGNORED_HEADERS)


@pytest.mark.parametrize("enum", [Gender, Category, Standing, Education, Post, ResidentFlag, RemovalReason],
                         ids=lambda e: e.__name__)
def test_every_value_alias_is_listed_with_its_code(enum: type[Coded]) -> None:
    for member in enum:
        row = row_with(f"`{member.value}`", member.zh, *member.aliases)
        assert row is not None, f"docs/members.md lists not every spelling of {member.value}: {member.aliases}"
