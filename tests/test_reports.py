"""Reports: the dashboard's figures from the SDK, its HTML and workbook, the roster board, and the commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.errors import InvalidValue, NotFound
from communitycore.i18n import language
from communitycore.io.files import CannotWrite
from communitycore.reports import (
    SECTIONS,
    board_figures,
    dashboard_figures,
    render_dashboard,
    section_headings,
    write_board,
    write_dashboard,
    write_workbook,
)
from communitycore.reports.board import BOARD_SECTIONS
from communitycore.reports.markdown import table as md_table
from communitycore.reports.svg import bar_chart, line_chart

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 4, 10, 12, 0, tzinfo=TZ)
PHONE = "13812345678"

PACK = """
[pack]
name = "rep"

[[scoring_schemes]]
code = "rep-attendance"
label = "出勤积分"
label_en = "attendance points"
subject = "member"
period = "quarterly"

[[scoring_schemes.items]]
fact = "meeting-attended"
label = "参加组织生活"
points = 30
cap = 90

[[scoring_schemes.bands]]
grade = "good"
label = "好"
label_en = "good"
min_score = 60

[[scoring_schemes.bands]]
grade = "fair"
label = "中"
label_en = "fair"
min_score = 30

[[scoring_schemes.bands]]
grade = "poor"
label = "差"
label_en = "poor"
min_score = 0
"""


@pytest.fixture
def rc(db_url: str, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "rep.toml"
    pack.write_text(PACK, encoding="utf-8")
    c = communitycore.open(db_url, actor="书记", clock=Clock("Asia/Shanghai", fixed=NOW), autoload=False,
                           packs=[pack])
    yield c
    c.close()


def build(c: Community) -> dict[str, Any]:
    """街道 → 社区党委 → two branches; a quarter of meetings, one assessment run, three requests, a roster."""
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", street.id)
    first = c.org.add("第一党支部", "branch", committee.id)
    second = c.org.add("第二党支部", "branch", committee.id)
    full = [c.members.add(f"正式党员{i}", first.id, education="本科", join_date="2000-07-01", full_date="2001-07-01",
                          phone=PHONE, post="书记" if i == 0 else None).id for i in range(5)]
    probationary = c.members.add("预备党员", first.id, education="本科", join_date="2025-01-01",
                                 category="预备党员").id
    others = [c.members.add(f"二支部党员{i}", second.id, education="大专", join_date="2001-07-01",
                            full_date="2002-07-01").id for i in range(3)]
    c.org.set_setting(street.id, "meeting-absence-months", 3)
    for month in (1, 2, 3):  # 正式党员0 misses every theme day of the quarter without a reason
        c.meetings.record(first.id, "theme-day", on=f"2025-{month:02d}-05", topic="主题党日", present=full[1:],
                          leave=[probationary])
    run = c.assessments.run("rep-attendance", "2025Q1", committee.id)
    for month, verdict in ((1, "满意"), (2, "基本满意"), (3, None)):
        r = c.services.add_request(committee.id, category="maintenance", channel="hotline", text="楼道灯不亮",
                                   at=f"2025-{month:02d}-10T09:00")
        c.services.accept(r.id, at=f"2025-{month:02d}-10T10:00")
        if verdict is not None:  # resolved the same day; March's request is still open, long past its deadline
            day = f"2025-{month:02d}-10"
            c.services.assign(r.id, at=f"{day}T10:30")
            c.services.start(r.id, at=f"{day}T11:00")
            c.services.resolve(r.id, at=f"{day}T13:00")
            c.services.evaluate(r.id, solved=True, satisfaction=verdict, at=f"{day}T15:00")
    admitted = []
    for member in full[1:3]:
        entry = c.rosters.apply("red-steward", member=member)
        c.rosters.qualify(entry.id, passed=True, note="资格审查通过")
        c.rosters.notice(entry.id, start="2025-03-01")
        admitted.append(c.rosters.admit(entry.id).id)
    pending = c.rosters.apply("red-steward", member=full[3])
    c.rosters.qualify(pending.id, passed=True, note="资格审查通过")
    on_notice = c.rosters.notice(pending.id, start="2025-04-08")
    return {"street": street.id, "committee": committee.id, "first": first.id, "second": second.id, "full": full,
            "probationary": probationary, "others": others, "run": run.id, "admitted": admitted,
            "on_notice": on_notice}


# Figures ------------------------------------------------------------------------------------------


def test_the_figures_of_a_subtree_come_from_each_capability(rc: Community) -> None:
    t = build(rc)
    f = dashboard_figures(rc, t["committee"], "2025Q1")
    assert (f.unit, f.period, f.generated_on) == ("城南街道党工委/幸福社区党委", "2025Q1", dt.date(2025, 4, 10))
    s = f.structure
    assert (s.units, s.members, s.full_members, s.probationary_members) == (3, 9, 8, 1)
    assert {c.code: c.value for c in s.units_by_kind} == {"branch": 2, "community-committee": 1}
    assert [(c.label, c.value) for c in s.members_by_child] == [("第一党支部", 6), ("第二党支部", 3)]
    assert list(s.findings) == rc.org.check(t["committee"])

    theme = next(m for m in f.meetings.by_type if m.code == "theme-day")
    assert (theme.units, theme.complete, theme.required, theme.held, theme.rate) == (2, 1, 6, 3, 0.5)
    assert theme.label == "theme day"  # the record's English label: collected in English
    assert [(a.name, a.unit, a.months) for a in f.meetings.absences] == [
        ("正式党员0", "第一党支部", ("2025-01", "2025-02", "2025-03"))]
    assert f.meetings.absence_months == 3

    (grades,) = f.assessments
    assert (grades.scheme, grades.run_id, grades.period, grades.subjects) == ("rep-attendance", t["run"], "2025Q1", 9)
    assert [(g.code, g.value) for g in grades.grades] == [("good", 4), ("fair", 0), ("poor", 5)]

    sv = f.services
    assert (sv.received, sv.evaluated, sv.overdue) == (3, 2, 1)
    assert (sv.response_rate, sv.resolution_rate) == (1.0, 1.0)
    assert sv.satisfaction_rate == pytest.approx((1 + 0.8) / 2, abs=0.05)
    assert (sv.median_response_hours, sv.median_resolution_hours) == (1.0, 4.0)
    assert [(p.period, p.received) for p in sv.trend] == [("2025-01", 1), ("2025-02", 1), ("2025-03", 1)]
    assert sv.trend[2].resolution_rate is None  # nothing evaluated in March
    assert [p.overdue for p in sv.trend] == [0, 0, 1]

    (roster,) = f.rosters
    assert (roster.code, roster.serving, roster.on_notice, roster.pending) == ("red-steward", 2, 1, 1)
    assert [(c.code, c.value) for c in roster.tiers] == [("gold", 0), ("silver", 0), ("regular", 2)]


def test_a_sub_unit_sees_its_own_share_and_a_unit_above_the_run_sees_the_run(rc: Community) -> None:
    t = build(rc)
    second = dashboard_figures(rc, t["second"], "2025Q1")
    (grades,) = second.assessments
    assert grades.subjects == 3 and [(g.code, g.value) for g in grades.grades] == [("good", 0), ("fair", 0),
                                                                                  ("poor", 3)]
    assert second.services.received == 0 and second.rosters == ()
    assert second.meetings.absences == ()
    # The run scored the committee's subtree: the street's dashboard shows it, with its subjects only.
    (street,) = dashboard_figures(rc, t["street"], "2025Q1").assessments
    (committee,) = dashboard_figures(rc, t["committee"], "2025Q1").assessments
    assert street == committee and street.subjects > grades.subjects
    # Another quarter: no run, no requests, every month of the trend empty.
    later = dashboard_figures(rc, t["committee"], "2025Q2")
    assert later.assessments == () and later.services.received == 0
    assert [p.received for p in later.services.trend] == [0, 0, 0]


def test_a_bad_period_or_unit_is_refused(rc: Community) -> None:
    t = build(rc)
    with pytest.raises(InvalidValue):
        dashboard_figures(rc, t["committee"], "2025Q9")
    with pytest.raises(NotFound):
        dashboard_figures(rc, "城南街道党工委/没有这个", "2025Q1")
    assert dashboard_figures(rc, "城南街道党工委/幸福社区党委", "2025年第1季度").unit_id == t["committee"]


# The page -------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a test needs of a page: sections with their headings, tags, and every attribute value."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.lang: str | None = None
        self._section: str | None = None
        self._in_h2 = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes.extend(values.items())
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "section":
            self._section = values.get("id")
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h2 and self._section is not None:
            self.sections[self._section] = self.sections.get(self._section, "") + data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def assert_self_contained(text: str, page: Page) -> None:
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert "<script" not in text.lower()
    assert not [a for a in page.attributes if a[0] in ("src", "href") or a[0].startswith("on")]
    assert "http" not in text and "url(" not in text and "@import" not in text  # nothing fetched, not even a font


def test_the_dashboard_has_five_sections_charts_and_nothing_fetched(rc: Community, tmp_path: Path) -> None:
    t = build(rc)
    path = write_dashboard(rc, t["committee"], "2025Q1", tmp_path / "dashboard.html")
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    assert page.sections == section_headings() == {
        "structure": "Organization structure", "meetings": "Meeting compliance", "assessments": "Assessment grades",
        "services": "Service metrics", "rosters": "Rosters by tier"}
    assert list(page.sections) == [s for s, _t in SECTIONS]
    assert_self_contained(text, page)
    assert page.lang == "en"
    assert page.tags.count("svg") == 6  # kinds, sub-units, meetings, grades, trend, tiers
    assert page.tags.count("polyline") >= 2  # the trend's response and satisfaction lines
    words = "".join(page.text)
    assert "正式党员0" in words  # the absence
    assert "100.0%" in words  # the response rate
    assert words.count("第一党支部") >= 2  # a sub-unit's bar, and the absent member's unit
    assert PHONE not in text


def test_empty_sections_say_no_data_and_draw_no_chart(rc: Community, tmp_path: Path) -> None:
    street = rc.org.add("空街道党工委", "street-committee")
    text = render_dashboard(dashboard_figures(rc, street.id, "2025"))
    page = parse(text)
    assert list(page.sections) == [s for s, _t in SECTIONS]
    assert page.tags.count("svg") == 1  # the one unit, by kind
    words = "".join(page.text)
    for line in ("No data: no unit of the subtree owes meetings", "No data: no assessment ran",
                 "No data: no service request", "No data: no roster entries", "No sub-units."):
        assert line in words, line
    assert "polyline" not in page.tags and "nan" not in text.lower()


def test_stored_text_is_escaped(rc: Community, tmp_path: Path) -> None:
    street = rc.org.add("<script>alert(1)<\\script>", "street-committee")
    text = render_dashboard(dashboard_figures(rc, street.id, "2025"))
    assert "<script" not in text and "&lt;script&gt;" in text


def test_chinese_by_default(rc: Community) -> None:
    t = build(rc)
    with language("zh"):
        text = render_dashboard(dashboard_figures(rc, t["committee"], "2025Q1"))
        headings = section_headings()
    page = parse(text)
    assert page.lang == "zh-CN" and page.sections == headings
    assert "主题党日" in "".join(page.text)  # record labels in Chinese
    assert "2025年第一季度" in "".join(page.text) and "2025年3月" in "".join(page.text)  # periods in Chinese


# The workbook ----------------------------------------------------------------------------------------


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_a_sheet_per_capability_with_the_same_figures(rc: Community, tmp_path: Path) -> None:
    t = build(rc)
    path = write_workbook(rc, t["committee"], "2025Q1", tmp_path / "dashboard.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Structure", "Meetings", "Assessments", "Services", "Rosters"]
    structure = _rows(book["Structure"])
    assert structure[:3] == [("Head counts", None, None, None, None),
                             ("Units", "Members", "Full members", "Probationary members", None), (3, 9, 8, 1, None)]
    meetings = _rows(book["Meetings"])
    assert meetings[1][:6] == ("Meeting type", "Units owing", "Units complete", "Required", "Held", "Rate")
    assert ("theme day", 2, 1, 6, 3, 0.5) in [r[:6] for r in meetings]
    assert book["Meetings"]["F3"].number_format == "0.0%"
    grades = _rows(book["Assessments"])
    assert grades[1] == ("Scheme", "Period", "Run", "Revision", "Grade", "Subjects")
    assert [(r[4], r[5]) for r in grades[2:]] == [("good", 4), ("fair", 0), ("poor", 5)]
    services = _rows(book["Services"])
    assert services[1][:2] == ("Requests received", "Evaluated") and services[2][:2] == (3, 2)
    trend = services[services.index(next(r for r in services if r[0] == "Trend by month")) + 2:]
    assert [r[1] for r in trend] == [1, 1, 1]
    rosters = _rows(book["Rosters"])
    assert rosters[1][:3] == ("Roster", "Tier", "Serving")
    assert ("red stewards", "Regular", 2) in [r[:3] for r in rosters]


def test_an_empty_workbook_says_no_data(rc: Community, tmp_path: Path) -> None:
    street = rc.org.add("空街道党工委", "street-committee")
    book = openpyxl.load_workbook(write_workbook(rc, street.id, "2025", tmp_path / "empty.xlsx"))
    assert _rows(book["Assessments"])[2][0] == "No data"
    assert _rows(book["Services"])[2][0] == "No data"


def test_the_writers_refuse_other_files_and_missing_folders(rc: Community, tmp_path: Path) -> None:
    street = rc.org.add("街道党工委", "street-committee")
    with pytest.raises(InvalidValue, match="html"):
        write_dashboard(rc, street.id, "2025", tmp_path / "d.pdf")
    with pytest.raises(InvalidValue, match="xlsx"):
        write_workbook(rc, street.id, "2025", tmp_path / "d.csv")
    with pytest.raises(CannotWrite):
        write_dashboard(rc, street.id, "2025", tmp_path / "no-such-folder" / "d.html")
    assert not (tmp_path / "d.pdf").exists()


# The roster board -------------------------------------------------------------------------------------


def test_the_board_shows_notices_and_the_roster_with_masked_phones(rc: Community, tmp_path: Path) -> None:
    t = build(rc)
    board = board_figures(rc, "red-steward", t["committee"])
    assert [(n.name, n.notice_end) for n in board.notices] == [("正式党员3", dt.date(2025, 4, 14))]
    assert [(m.name, m.tier, m.phone) for m in board.members] == [("正式党员1", "regular", "138******78"),
                                                                  ("正式党员2", "regular", "138******78")]
    text = write_board(rc, "red-steward", t["committee"], tmp_path / "board.html").read_text(encoding="utf-8")
    page = parse(text)
    assert list(page.sections) == [s for s, _t in BOARD_SECTIONS]
    assert_self_contained(text, page)
    assert PHONE not in text and "138******78" in text and "2025-04-14" in text
    assert "size: A4" in text
    markdown = write_board(rc, "red-steward", None, tmp_path / "board.md").read_text(encoding="utf-8")
    assert "## On public notice" in markdown and "| Regular | 正式党员1 |" in markdown
    assert PHONE not in markdown and r"138\*\*\*\*\*\*78" in markdown
    # Another subtree has nobody on this roster.
    empty = board_figures(rc, "red-steward", t["second"])
    assert empty.notices == () and empty.members == ()
    with pytest.raises(NotFound):
        board_figures(rc, "no-such-programme")
    with pytest.raises(InvalidValue):
        write_board(rc, "red-steward", None, tmp_path / "board.txt")


# The commands ----------------------------------------------------------------------------------------------


def cli(c: Community, *args: str) -> Result:
    state = AppState(community=c, pm=c.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state)


def test_the_commands_write_their_files(rc: Community, tmp_path: Path) -> None:
    t = build(rc)
    out = tmp_path / "d.html"
    done = cli(rc, "report", "dashboard", "--unit", "城南街道党工委/幸福社区党委", "--period", "2025Q1",
               "--out", str(out))
    assert done.exit_code == 0, done.output
    assert str(out) in done.stdout and "Service metrics" in out.read_text(encoding="utf-8")
    book = tmp_path / "d.xlsx"
    done = cli(rc, "--json", "report", "workbook", "--unit", str(t["committee"]), "--period", "2025Q1", "--out",
               str(book))
    assert done.exit_code == 0 and json.loads(done.stdout) == {"file": str(book)}
    assert openpyxl.load_workbook(book).sheetnames[0] == "Structure"
    board = tmp_path / "board.md"
    done = cli(rc, "roster", "board", "--program", "red-steward", "--unit", str(t["committee"]), "--out", str(board))
    assert done.exit_code == 0 and "正式党员1" in board.read_text(encoding="utf-8")
    implied = tmp_path / "implied.md"  # the form: the unit's one programme is implied
    done = cli(rc, "roster", "board", "--unit", str(t["committee"]), "--out", str(implied))
    assert done.exit_code == 0 and implied.read_text(encoding="utf-8") == board.read_text(encoding="utf-8")
    bad = cli(rc, "report", "dashboard", "--unit", str(t["committee"]), "--period", "2025Q9", "--out", str(out))
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: ")
    wrong = cli(rc, "report", "workbook", "--unit", str(t["committee"]), "--period", "2025Q1", "--out",
                str(tmp_path / "d.html"))
    assert wrong.exit_code == 1 and ".xlsx" in wrong.stderr
    missing = cli(rc, "report", "dashboard", "--period", "2025Q1", "--out", str(out))
    assert missing.exit_code == 2 and "--unit" in missing.stderr


SECOND_PROGRAMME = """
[pack]
name = "heads"

