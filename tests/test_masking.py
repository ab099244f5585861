"""Masking that masks: nothing shown by default, alone or combined, narrows an ID number below 10,000.

The candidates are counted, not argued: for a demo member as ``member show`` and ``member list``
print it by default (text and JSON), every 18-character number that agrees with everything
shown (the masked ID number, the birth date, the gender) is enumerated. The count is made
generous to an attacker: the region code (6 digits) is taken as known, as it would be to
anyone who knows where the member lives. docs/privacy.md states the policy and the figure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.demo import build_demo
from communitycore.domain.identity import (
    check_character,
    mask_birth_date,
    mask_id_number,
    mask_phone,
    parse_id_number,
)

#: The policy's floor: a default display may not narrow a number to fewer candidates.
FLOOR = 10_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Community]:
    path = tmp_path_factory.mktemp("masking") / "demo.db"
    community = communitycore.open(f"sqlite:///{path}", autoload=False, create=True)
    build_demo(community)
    yield community
    community.close()


def cli_json(community: Community, *args: str) -> Any:
    state = AppState(community=community)
    result = CliRunner().invoke(make_cli(state), ["--json", "--lang", "en", *args], obj=state)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def cli_text(community: Community, *args: str) -> str:
    state = AppState(community=community)
    result = CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state)
    assert result.exit_code == 0, result.output
    return result.output


def candidates(masked_id: str, shown_birth: str | None, gender: str | None, region: str) -> int:
    """How many valid ID numbers agree with what is shown, the region given for free.

    ``masked_id`` has ``*`` where a character is hidden; ``shown_birth`` is the birth date as
    shown (``1980-**-**`` or a full date); ``gender`` is ``male``/``female`` or None.
    """
    assert len(masked_id) == 18
    year_text = "".join(a if a != "*" else b for a, b in zip(masked_id[6:10], (shown_birth or "****")[:4], strict=True))
    years = [int(year_text)] if year_text.isdigit() else list(range(1900, 2030))
    days: list[dt.date] = []
    for year in years:
        day = dt.date(year, 1, 1)
        while day.year == year:
            text = day.strftime("%Y%m%d")
            if all(m in ("*", c) for m, c in zip(masked_id[6:14], text, strict=True)) and (
                    shown_birth is None
                    or all(s in ("*", c) for s, c in zip(shown_birth, day.isoformat(), strict=True))):
                days.append(day)
            day += dt.timedelta(days=1)
    if not all(m in ("*", c) for m, c in zip(masked_id[:6], region, strict=True)):
        return 0
    count = 0
    for day in days:
        born = day.strftime("%Y%m%d")
        for sequence in range(1000):
            digits = f"{sequence:03d}"
            if gender is not None and (int(digits[2]) % 2 == 1) != (gender == "male"):
                continue
            if not all(m in ("*", c) for m, c in zip(masked_id[14:17], digits, strict=True)):
                continue
            first17 = region + born + digits
            if masked_id[17] != "*" and check_character(first17) != masked_id[17]:
                continue
            count += 1
    return count


def valid(first17: str) -> str:
    return first17 + check_character(first17)


def test_the_counter_finds_the_old_leak() -> None:
    # The mask this replaces (first 4 and last 4) beside the full birth date left a handful of numbers.
    number = valid("32128119850317022")
    old_mask = number[:4] + "*" * 10 + number[-4:]
    # Even without the region given, the check character and the county digits leave few.
    assert candidates(old_mask, "1985-03-17", "female", number[:6]) == 1
    shown = sum(candidates(old_mask, "1985-03-17", "female", number[:4] + f"{county:02d}") for county in range(100))
    assert shown < 20


def test_the_default_display_of_demo_members_leaves_at_least_10000_candidates(demo: Community) -> None:
    listed = cli_json(demo, "member", "list", "--limit", "5")
    assert len(listed) == 5
    for row in listed:
        shown = cli_json(demo, "member", "show", str(row["id"]))
        stored = demo.members.get(row["id"])
        assert stored.id_number is not None
        for view in (row, shown):
            assert view["revealed"] is False
            count = candidates(view["id_number"], view["birth_date"], view["gender"], stored.id_number[:6])
            assert count >= FLOOR, (view["id_number"], view["birth_date"], count)
        # The real number is among them: the counter is not counting something else.
        born = parse_id_number(stored.id_number, today=demo.clock.today()).birth_date
        assert born.year == int(shown["birth_date"][:4])


def test_the_text_output_shows_no_more_than_the_json(demo: Community) -> None:
    member = demo.members.list(limit=1)[0]
    assert member.id_number is not None and member.birth_date is not None and member.phone is not None
    text = cli_text(demo, "member", "show", str(member.id)) + cli_text(demo, "member", "list", "--limit", "20")
    assert member.id_number not in text and member.phone not in text
    assert member.birth_date.isoformat() not in text
    assert mask_id_number(member.id_number) in text and mask_birth_date(member.birth_date) in text
    # No run of more than the year's 4 digits of the number shows up anywhere.
    for digits in re.findall(r"\d{5,}", text):
        assert digits not in member.id_number


def test_exact_count_for_the_default_mask() -> None:
    # Region given, year and gender shown: every day of the year times the 500 sequences of that gender.
    number = valid("32128119850317022")
    assert candidates(mask_id_number(number) or "", mask_birth_date("1985-03-17"), "female", number[:6]) == 365 * 500
    leap = valid("11010120000229001")
    assert candidates(mask_id_number(leap) or "", mask_birth_date(leap[6:10] + "-02-29"), "male", "110101") == 366 * 500


@pytest.mark.parametrize("phone", ["13812345678", "+86 139-8765-4321", "0523-84812345", "010 1234567"])
def test_a_masked_phone_hides_at_least_five_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked is not None
    hidden = masked.count("*")
    assert 10 ** hidden >= 10 * FLOOR  # 100,000 or more numbers per masked phone
    digits = re.sub(r"\D", "", masked)
    assert len(digits) <= len(re.sub(r"\D", "", phone)) - 5


def test_audit_entries_hold_the_masked_forms(demo: Community, tmp_path: Path) -> None:
    member = demo.members.list(limit=1)[0]
    demo.members.update(member.id, phone="13900001111")
    entry = demo.audit.list(action="member.update", entity_id=member.id)[0]
    for payload in (entry.before, entry.after):
        assert payload is not None
        assert payload["id_number"] == mask_id_number(member.id_number)
        assert payload["birth_date"] == mask_birth_date(member.birth_date)
        assert "*" in payload["phone"]
