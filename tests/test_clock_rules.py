"""Rules about "today" take the community's clock, never the system's (a fixed clock decides)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

import communitycore
from communitycore.clock import Clock
from communitycore.domain.identity import check_character
from communitycore.errors import RejectedInput


def _id_born(day: dt.date, sequence: str = "001") -> str:
    first17 = f"110101{day:%Y%m%d}{sequence}"
    return first17 + check_character(first17)


def _open(tmp_path: Path, today: dt.date) -> communitycore.Community:
    clock = Clock("Asia/Shanghai", fixed=dt.datetime(today.year, today.month, today.day, 9, 0))
    return communitycore.open(f"sqlite:///{tmp_path / f'{today.year}.db'}", actor="tester", clock=clock, autoload=False,
                              create=True)


@pytest.fixture
def early(tmp_path: Path) -> Iterator[communitycore.Community]:
    """A community whose clock says 1 March 2000."""
    c = _open(tmp_path, dt.date(2000, 3, 1))
    c.org.add("街道党工委", "street-committee")
    yield c
    c.close()


@pytest.fixture
def late(tmp_path: Path) -> Iterator[communitycore.Community]:
    """A community whose clock says 1 March 2100, long after any system clock running this."""
    c = _open(tmp_path, dt.date(2100, 3, 1))
    c.org.add("街道党工委", "street-committee")
    yield c
    c.close()


def test_an_id_number_born_after_the_communitys_today_is_refused(early: communitycore.Community) -> None:
    # Born in 2001: in the past for the system's clock, in the future for the community's.
    with pytest.raises(RejectedInput) as refused:
        early.members.add("张三", unit="街道党工委", id_number=_id_born(dt.date(2001, 5, 4)))
    assert [p.field for p in refused.value.problems] == ["id_number"]
    assert "20010504" in refused.value.problems[0].message


def test_an_id_number_born_before_the_communitys_today_is_accepted(late: communitycore.Community) -> None:
    # Born in 2090: in the future for the system's clock, in the past for the community's.
    born = dt.date(2090, 5, 4)
    added = late.members.add("李四", unit="街道党工委", id_number=_id_born(born, "002"))
    assert added.birth_date == born
    assert late.members.search(_id_born(born, "002"))[0].id == added.id


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["姓名", "公民身份号码", "所在党组织"])
        writer.writerows(rows)
    return path


def test_the_member_import_judges_birth_dates_by_the_communitys_clock(
        early: communitycore.Community, late: communitycore.Community, tmp_path: Path) -> None:
    future_in_2000 = _id_born(dt.date(2001, 5, 4))
    with pytest.raises(RejectedInput) as refused:
        early.members.import_file(_csv(tmp_path / "a.csv", [["张三", future_in_2000, "街道党工委"]]))
    assert [(p.row, p.field) for p in refused.value.problems] == [(2, "公民身份号码")]
    assert "20010504" in refused.value.problems[0].message
    assert late.members.import_file(_csv(tmp_path / "b.csv", [["李四", _id_born(dt.date(2090, 5, 4)), "街道党工委"]])) == 1  # noqa: E501