[[roster_programs]]
code = "building-heads"
label = "楼门长"
candidate_kinds = ["member"]
notice_days = 5
tiers = ["regular"]
"""


def test_the_board_without_a_programme_asks_for_one_when_the_unit_has_two(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "rep.toml").write_text(PACK, encoding="utf-8")
    (tmp_path / "heads.toml").write_text(SECOND_PROGRAMME, encoding="utf-8")
    c = communitycore.open(db_url, actor="书记", clock=Clock("Asia/Shanghai", fixed=NOW), autoload=False,
                           packs=[tmp_path / "rep.toml", tmp_path / "heads.toml"])
    try:
        t = build(c)
        out = tmp_path / "board.md"
        one = cli(c, "roster", "board", "--unit", str(t["committee"]), "--out", str(out))
        assert one.exit_code == 0, one.output  # only red-steward entries there: that one is implied
        c.rosters.apply("building-heads", member=c.members.list(unit=t["committee"], limit=1)[0].id)
        for unit in (t["committee"], t["second"]):  # two on the unit's entries; none there, two declared
            out.unlink(missing_ok=True)
            refused = cli(c, "roster", "board", "--unit", str(unit), "--out", str(out))
            assert refused.exit_code == 1 and not out.exists()
            assert "--program" in refused.stderr and "building-heads, red-steward" in refused.stderr
        chosen = cli(c, "roster", "board", "--program", "building-heads", "--unit", str(t["committee"]),
                     "--out", str(out))
        assert chosen.exit_code == 0 and out.exists()
    finally:
        c.close()


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield folder
    folder.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("command", [["report", "dashboard", "--unit", "1", "--period", "2025", "--out", "{}.html"],
                                     ["report", "workbook", "--unit", "1", "--period", "2025", "--out", "{}.xlsx"],
                                     ["roster", "board", "--program", "red-steward", "--out", "{}.html"]])
def test_an_unwritable_folder_is_a_bad_environment(sqlite_community: Community, tmp_path: Path, read_only: Path,
                                                    command: list[str]) -> None:
    sqlite_community.org.add("街道党工委", "street-committee")
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    targets = [tmp_path / "no-such-folder" / "out", not_a_folder / "out"]
    if os.geteuid() != 0:
        targets.append(read_only / "out")
    for target in targets:
        args = [part.format(target) for part in command]
        result = cli(sqlite_community, *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("Error: ") and str(target.parent) in result.stderr, result.stderr
        assert "Traceback" not in result.output
        as_json = cli(sqlite_community, "--json", *args)
        assert as_json.exit_code == 2 and json.loads(as_json.stderr)["error"]["code"] == "cannot-write"
    assert not (tmp_path / "no-such-folder").exists()
    assert list(read_only.iterdir()) == []


def test_the_command_line_speaks_chinese_by_default(rc: Community, tmp_path: Path) -> None:
    t = build(rc)
    out = tmp_path / "d.html"
    state = AppState(community=rc, pm=rc.pm)
    done = CliRunner().invoke(make_cli(state), ["report", "dashboard", "--unit", str(t["committee"]), "--period",
                                                "2025Q1", "--out", str(out)], obj=state)
    assert done.exit_code == 0, done.output
    with language("zh"):
        headings = section_headings()
    page = parse(out.read_text(encoding="utf-8"))
    assert page.lang == "zh-CN" and page.sections == headings


# In a browser ------------------------------------------------------------------------------------------------


def _browser() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("COMMUNITYCORE_REQUIRE_BROWSER") == "1":
            pytest.fail("COMMUNITYCORE_REQUIRE_BROWSER=1 but chromium is not installed "
                        "(apt-get install chromium fonts-noto-cjk)", pytrace=False)
        pytest.skip("chromium is not installed")
    return found


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "HOME": str(profile)})


def test_the_dashboard_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    pack = tmp_path / "rep.toml"
    pack.write_text(PACK, encoding="utf-8")
    with communitycore.open(f"sqlite:///{tmp_path / 'c.db'}", actor="tester", create=True,
                            clock=Clock("Asia/Shanghai", fixed=NOW), autoload=False, packs=[pack]) as rc:
        t = build(rc)
        with language("zh"):
            page = write_dashboard(rc, t["committee"], "2025Q1", tmp_path / "dashboard.html")
            headings = section_headings()
    shot = tmp_path / "dashboard.png"
    done = _chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400",
                     page.resolve().as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank 1280×2400 page compresses to a few kilobytes
    artifacts = os.environ.get("COMMUNITYCORE_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(artifacts) / "dashboard.png")
        shutil.copyfile(page, Path(artifacts) / "dashboard.html")
    dom = _chromium(browser, tmp_path / "profile", "--dump-dom", page.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = parse(dom.stdout)
    assert rendered.sections == headings and len(headings) == 5
    assert "\ufffd" not in dom.stdout
    assert "城南街道党工委" in dom.stdout and "主题党日" in dom.stdout
    print(f"screenshot: {shot}", file=sys.stderr)


def test_the_demo_writes_a_dashboard_that_renders_in_chinese(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    # The screenshot's text is legible only with a font holding Chinese glyphs (fonts-noto-cjk).
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    assert fonts.stdout.strip(), "no font with Chinese glyphs is installed (apt-get install fonts-noto-cjk)"
    env = {**os.environ, "COMMUNITYCORE_LANG": "zh_CN"}
    done = subprocess.run([sys.executable, "-m", "communitycore", "--db", str(tmp_path / "demo.db"), "demo"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    page = tmp_path / "demo-dashboard.html"
    assert page.exists() and "demo-dashboard.html" in done.stdout
    shot = tmp_path / "demo-dashboard.png"
    taken = _chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,3000",
                      page.resolve().as_uri())
    assert taken.returncode == 0 and shot.exists() and len(shot.read_bytes()) > 50_000, taken.stderr[-2000:]
    artifacts = os.environ.get("COMMUNITYCORE_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(artifacts) / "demo-dashboard.png")
    dom = _chromium(browser, tmp_path / "profile", "--dump-dom", page.resolve().as_uri())
    with language("zh"):
        headings = section_headings()
    assert parse(dom.stdout).sections == headings and len(headings) == 5
    assert "\ufffd" not in dom.stdout and "靖城街道党工委" in dom.stdout and "民主评议" in dom.stdout


# The drawing helpers ----------------------------------------------------------------------------------------

labels = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30)
values = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@given(st.lists(st.tuples(labels, values), min_size=1, max_size=12), st.booleans())
def test_a_bar_chart_is_well_formed_whatever_its_labels_and_values(bars: list[tuple[str, float]],
                                                                  percent: bool) -> None:
    if percent:
        bars = [(label, value / 1e9) for label, value in bars]
    svg = ElementTree.fromstring(bar_chart(bars, title="<t>"))
    rects = svg.findall("rect")
    assert len(rects) == len(bars)
    widths = [float(r.get("width", "-1")) for r in rects]
    assert all(0 <= w <= 340 for w in widths)
    top = max(v for _label, v in bars)
    if top > 0 and not percent:
        assert max(widths) == pytest.approx(340, abs=0.1)  # the largest bar fills the width
    assert [t.text or "" for t in svg.findall("text")][::2] == [label for label, _v in bars]


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False)), min_size=1,
                max_size=24))
def test_a_line_chart_breaks_at_missing_values(points: list[float | None]) -> None:
    svg = ElementTree.fromstring(line_chart([str(i) for i in range(len(points))], [("r", points)], title="t"))
    assert len(svg.findall("circle")) == sum(p is not None for p in points)
    runs, current = 0, 0
    for p in [*points, None]:
        if p is None:
            runs += current > 1
            current = 0
        else:
            current += 1
    assert len(svg.findall("polyline")) == runs


@given(st.lists(st.lists(labels, min_size=3, max_size=3), max_size=5))
def test_a_markdown_table_keeps_its_shape_whatever_the_cells_hold(rows: list[list[str]]) -> None:
    text = md_table(["a", "b", "c"], rows)
    lines = text.split("\n")
    assert len(lines) == 2 + len(rows)
    for line in lines[2:]:
        assert len(re.findall(r"(?<!\\)\|", line)) == 4  # three cells: no cell's pipe escapes
