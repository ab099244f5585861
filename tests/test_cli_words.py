"""What the command line prints of the demo is in the run's language: headers, field names in
refusals, records named in sentences, codes in tables, the parser's and the system's words.

Each test runs a command in Chinese and in English and looks for what a tester found printed raw:
a field name (``entry：``), a code (``member``, ``upheld``, ``excellent``), an English sentence.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Community, capabilities
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.demo import build_demo
from communitycore.errors import RejectedInput
from communitycore.labels import FIELD_LABELS

SOURCE = Path(__file__).resolve().parents[1] / "src" / "communitycore"


@pytest.fixture
def demo(sqlite_community: Community) -> AppState:
    build_demo(sqlite_community)
    return AppState(community=sqlite_community, pm=sqlite_community.pm)


def run(state: AppState, lang: str, *args: str, code: int = 0) -> str:
    done = CliRunner().invoke(make_cli(state), ["--lang", lang, *args], obj=state, catch_exceptions=False)
    assert done.exit_code == code, done.output
    return done.output


def headers(text: str) -> list[str]:
    """The header row of a table (columns two or more spaces apart)."""
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def test_the_dues_categories_are_headed_and_sourced_in_the_language(demo: AppState) -> None:
    zh = run(demo, "zh", "dues", "categories")
    en = run(demo, "en", "dues", "categories")
    assert headers(zh) == ["类别代码", "名称", "固定金额", "来源"]
    assert headers(en) == ["Code", "Label", "Fixed amount", "Source"]
    assert "province" not in zh and "组织代码" not in zh
    assert "中组发〔2008〕3号 §6 (0.2–1 元)" in zh


def test_training_status_is_headed_in_the_language(demo: AppState) -> None:
    args = ("roster", "training", "status", "--program", "red-steward", "--period", "2025")
    assert headers(run(demo, "zh", *args)) == ["名册记录编号", "培训时长", "培训次数", "要求时长", "要求次数",
                                              "未达要求"]
    assert headers(run(demo, "en", *args)) == ["Entry ID", "Training hours", "Sessions", "Hours required",
                                              "Sessions required", "Short"]


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("activity", "add", "--member", "1", "--fact", "volunteer-hours", "--quantity", "abc"), "台账记录：",
     "Ledger entry:"),
    (("dues", "pay", "1", "--month", "x", "--amount", "5"), "月份：", "Month:"),
    (("dues", "pay", "1", "--month", "2025-01", "--amount", "x"), "金额：", "Amount:"),
    (("roster", "apply", "--program", "red-steward", "--member", "1", "--resident", "2"), "候选人：", "Candidate:"),
    (("roster", "apply", "--program", "red-steward", "--member", "1", "--on", "2999-01-01"), "日期：", "Date:"),
    (("recruit", "apply", "--unit", "3", "--name", " ", "--date", "2025-01-01"), "姓名：", "Name:"),
    (("recruit", "step", "1", "--step", "nosuch", "--date", "2025-01-01"), "步骤：未知", "Step: unknown"),
    (("grant", "add", "王五", "secretary", "--as", "steward:99999"), "身份：没有", "Acting as: there is no"),
    (("grant", "add", "王五", "secretary", "--as", "x:1"), "身份：应为", "Acting as: expected"),
])
def test_a_refused_field_is_named_by_its_label(demo: AppState, args: tuple[str, ...], zh: str, en: str) -> None:
    zh_text = run(demo, "zh", *args, code=1)
    en_text = run(demo, "en", *args, code=1)
    assert zh in zh_text and en in en_text, (zh_text, en_text)
    assert not re.search(r"\b[a-z_]+：", zh_text), zh_text  # no field's code before a colon


def test_records_and_states_are_named_in_words_in_refusals(demo: AppState, tmp_path: Path) -> None:
    apply = ("roster", "apply", "--program", "red-steward")
    assert "没有编号为 999999 的党员" in run(demo, "zh", *apply, "--member", "999999", code=1)
    assert "there is no member with id 999999" in run(demo, "en", *apply, "--member", "999999", code=1)
    certificate = ("service", "certificate", "resident:999999", "--year", "2025", "--out", str(tmp_path / "c.html"))
    assert "没有编号为 999999 的居民" in run(demo, "zh", *certificate, code=1)
    # An entry on the roster already: its state by its label, not its code.
    entry = demo.community.rosters.list()[0]
    again = (*apply, f"--{entry.candidate_kind}", str(entry.candidate_id))
    zh, en = run(demo, "zh", *again, code=1), run(demo, "en", *again, code=1)
    assert f"'{entry.state}'" not in zh and re.search(r"（状态 '[\u4e00-\u9fff]+'）", zh), zh
    assert f"'{entry.state}'" not in en and re.search(r"\(state '[A-Z][a-z ]+'\)", en), en


def test_a_meetings_refusals_name_lists_and_types_in_the_language(demo: AppState) -> None:
    unit = str(demo.community.members.get(1).unit_id)
    both = ("meeting", "add", "--unit", unit, "--type", "branch-general-meeting", "--date", "2026-01-06",
            "--topic", "x", "--host", "x", "--recorder", "x", "--minutes", "x", "--present", "1", "--absent", "1")
    zh, en = run(demo, "zh", *both, code=1), run(demo, "en", *both, code=1)
    assert "党员 1 同时列在 出席 和 缺席 中" in zh, zh
    assert "member 1 is listed in both present and absent" in en, en
    twice = {"present": [1, 1], "absent": [], "leave": []}
    with pytest.raises(RejectedInput, match="member 1 is listed twice"):
        demo.community.meetings.add(int(unit), "branch-general-meeting", on="2026-01-06", topic="x", host="x",
                                    recorder="x", minutes="x", **twice)
    outsider = ("meeting", "add", "--unit", "3", "--type", "branch-general-meeting", "--date", "2026-01-06",
                "--topic", "x", "--host", "x", "--recorder", "x", "--minutes", "x", "--present", "1")
    assert "（参会人员：全体党员）" in run(demo, "zh", *outsider, code=1)
    theme = ("meeting", "add", "--unit", "3", "--type", "theme-day", "--date", "2026-01-06")
    en = run(demo, "en", *theme, code=1)
    assert "主题党日" not in en and "Topic: the minutes of a theme day must give it" in en, en


def test_appeals_and_grades_are_shown_by_their_labels(demo: AppState) -> None:
    run_id = demo.community.assessments.runs(scheme="democratic-appraisal")[0].id
    zh = run(demo, "zh", "assess", "appeals")
    en = run(demo, "en", "assess", "appeals")
    assert "已采纳" in zh and "upheld" not in zh, zh
    assert "Upheld" in en, en
    results = run(demo, "zh", "assess", "results", str(run_id))
    assert "优秀" in results and "excellent" not in results, results
    # JSON keeps the codes and adds the state's label beside the appeal's.
    appeal = json.loads(run(demo, "zh", "--json", "assess", "appeals"))[0]
    assert (appeal["state"], appeal["state_label"]) == ("upheld", "已采纳")


def test_a_certificates_rows_are_labelled(demo: AppState, tmp_path: Path) -> None:
    member = demo.community.rosters.list()[0].candidate_id
    args = ("service", "certificate", f"member:{member}", "--year", "2025", "--out", str(tmp_path / "c.html"))
    zh = [line.split()[0] for line in run(demo, "zh", *args).splitlines()]
    en = [re.split(r"\s{2,}", line)[0] for line in run(demo, "en", *args).splitlines()]
    assert "志愿者" in zh and "年度" in zh and "person" not in zh and "year" not in zh, zh
    assert "Volunteer" in en and "Year" in en, en


def test_plugins_check_of_a_folder_that_is_no_package(demo: AppState, tmp_path: Path) -> None:
    zh = run(demo, "zh", "plugins", "check", str(tmp_path), code=1)
    en = run(demo, "en", "plugins", "check", str(tmp_path), code=1)
    assert "不含 __init__.py 的文件夹" in zh and "FileNotFoundError" not in zh and "Errno" not in zh, zh
    assert "is a folder without __init__.py" in en and "Errno" not in en, en


def test_an_import_is_refused_in_words(demo: AppState, tmp_path: Path, clock: Clock) -> None:
    file = tmp_path / "x.json"
    run(demo, "zh", "export", str(file))
    zh, en = run(demo, "zh", "import", str(file), code=1), run(demo, "en", "import", str(file), code=1)
    assert "党组织" in zh and "dues_payments" not in zh and "units," not in zh, zh
    assert "unit, " in en and "dues_payments" not in en, en
    text = file.read_text(encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(text[:text.index('"units": [') + 10] + "1" + "9" * 400, encoding="utf-8")
    empty = communitycore.open(f"sqlite:///{tmp_path / 'empty.db'}", actor="tester", clock=clock, autoload=False,
                               create=True)
    try:
        state = AppState(community=empty, pm=empty.pm)
        zh, en = run(state, "zh", "import", str(broken), code=1), run(state, "en", "import", str(broken), code=1)
    finally:
        empty.close()
    assert "整数过大" in zh and "overflow" not in zh and "parse error" not in zh, zh
    assert "a whole number too large to read" in en and "parse error" not in en, en


# Every field a refusal names has a label ----------------------------------------------------------


def _problem_fields() -> dict[str, set[str]]:
    """The field names the source hands a problem of one field: the literal given to ``Problem``,
    ``bad_field`` or a module's own function that passes its argument on as the field (``_bad``)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        carriers = {"Problem": 1, "bad_field": 0}  # a function -> the position of its field argument
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        changed = True
        while changed:
            changed = False
            for fn in functions:
                params = [a.arg for a in fn.args.posonlyargs + fn.args.args if a.arg not in ("self", "cls")]
                for call in ast.walk(fn):
                    name = _called(call)
                    if name in carriers and fn.name not in carriers and len(call.args) > carriers[name]:
                        arg = call.args[carriers[name]]
                        if isinstance(arg, ast.Name) and arg.id in params:
                            carriers[fn.name] = params.index(arg.id)
                            changed = True
        for call in ast.walk(tree):
            name = _called(call)
            if name in carriers and len(call.args) > carriers[name]:
                arg = call.args[carriers[name]]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, set()).add(path.relative_to(SOURCE).as_posix())
    return found


def _called(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def test_every_field_a_refusal_names_has_a_label_in_both_languages() -> None:
    labels = {**capabilities.field_labels(capabilities.declared()), **FIELD_LABELS}
    fields = _problem_fields()
    assert {"entry", "candidate", "days", "activity", "resident"} <= set(fields)  # the scan finds them
    # Headers of a file's columns are the file's words (公民身份号码, 月份); JSON paths are the file's keys.
    unlabelled = {field: sorted(where) for field, where in fields.items()
                  if field not in labels and not re.search(r"[\u4e00-\u9fff]", field) and not field.startswith("$")}
    assert unlabelled == {}
    assert all(labels[field][0] and labels[field][1] for field in fields if field in labels)
