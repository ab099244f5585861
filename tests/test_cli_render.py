"""The CLI's output helpers: CJK-aware alignment, labels, JSON conversion, masking (no database needed)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from communitycore.cli.render import (
    block,
    display_width,
    dumps,
    emit,
    format_value,
    output_options,
    table,
)
from communitycore.cli.state import AppState
from communitycore.domain.members import Category, Education, Gender, Member
from communitycore.i18n import language
from communitycore.labels import label, word
from communitycore.records import Severity
from communitycore.serialize import to_dict


def test_display_width_counts_cjk_as_two() -> None:
    assert display_width("abc") == 3
    assert display_width("党支部") == 6
    assert display_width("（无）") == 6  # full-width brackets
    assert display_width("A党1") == 4


def test_table_columns_line_up_with_chinese_text() -> None:
    rows = [{"id": 1, "name": "第一网格党支部", "kind": "grid-branch", "kind_label": "网格党支部"},
            {"id": 22, "name": "Branch", "kind": "branch", "kind_label": "党支部"}]
    lines = table(rows, ["id", "name", "kind"]).splitlines()
    assert lines[0].split() == ["编号", "名称", "类别"]
    assert "网格党支部" in lines[2] and "grid-branch" not in lines[2]  # the label, not the code

    def column_start(line: str, text: str) -> int:
        return display_width(line[: line.rindex(text)])

    assert column_start(lines[2], "网格党支部") == column_start(lines[3], "党支部") == column_start(lines[0], "类别")
    assert all(line == line.rstrip() for line in lines)


def test_english_headers_and_values() -> None:
    rows = [{"gender": Gender.FEMALE, "category": Category.PROBATIONARY, "in_service": True}]
    text = table(rows, ["gender", "category", "in_service"], "en")
    assert "Gender" in text and "female" in text and "probationary member" in text and "yes" in text
    assert "女" in table(rows, ["gender"], "zh")
    kv = block({"average_age": 52.3, "secretaries_associate_or_above_share": 0.75}, ["average_age",
               "secretaries_associate_or_above_share"])
    assert "平均年龄" in kv and "52.3" in kv and "75.0%" in kv


def test_format_value() -> None:
    assert format_value(None) == "-"
    assert format_value(False) == "否" and format_value(False, "en") == "no"
    assert format_value(dt.date(2026, 1, 2)) == "2026-01-02"
    assert format_value(Severity.ERROR) == "错误" and format_value(Severity.ERROR, "en") == "error"
    assert format_value({Education.BACHELOR: 3, Education.ASSOCIATE: 1}) == "本科 3，大专 1"
    assert format_value(["a", "b"], "en") == "a, b"
    # A stored moment reads as the clock's wall time; text that only looks alike stays as it is.
    assert format_value("2025-08-09T09:16:00+08:00") == "2025-08-09 09:16:00"
    assert format_value("2025-08-09T09:16:00.250000Z", "en") == "2025-08-09 09:16:00"
    assert format_value("2025-08-09T09:16") == "2025-08-09T09:16"
    assert format_value("见 2025-08-09T09:16:00+08:00") == "见 2025-08-09T09:16:00+08:00"
    # Average ages keep their one decimal, as the statistics print them; other numbers stay short.
    fields = ("average_age", "cadre_average_age", "hours")
    assert [format_value(48.0, field=f) for f in fields] == ["48.0", "48.0", "48"]
    assert format_value(0.5, field="college_share") == "50.0%"
    # Quantities as written, with every digit and no exponent.
    for value, text in ((Decimal("9999999999.99"), "9999999999.99"), (9999999999.99, "9999999999.99"),
                        (Decimal("1.50"), "1.5"), (Decimal("100"), "100"), (1234567.5, "1234567.5"),
                        (1e16, "10000000000000000"), (0.0001, "0.0001"), (-7.0, "-7")):
        assert format_value(value, field="quantity") == text, value


def test_json_conversion() -> None:
    data = {"on": dt.date(2026, 1, 2), "at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
            "by": {Gender.MALE: 1}, "codes": (Category.FULL,), "severity": Severity.WARNING}
    assert json.loads(dumps(data)) == {"on": "2026-01-02", "at": "2026-01-02T03:04:00+00:00", "by": {"male": 1},
                                       "codes": ["full"], "severity": "warning"}
    assert json.loads(dumps({"name": "党支部"})) == {"name": "党支部"}
    assert "党支部" in dumps({"name": "党支部"})  # not \\u escapes


def test_a_members_shape_is_masked_unless_revealed() -> None:
    member = Member(id=1, name="王芳", unit_id=2, id_number="32128119850317022X", phone="13812345678",
                    gender=Gender.FEMALE)
    masked = to_dict(member)
    assert masked["id_number"] == "******1985********" and masked["phone"] == "138******78"
    assert masked["kind"] == "member" and masked["revealed"] is False
    shown = to_dict(member, reveal=True)
    assert shown["id_number"] == "32128119850317022X" and shown["phone"] == "13812345678"


def test_labels_table() -> None:
    assert label("id_number") == "公民身份号码" and label("id_number", "en") == "ID number"
    assert label("no-such-field") == "no-such-field"
    assert word("warning") == "警告"


@pytest.mark.parametrize(("args", "expected"), [([], "text"), (["--json"], "json")])
def test_emit_follows_the_json_option(args: list[str], expected: str) -> None:
    @click.command()
    @output_options
    def show() -> None:
        emit({"id": 1, "name": "党支部", "kind": "branch"})

    with language("zh"):  # a bare command, outside `community`: it speaks the caller's language
        result = CliRunner().invoke(show, args, obj=AppState(), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if expected == "json":
        assert json.loads(result.output) == {"id": 1, "name": "党支部", "kind": "branch"}
    else:
        assert result.output.splitlines()[1].startswith("名称") and "党支部" in result.output
