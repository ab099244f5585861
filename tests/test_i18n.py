"""Chinese throughout, English on request: the catalogs, the language switches, help pages and the demo's output.

The catalog tests extract the messages from the source, as ``python -m communitycore.i18n_tools
update`` does, and fail on anything a translator or a release has to fix: a message the catalog
misses, an untranslated or fuzzy entry, a translation that changes the placeholders, a compiled
``.mo`` older than its ``.po``, a ``_()`` given an f-string. The output tests read what a person
reads (``org check`` of the demo, a refused import, every ``--help``) and look for sentences in
the other language.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import fnmatch
import importlib
import json
import re
import string
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import click
import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community, i18n_tools
from communitycore.cli import make_cli
from communitycore.cli.clickmessages import CLICK_MESSAGES, CLICK_MODULES, CLICK_TYPE_NAMES, COMPOSED
from communitycore.cli.helptext import fill, short_help, wrap_text
from communitycore.cli.render import display_width
from communitycore.cli.state import AppState, CommunityGroup, resolve_language
from communitycore.demo import build_demo
from communitycore.domain.codes import Coded
from communitycore.domain.identity import check_character, parse_id_number
from communitycore.errors import InvalidValue, Problem, RejectedInput
from communitycore.i18n import (
    LOCALE_DIR,
    get_language,
    help_msgid,
    language,
    listing,
    localized,
    translate_help,
)
from communitycore.i18n_extract import help_texts
from communitycore.io.activity_import import ACTIVITY_HEADERS
from communitycore.io.member_import import MEMBER_HEADERS
from communitycore.io.org_import import ORG_HEADERS
from communitycore.plugins.manager import make_plugin_manager
from communitycore.serialize import explain, structure

ROOT = Path(__file__).resolve().parent.parent

#: Modules whose messages are wrapped in phase 2 of the translation (after the branches that edit
#: them have merged). Remove a module from here once `python -m communitycore.i18n_tools unwrapped
#: PATH` reports nothing for it; the test below fails when an entry is no longer needed.
PENDING: frozenset[str] = frozenset()


# The catalogs ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> object:
    """The messages the source marks, extracted now."""
    return i18n_tools.extract()


def test_the_catalog_is_complete_and_compiled(template: object) -> None:
    problems = [p for locale in i18n_tools.LOCALES for p in i18n_tools.catalog_problems(template, locale)]
    assert problems == [], "\n".join(["run python -m communitycore.i18n_tools update, translate, compile:", *problems])


def _write_po(path: Path, entries: str) -> Path:
    path.write_text('msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                    + entries, encoding="utf-8")
    return path


def test_the_catalog_check_finds_each_kind_of_problem(tmp_path: Path) -> None:
    from babel.messages.catalog import Catalog

    wanted = Catalog(locale="zh_CN")
    for msgid in ("Kept", "Untranslated", "Fuzzy", "Placeholder {name}", "Not in the catalog"):
        wanted.add(msgid)
    po = _write_po(tmp_path / "x.po", '''msgid "Kept"
msgstr "保留"

msgid "Untranslated"
msgstr ""

#, fuzzy
msgid "Fuzzy"
msgstr "草稿"

msgid "Placeholder {name}"
msgstr "占位 {名称}"

msgid "Gone from the source"
msgstr "已删除"
''')
    mo = tmp_path / "x.mo"
    problems = i18n_tools.catalog_problems(wanted, "zh_CN", po=po, mo=mo)
    text = "\n".join(problems)
    for expected in ("missing (run update): 'Not in the catalog'", "no longer in the source (run update): "
                     "'Gone from the source'", "fuzzy", "'Fuzzy'", "untranslated: 'Untranslated'",
                     "placeholders ['名称'] instead of ['name']", "missing or stale (run compile)"):
        assert expected in text
    assert not any("'Kept'" in p for p in problems)
    # A compiled catalog matching the .po is current; one byte off is stale.
    mo.write_bytes(i18n_tools.mo_bytes(i18n_tools.read_catalog("zh_CN", po)))
    assert not any("stale" in p for p in i18n_tools.catalog_problems(wanted, "zh_CN", po=po, mo=mo))
    mo.write_bytes(mo.read_bytes() + b"\0")
    assert any("stale" in p for p in i18n_tools.catalog_problems(wanted, "zh_CN", po=po, mo=mo))


def test_no_marked_message_is_built_at_run_time() -> None:
    """``_(f"...")``, ``_("a" + b)`` and ``_("...".format())`` hide the message from extraction."""
    built = [str(u) for u in i18n_tools.unwrapped() if "plain string literal" in u.kind or "throwaway" in u.kind]
    assert built == []


def test_the_scanner_sees_what_phase_two_must_wrap() -> None:
    source = '''
from communitycore.i18n import _
def f(x, lang):
    raise InvalidValue(f"bad value {x}")
    raise InvalidValue(_("fine {x}").format(x=x))
    raise TypeError(f"a programmer's mistake {x}")
    click.echo("统计" if lang == "zh" else "Statistics")
    click.echo(_(f"hidden {x}"))
    text = f"schema at revision {x}"
    click.echo(f"{x}  ")
    click.echo(click.style(f"[{x}]", fg="red"))
    Problem(1, "col", "is required")
    Finding(unit_id=1, message=_("ok"), suggestion="do this")
    head, _, tail = x.partition(".")
'''
    found = {(u.line, u.kind) for u in i18n_tools.scan_source(source, Path("x.py"))}
    kinds = {line: kind for line, kind in found}
    assert kinds[4] == "not wrapped" and kinds[12] == "not wrapped" and kinds[13] == "not wrapped"
    assert (7, "not wrapped") in found and any(k.startswith("chosen by language") for ln, k in found if ln == 7)
    assert kinds[8].startswith("_() needs a plain string literal")
    assert kinds[9] == "not wrapped"
    assert kinds[14].startswith("_ is the translation function")
    assert not {5, 6, 10, 11} & set(kinds)


def _module(path: Path) -> str:
    return path.relative_to(i18n_tools.PACKAGE_DIR).as_posix()


def test_every_message_a_person_reads_is_marked() -> None:
    by_module: dict[str, list[str]] = {}
    for item in i18n_tools.unwrapped():
        by_module.setdefault(_module(item.path), []).append(str(item))
    unexpected = {m: lines for m, lines in by_module.items() if m not in PENDING}
    assert unexpected == {}, "\n".join(line for lines in unexpected.values() for line in lines)
    done = sorted(PENDING - set(by_module))
    assert done == [], f"these modules have no unwrapped message left: remove them from PENDING: {done}"


def test_the_extractor_finds_click_help_texts() -> None:
    source = b'''
import click
@click.group("org")
def org():
    """The organization tree.

    \\b
    UNIT is an id.
    """
@org.command("add", short_help="Add a unit.", epilog="See also: move.")
@click.option("--kind", help="Unit kind.")
@click.argument("name")
def add(name, kind):
    """Add a unit NAME.\\f

    Not shown.
    """
OPTIONS = [click.option("--code", help="Organization code.")]
def helper():
    """Not a command."""
'''
    found = [msgid for _line, msgid in help_texts(source)]
    assert found == ["The organization tree.\n\n\\b\nUNIT is an id.", "Add a unit.", "See also: move.",
                     "Unit kind.", "Add a unit NAME.", "Organization code."]


def _help_state() -> AppState:
    return AppState(pm=make_plugin_manager(autoload=False))


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


CLI = make_cli(_help_state())
COMMANDS = [((), CLI), *_commands(CLI)]
PATHS = [path for path, _command in COMMANDS]


def test_every_help_text_of_the_command_tree_is_in_the_catalog() -> None:
    """What click shows at run time is what the extractor keyed (a help text built at run time would not be)."""
    catalog = i18n_tools.read_catalog("zh_CN")
    known = {m.id for m in catalog if isinstance(m.id, str)}
    missing = []
    for path, command in COMMANDS:
        texts = [command.help, command.short_help, command.epilog,
                 *(getattr(p, "help", None) for p in command.params)]
        missing += [(" ".join(path), t) for t in texts if t and help_msgid(t) not in known]
    assert missing == []


# Shipping ------------------------------------------------------------------------------------------------


def test_the_compiled_catalog_ships_in_the_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["communitycore"]
    for locale in i18n_tools.LOCALES:
        mo = i18n_tools.compiled_path(locale).relative_to(i18n_tools.PACKAGE_DIR).as_posix()
        assert any(fnmatch.fnmatch(mo, pattern) for pattern in patterns), (mo, patterns)
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / "communitycore.mo").is_file()


@pytest.mark.slow
def test_a_built_wheel_holds_the_compiled_catalog(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("communitycore-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "communitycore/locale/zh_CN/LC_MESSAGES/communitycore.mo" in names


# Messages in the library ---------------------------------------------------------------------------------


def test_messages_follow_the_language_of_the_context() -> None:
    bad = "11010519491231002" + ("0" if check_character("11010519491231002") != "0" else "1")
    with language("zh"), pytest.raises(InvalidValue) as zh:
        parse_id_number(bad, today=dt.date(2026, 1, 1))
    with language("en"), pytest.raises(InvalidValue) as en:
        parse_id_number(bad, today=dt.date(2026, 1, 1))
    assert str(zh.value).startswith("校验码为 ") and "应为" in str(zh.value)
    assert str(en.value).startswith("check character is ")
    with language("zh"):
        line = str(Problem(6, "公民身份号码", str(zh.value)))
        rejected = str(RejectedInput([Problem(6, "公民身份号码", str(zh.value))], source="members.csv", imported=True))
        assert listing(["a", "b"]) == "a、b" and localized("党支部", "branch") == "党支部"
    assert line == f"第 6 行，公民身份号码：{zh.value}"
    assert rejected.startswith("members.csv：发现 1 个问题，未导入任何数据：\n")
    with language("en"):
        assert str(RejectedInput([Problem(None, "x", "y")] * 2)).startswith("input: 2 problems, nothing was saved")
        assert listing(["a", "b"]) == "a, b" and localized("党支部", "branch") == "branch"
    assert get_language() == "en"  # the tests' default (conftest); each block above gave its own back


def test_help_texts_keep_clicks_markers() -> None:
    doc = "First line.\n\n    \b\n    kept as is\n    \f\n    hidden"
    assert help_msgid(doc) == "First line.\n\n\\b\nkept as is"
    with language("zh"):
        assert translate_help("Show this message and exit.") == "显示本帮助并退出。"
        assert translate_help("Not in any catalog.\n\n\b\nraw") == "Not in any catalog.\n\n\b\nraw"
    assert translate_help(None) is None


# The language switches -----------------------------------------------------------------------------------


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    state = _help_state()
    return CliRunner(env=env).invoke(make_cli(state), list(args), obj=state, catch_exceptions=False)


def test_chinese_is_the_default_and_english_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no community.toml of the repository's
    monkeypatch.delenv("COMMUNITYCORE_LANG", raising=False)
    monkeypatch.delenv("COMMUNITYCORE_CONFIG", raising=False)
    assert "用法：" in _run("--help").output
    assert "Usage:" in _run("--lang", "en", "--help").output
    assert "Usage:" in _run("--lang=en", "org", "--help").output
    assert "Usage:" in _run("org", "check", "--help", "--lang", "en").output  # a command's own --lang, even after
    assert "Usage:" in _run("db", "status", "--help", env={"COMMUNITYCORE_LANG": "en"}).output
    (tmp_path / "community.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert "Usage:" in _run("db", "--help").output
    assert "用法：" in _run("--lang", "zh", "db", "--help").output  # the option beats the config
    assert "用法：" in _run("db", "--help", env={"COMMUNITYCORE_LANG": "zh"}).output  # and so does the variable
    other = tmp_path / "other.toml"
    other.write_text('lang = "zh"\n', encoding="utf-8")
    assert "用法：" in _run("--config", str(other), "db", "--help").output


def test_the_version_line_speaks_the_run_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMMUNITYCORE_LANG", raising=False)
    monkeypatch.delenv("COMMUNITYCORE_CONFIG", raising=False)
    assert _run("--version").output == f"community，版本 {communitycore.__version__}\n"
    assert _run("--lang", "en", "--version").output == f"community, version {communitycore.__version__}\n"


def test_resolve_language() -> None:
    assert resolve_language(["--lang", "en", "org", "tree"]) == "en"
    assert resolve_language(["org", "tree", "--lang=en"]) == "en"
    assert resolve_language(["--", "--lang", "en"]) == resolve_language([])
    assert resolve_language(["--lang", "fr", "--help"]) == resolve_language([])  # click refuses it with the choices


def test_a_bad_language_variable_is_reported_and_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("--help", env={"COMMUNITYCORE_LANG": "fr"})
    assert result.exit_code == 0 and "用法：" in result.output
    assert "COMMUNITYCORE_LANG='fr'" in result.output


def test_a_run_gives_the_callers_language_back(community: Community) -> None:
    state = AppState(community=community, pm=community.pm)
    with language("zh"):
        result = CliRunner().invoke(make_cli(state), ["--lang", "en", "org", "tree"], obj=state)
        assert result.exit_code == 0 and get_language() == "zh"
        assert state.lang == "zh"
    assert isinstance(make_cli(state), CommunityGroup)


def test_errors_are_headed_in_the_language(community: Community) -> None:
    state = AppState(community=community, pm=community.pm)
    zh = CliRunner().invoke(make_cli(state), ["org", "settings", "set", "1", "colour", "red"], obj=state)
    en = CliRunner().invoke(make_cli(state), ["--lang", "en", "org", "settings", "set", "1", "colour", "red"],
                            obj=state)
    assert zh.exit_code == en.exit_code == 1
    community.org.add("街道", "street-committee")
    zh = CliRunner().invoke(make_cli(state), ["org", "settings", "set", "1", "colour", "red"], obj=state)
    en = CliRunner().invoke(make_cli(state), ["--lang", "en", "org", "settings", "set", "1", "colour", "red"],
                            obj=state)
    assert zh.output.startswith("错误：没有设置项 'colour'；现有设置项：") and "、" in zh.output
    assert en.output.startswith("Error: unknown setting 'colour'; known settings: ")


@pytest.mark.parametrize(("command", "what_zh", "what_en"), [
    (["member", "import"], "党员", "members"),
    (["activity", "import"], "台账记录", "ledger entries"),
    (["resident", "import"], "居民", "residents"),
])
def test_a_file_of_another_type_is_refused_naming_what_it_should_hold(
        community: Community, tmp_path: Path, command: list[str], what_zh: str, what_en: str) -> None:
    state = AppState(community=community, pm=community.pm)
    for name, zh_end, en_end in [("list.json", "不能是 .json", "not .json"),
                                 ("list", "该文件名没有这样的扩展名", "and this name has no such ending")]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
        zh = CliRunner().invoke(make_cli(state), [*command, str(tmp_path / name)], obj=state)
        en = CliRunner().invoke(make_cli(state), ["--lang", "en", *command, str(tmp_path / name)], obj=state)
        assert zh.output.strip() == f"错误：{name}：{what_zh}只能从 .csv、.txt 或 .xlsx 文件导入，{zh_end}"
        assert en.output.strip() == f"Error: {name}: {what_en} are imported from .csv, .txt or .xlsx files, {en_end}"


# What a person reads: no sentence in the other language ------------------------------------------------

#: CJK punctuation that ends or joins clauses; a label or a name never holds one.
_SENTENCE_MARKS = re.compile(r"[\u4e00-\u9fff][，。；！？]|[，。；！？][\u4e00-\u9fff]"
                             r"|[\u4e00-\u9fff]：[\u4e00-\u9fff]")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def english_sentences(text: str, commands: frozenset[str]) -> list[str]:
    """Lines holding three English words in a row (not counting commands, options, metavars and `code`)."""
    found = []
    for line in text.splitlines():
        plain = re.sub(r"`[^`]*`|[a-z-]+(?:\s*/\s*[a-z-]+)+|--?[a-z][a-z-]*|\S*[/._=]\S*|\[[^\]]*\]", " ", line)
        run = 0
        for token in re.split(r"[\s,]+", plain):
            word = _WORD.fullmatch(token.strip("()（）:：.。;；"))
            if word and not token.isupper() and token.lower() not in commands:
                run += 1
                if run >= 3:
                    found.append(line)
                    break
            elif token:
                run = 0
    return found


def chinese_sentences(text: str) -> list[str]:
    """Lines holding Chinese text with clause punctuation: a sentence, not a name, a label or a list of labels."""
    return [line for line in text.splitlines() if _SENTENCE_MARKS.search(line)]


def chinese_outside(text: str, names: set[str]) -> list[str]:
    """Lines with Chinese left once every name and label of the data is taken out."""
    ordered = sorted(names, key=len, reverse=True)
    found = []
    for line in text.splitlines():
        for name in ordered:
            line = line.replace(name, " ")
        if _CJK.search(line):
            found.append(line)
    return found


COMMAND_WORDS = frozenset({"community", *(part for path in PATHS for part in path)})


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "community" for p in PATHS])
def test_help_pages_speak_one_language(path: tuple[str, ...]) -> None:
    zh = _run(*path, "--help")
    en = _run("--lang", "en", *path, "--help")
    assert zh.exit_code == en.exit_code == 0
    assert "用法：" in zh.output and "选项：" in zh.output and "显示本帮助并退出。" in zh.output
    assert english_sentences(zh.output, COMMAND_WORDS) == []
    assert "Usage:" in en.output and "Show this message and exit." in en.output
    assert chinese_sentences(en.output) == []
    # Wide text is wrapped by display width: no line wider than the help width (80 under CliRunner).
    assert max(display_width(line) for line in zh.output.splitlines()) <= 80


#: Mistakes click itself refuses before any command runs: a bad value, a missing argument or
#: option, an unknown option or command, one argument too many, a file that is not there.
USAGE_MISTAKES = (
    ("member", "show", "abc"),
    ("member", "show"),
    ("member", "list", "--limit", "-1"),
    ("member", "list", "--limit"),
    ("member", "import", "no-such-file.csv"),
    ("meeting", "list", "--status", "x"),
    ("meeting", "add", "--type", "branch-meeting"),
    ("member", "list", "--limt", "3"),
    ("member", "lst"),
    ("member", "show", "1", "2"),
)


@pytest.mark.parametrize("args", USAGE_MISTAKES, ids=" ".join)
def test_clicks_own_errors_speak_the_run_language(args: tuple[str, ...]) -> None:
    zh = _run(*args)
    en = _run("--lang", "en", *args)
    assert zh.exit_code == en.exit_code == 2
    assert zh.output.startswith("用法：" if en.output.startswith("Usage:") else "错误：")
    assert "错误：" in zh.output and ("查看帮助。" in zh.output) == ("for help." in en.output)
    assert english_sentences(zh.output, COMMAND_WORDS) == [], zh.output
    assert "Error: " in en.output
    assert chinese_sentences(en.output) == [], en.output


def test_clicks_own_errors_name_the_value_in_chinese() -> None:
    refused = _run("member", "list", "--limit", "-1").output
    assert "错误：'--limit' 的值无效：-1 不在范围 0<=x<=2147483647 之内。" in refused
    assert "错误：'FILE' 的值无效：文件 'no-such.csv' 不存在。" in _run("member", "import", "no-such.csv").output
    assert "是否要用 'list'？" in _run("member", "lst").output
    assert "[默认：50；" in _run("events", "list", "--help").output
    assert "[必填]" in _run("meeting", "add", "--help").output


#: Click's messages that name a type, end a sentence click's code punctuates or list choices, in Chinese.
CLICK_IN_CHINESE = {
    ("member", "show"): "错误：缺少参数 'ID'。\n",
    ("member", "list", "--limit", "abc"): "错误：'--limit' 的值无效：'abc' 不是有效的整数。\n",  # an IntRange
    ("demo", "--seed", "abc"): "错误：'--seed' 的值无效：'abc' 不是有效的整数。\n",  # click.INT
    ("assess", "explain", "1", "--run", "abc"):
        "错误：'--run' 的值无效：编号 应为用数字 0-9 书写的整数，实际为 'abc'\n",  # a record id
    ("member", "list", "--status", "x"):
        "错误：'--status' 的值无效：'x' 不是可选值 'active'、'removed'、'all' 之一。\n",
    ("member", "list", "--limt", "3"): "错误：没有选项 '--limt'。是否要用其中之一：'--limit'、'--unit'？\n",
    ("member", "lst"): "错误：没有命令 'lst'。是否要用 'list'？\n",
    ("service", "request", "evaluate", "1"): "错误：缺少选项 '--solved'。可选：\n\tyes\n\tno\n",
    ("service", "trace"): "错误：缺少参数 '{request|demand|project}'。可选：\n\trequest\n\tdemand\n\tproject\n",
}


@pytest.mark.parametrize("args", CLICK_IN_CHINESE, ids=" ".join)
def test_clicks_messages_read_as_chinese_sentences(args: tuple[str, ...]) -> None:
    zh = _run(*args)
    assert zh.exit_code == 2
    assert zh.output.endswith(CLICK_IN_CHINESE[args]), zh.output
    assert not re.search(r"integer|[。？] |[\u4e00-\u9fff）][.,;?]", zh.output), zh.output
    if "不是有效的整数" in CLICK_IN_CHINESE[args]:  # in English, click's name of the type
        assert re.search(r"is not a valid integer( range)?\.\n", _run("--lang", "en", *args).output)


def _words_of(command: click.Command, args: list[str]) -> str:
    return CliRunner().invoke(command, args).output


def test_clicks_messages_in_english_are_clicks_own() -> None:
    """What click puts together is ours during a run; in English, word for word what click writes."""
    from communitycore.cli import clickmessages

    @click.group()
    def other() -> None:
        """A program of its own."""

    @other.command()
    @click.argument("thing")
    @click.argument("kind", type=click.Choice(["one", "two"]))
    @click.option("--only", type=click.Choice(["single"]))
    @click.option("--count", type=click.IntRange(0, 9), default=3, show_default=True, required=True, help="How many.")
    @click.option("--ratio", type=float, help="A share.")
    @click.option("--size", type=int, envvar="SIZE", show_envvar=True, default=1, show_default=True)
    @click.option("--pick", type=click.Choice(["a", "b"]), required=True)
    def sub(**kwargs: object) -> None:
        """A command."""

    mistakes = [["sub"], ["sub", "x"], ["sub", "x", "one"], ["sub", "x", "three"], ["sub", "x", "one", "--only", "y"],
                ["sub", "x", "one", "--pick", "a", "--count", "z"], ["sub", "x", "one", "--pick", "a", "--ratio", "z"],
                ["sub", "x", "one", "--pick", "a", "--size", "z"], ["sub", "x", "one", "--pik", "a"],
                ["sub", "x", "one", "--xyz"], ["sb"], ["su"], ["sub", "--help"]]
    clicks = [_words_of(other, args) for args in mistakes]
    with language("en"), clickmessages.translating():
        ours = [_words_of(other, args) for args in mistakes]
    assert ours == clicks
    with language("zh"), clickmessages.translating():
        chinese = [_words_of(other, args) for args in mistakes]
    assert "错误：缺少参数 'THING'。" in chinese[0] and "'z' 不是有效的数值。" in chinese[6]
    assert "[默认：3；0<=x<=9；必填]" in chinese[-1] and "[环境变量：SIZE；默认：1]" in chinese[-1]
    assert "'y' 不是 'single'。" in chinese[4]
    # A message made with a message of its own still says it, then what the type adds.
    ctx = click.Context(sub)
    pick = next(p for p in sub.params if p.name == "pick")
    made = click.MissingParameter("give one", ctx=ctx, param=pick)
    clicks_words = made.format_message()
    with language("en"), clickmessages.translating():
        assert made.format_message() == clicks_words == "Missing option '--pick'. give one. Choose from:\n\ta,\n\tb"
    with language("zh"), clickmessages.translating():
        assert made.format_message() == "缺少选项 '--pick'。give one。可选：\n\ta\n\tb"


def test_other_click_programs_keep_clicks_english() -> None:
    @click.command()
    @click.option("--n", type=click.IntRange(min=0))
    def other(n: int) -> None:
        """Another program in the same process."""

    assert _run("member", "list", "--limit", "-1").exit_code == 2  # a community run first: lookups installed
    with language("zh"):
        result = CliRunner().invoke(other, ["--n", "-1"])
    assert result.exit_code == 2
    assert "Error: Invalid value for '--n': -1 is not in the range x>=0." in result.output
    assert "Show this message and exit." in CliRunner().invoke(other, ["--help"]).output


def test_clicks_messages_are_clicks_words() -> None:
    # A message click no longer makes would never be looked up: each is in click's source as written.
    source = "".join(Path(click.__file__).with_name(f"{name.split('.')[1]}.py").read_text(encoding="utf-8")
                     for name in CLICK_MODULES)
    missing = [m for m in (*CLICK_MESSAGES, *CLICK_TYPE_NAMES)
               if repr(m)[1:-1] not in source and f'"{m}"' not in source]
    assert missing == []
    # Each method ours stand in for during a run is click's (a click without it keeps its own).
    for module, name, method, _ours, uses in COMPOSED:
        cls = getattr(importlib.import_module(module), name)
        assert method in cls.__dict__ and all(hasattr(cls, use) for use in uses)


#: The ends a translation may have, by the last character of its English.
SENTENCE_ENDS = {".": ("。", "……"), "?": ("？",), "!": ("。", "！"), ":": ("：",)}


def test_chinese_is_punctuated_and_quoted_as_the_catalog_does() -> None:
    """Full-width punctuation where the English ends a sentence; a value quoted as Python writes it; no 「」."""
    catalog = i18n_tools.read_catalog("zh_CN")
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        plural = isinstance(message.id, tuple)
        ids, strings = (message.id, message.string) if plural else ((message.id,), (message.string,))
        for english, chinese in zip(ids, strings, strict=False):
            end, text = english.rstrip()[-1:], chinese.rstrip()
            if not _wide_text(text):
                continue  # separators and codes ("{first}{second}", "；", "{choice}") end no sentence
            if end in SENTENCE_ENDS and not text.endswith(SENTENCE_ENDS[end]):
                wrong.append(f"ends unlike the English: {english!r} -> {chinese!r}")
            if re.search(r"[.,;:?!]$", text):
                wrong.append(f"ends with ASCII punctuation: {chinese!r}")
            if re.search("[「」『』]", chinese):
                wrong.append(f"quotes with corner brackets: {chinese!r}")
            if _conversions(english) != _conversions(chinese):
                wrong.append(f"quotes a value otherwise than the English: {english!r} -> {chinese!r}")
    assert wrong == []


def _wide_text(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def _conversions(text: str) -> list[str]:
    """The placeholders of ``text`` that convert their value (``{value!r}``), with the conversion."""
    return sorted(f"{name}!{conversion}" for _text, name, _spec, conversion in string.Formatter().parse(text)
                  if name is not None and conversion)


def test_a_problem_of_the_file_or_of_no_row_reads_in_words(tmp_path: Path) -> None:
    """``(file)``, ``(header)`` and ``(more)`` are codes of the JSON; a line names them in the language."""
    from communitycore.cli.problems import problem_line
    from communitycore.errors import FILE_FIELD, HEADER_FIELD, MORE_FIELD
    from communitycore.io.sheets import SheetReader

    reader = SheetReader(tmp_path / "m.csv", what="members")
    reader.encoding = "utf-8"
    with language("zh"):
        stopped = reader.failure(9, UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))
        problems = [stopped, Problem(1, HEADER_FIELD, "文件为空"),
                    Problem(None, MORE_FIELD, "另有 3 个问题未列出")]
        lines = [problem_line(p) for p in problems]
        worded = str(RejectedInput(problems, source="m.csv", imported=True)).splitlines()[1:]
    assert stopped.field == FILE_FIELD
    assert lines == ["第 9 行（文件）：从此处起不是有效的 utf-8 文本；请将文件另存为 UTF-8（CSV UTF-8）后重新导入",
                     "第 1 行（表头）：文件为空", "另有 3 个问题未列出"]
    assert worded == [f"  {line}" for line in lines]
    with language("en"):
        assert problem_line(reader.failure(9, csv.Error("line contains NUL"))) == (
            "row 9 (the file): cannot be read from here on: line contains NUL")


@pytest.fixture
def demo(community: Community) -> tuple[AppState, set[str]]:
    build_demo(community)
    names = {line.unit.name for line in community.org.tree()} | {line.path for line in community.org.tree()}
    return AppState(community=community, pm=community.pm), names


def test_org_check_of_the_demo_speaks_one_language(demo: tuple[AppState, set[str]]) -> None:
    state, names = demo
    zh = CliRunner().invoke(make_cli(state), ["org", "check"], obj=state, catch_exceptions=False)
    en = CliRunner().invoke(make_cli(state), ["--lang", "en", "org", "check"], obj=state, catch_exceptions=False)
    assert zh.exit_code == en.exit_code == 0
    assert "建议：" in zh.output and "党支部应有正式党员 3 名以上" in zh.output
    assert english_sentences(zh.output, COMMAND_WORDS) == []
    assert "Suggestion:" in en.output and "a branch needs at least 3" in en.output
    assert chinese_outside(en.output, names) == []
    # The JSON keys and codes stay the same; only the words change.
    zh_json = CliRunner().invoke(make_cli(state), ["--json", "org", "check"], obj=state).stdout
    en_json = CliRunner().invoke(make_cli(state), ["--json", "--lang", "en", "org", "check"], obj=state).stdout
    assert re.findall(r'"(\w+)":', zh_json) == re.findall(r'"(\w+)":', en_json)
    assert re.findall(r'"rule": "([\w-]+)"', zh_json) == re.findall(r'"rule": "([\w-]+)"', en_json)


def test_a_refused_import_speaks_one_language(demo: tuple[AppState, set[str]], tmp_path: Path) -> None:
    state, names = demo
    header = "姓名,性别,公民身份号码,所在党组织,入党日期,转正日期,党员类别,联系电话"
    good = "11010519491231002"
    wrong = good + ("0" if check_character(good) != "0" else "1")
    file = tmp_path / "members.csv"
    file.write_text(f"{header}\n张三,男,{wrong},靖城街道党工委/虹兴社区党委/老党员支部,1970-07-01,1971-07-01,正式,"
                    f"13812345678\n李四,男,1101051949,靖城街道党工委/虹兴社区党委/老党员支部,1970-07-01,"
                    "1971-07-01,正式,13812345679\n", encoding="utf-8")
    zh = CliRunner().invoke(make_cli(state), ["member", "import", str(file)], obj=state)
    en = CliRunner().invoke(make_cli(state), ["--lang", "en", "member", "import", str(file)], obj=state)
    assert zh.exit_code == en.exit_code == 1
    assert "第 2 行，公民身份号码：校验码为 " in zh.output and "第 3 行，公民身份号码：应为 18 位" in zh.output
    assert english_sentences(zh.output, COMMAND_WORDS) == []
    assert "row 2, column 公民身份号码: check character is" in en.output
    assert chinese_outside(en.output, names | set(header.split(",")) | {file.name}) == []


# What a person reads on the demo, word by word ---------------------------------------------------------

_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _coded_labels() -> set[str]:
    """The Chinese labels and aliases of every coded value (正常, 党员 …): labels of data."""
    found: set[str] = set()
    pending: list[type[Coded]] = [Coded]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for member in cls:  # type: ignore[attr-defined]
            found |= {label for label in (member.zh, *member.aliases) if _CJK.search(label)}
    return found


#: The headers the import templates name (a column the file lacks is named by its template header).
TEMPLATE_HEADERS = frozenset(header for table in (MEMBER_HEADERS, ORG_HEADERS, ACTIVITY_HEADERS)
                             for headers in table.values() for header in headers if _CJK.search(header))


def _coded_codes() -> set[str]:
    codes: set[str] = set()
    pending: list[type[Coded]] = [Coded]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        codes |= {member.value for member in cls}  # type: ignore[attr-defined]
    return codes


def english_words_left(text: str, codes: set[str]) -> list[str]:
    """Lines of Chinese output with an ASCII word of three letters or more once codes, command words,
    quoted values, key paths, file names and dates are taken out."""
    found = []
    for line in text.splitlines():
        plain = re.sub(r"'[^']*'|\$\.\S+|\S+\.(?:csv|json|xlsx)\b|\d{4}-\d{2}-\d{2}", " ", line)
        for code in sorted(codes, key=len, reverse=True):
            plain = re.sub(rf"(?<![A-Za-z0-9-]){re.escape(code)}(?![A-Za-z0-9-])", " ", plain)
        if _ASCII_WORD.search(plain):
            found.append(line)
    return found


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def _refused_files(tmp_path: Path, units: list[str]) -> dict[str, tuple[tuple[str, ...], Path]]:
    """Files the demo refuses, each with the command that reads it."""
    branch = "靖城街道党工委/虹兴社区党委/老党员支部"
    good = "11010519491231002"
    wrong = good + ("0" if check_character(good) != "0" else "1")
    member_header = ["姓名", "性别", "公民身份号码", "所在党组织", "入党日期", "转正日期", "党员类别", "联系电话"]
    members = _write_csv(tmp_path / "党员.csv", [
        member_header,
        ["张三", "男", wrong, branch, "1970-07-01", "1971-07-01", "正式", "13812345678"],  # a bad ID number
        ["李四", "男", "110101198503121239", branch, "2999-07-01", "", "预备", "13812345679"],  # a future date
        ["王五", "女", "110101198503121220", "靖城街道党工委/没有这个支部", "2010-07-01", "2011-07-01", "正式",
         "13812345670"],  # a unit that does not exist
    ])
    no_unit = _write_csv(tmp_path / "缺列.csv", [["姓名", "性别", "公民身份号码"],  # no 所在党组织
                                                ["赵六", "女", good + check_character(good)]])
    units_file = _write_csv(tmp_path / "组织.csv", [
        ["路径", "类别", "组织代码", "批准日期", "覆盖单位数"],
        ["孤立支部", "党支部", "", "", ""],  # a branch at the top
        ["靖城街道党工委/新党委", "不知道", "", "", ""],  # an unknown kind
        [f"{units[0]}/新支部", "branch", "", "2020-13-01", "-3"],  # no such date, a negative count
    ])
    activity = _write_csv(tmp_path / "台账.csv", [
        ["对象类型", "对象编号", "事实", "日期", "数量", "来源", "备注", "所属党组织"],
        ["外星人", "1", "volunteer-hours", "2026-03-15", "1.5", "manual", "义诊", ""],
        ["党员", "1", "volunteer-hours", "2026-03-15", "很多", "manual", "", ""],
        ["党员", "1", "volunteer-hours", "2026-03-15", "1", "manual", "", "没有这个党组织"],
    ])
    return {"members": (("member", "import"), members), "missing column": (("member", "import"), no_unit),
            "units": (("org", "import"), units_file), "activity": (("activity", "import"), activity)}


def _spoiled_export(state: AppState, tmp_path: Path) -> Path:
    file = tmp_path / "导出.json"
    result = CliRunner().invoke(make_cli(state), ["export", str(file)], obj=state, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(file.read_text(encoding="utf-8"))
    data["units"][0]["kind"] = "nope"  # an unknown kind
    data["units"][1]["parent_id"] = 999_999  # a parent that is not in the file
    good = "11010519491231002"
    data["members"][0]["id_number"] = good + ("0" if check_character(good) != "0" else "1")
    data["members"][1]["join_date"] = "2999-01-01"
    data["members"][2]["unit_id"] = 777_777
    del data["members"][3]["name"]  # a required field
    data["residents"][0]["household_id"] = 999_999
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return file


def test_the_demo_speaks_one_language_word_by_word(demo: tuple[AppState, set[str]], sqlite_community: Community,
                                                   tmp_path: Path) -> None:
    """``org check`` and every refused import: no English word in Chinese, no Chinese in English.

    In the Chinese output, only codes (rule, kind and value codes), command words, quoted input,
    key paths, file names and dates may be written in ASCII letters. In the English output, only
    the data may be Chinese: unit names and paths, the file's headers and cells, the labels of
    unit kinds and of coded values.
    """
    state, names = demo
    community = state.community
    registry = community.registry
    findings = community.org.check()
    assert findings  # the demo has findings to print
    codes = ({"community", *COMMAND_WORDS} | set(registry.unit_kinds) | {f.rule for f in findings}
             | _coded_codes() | set(registry.facts))
    # 2023年7月1日: a spelling of dates the import accepts, which the hint of a bad date shows.
    labels = (names | {k.label for k in registry.unit_kinds.values()} | _coded_labels() | TEMPLATE_HEADERS
              | {"2023年7月1日"})
    units = [line.path for line in community.org.tree()]
    runs: dict[str, tuple[AppState, tuple[str, ...], set[str]]] = {"org check": (state, ("org", "check"), set())}
    for what, (command, file) in _refused_files(tmp_path, units).items():
        cells = {cell for line in file.read_text(encoding="utf-8").splitlines() for cell in line.split(",") if cell}
        runs[what] = (state, (*command, str(file)), cells | {file.name})
    export = _spoiled_export(state, tmp_path)
    empty = AppState(community=sqlite_community, pm=sqlite_community.pm)
    runs["exchange"] = (empty, ("import", str(export)), {export.name})
    for what, (app, args, data) in runs.items():
        zh = CliRunner().invoke(make_cli(app), ["--lang", "zh", *args], obj=app, catch_exceptions=False)
        en = CliRunner().invoke(make_cli(app), ["--lang", "en", *args], obj=app, catch_exceptions=False)
        expected = 0 if what == "org check" else 1
        assert zh.exit_code == en.exit_code == expected, (what, zh.output, en.output)
        assert english_words_left(zh.output, codes) == [], (what, zh.output)
        assert chinese_outside(en.output, labels | data) == [], (what, en.output)
        if expected:  # each refusal lists its problems, then says that nothing was imported
            assert "未导入任何数据" in zh.output and "nothing was imported" in en.output, what
            assert zh.output.count("\n") == en.output.count("\n"), what
        if what == "exchange":  # records named in the language; the units under a missing parent are no cycle
            assert "没有编号为 999999 的党组织" in zh.output and "there is no unit with id 999999" in en.output
            assert "缺少必填字段" in zh.output and "cycle" not in en.output
    # The checks above find what they look for.
    assert english_words_left("第 2 行，类别：党支部 needs a parent", codes) != []
    assert english_words_left("党支部 (branch)、'grid-branch'、$.units[0].kind、党员.csv", codes) == []
    assert chinese_outside("row 2, column 公民身份号码: 应为 18 位", labels | {"公民身份号码"}) != []


def test_every_column_a_command_prints_has_its_label() -> None:
    """The header of each column a command's table shows is labelled in both languages, never its field name."""
    import importlib
    import pkgutil

    import communitycore.cli as cli_package
    from communitycore import capabilities
    from communitycore.labels import FIELD_LABELS

    labelled = set(FIELD_LABELS) | set(capabilities.field_labels(capabilities.declared()))
    unlabelled = []
    for info in pkgutil.iter_modules(cli_package.__path__):
        module = importlib.import_module(f"communitycore.cli.{info.name}")
        for name, columns in vars(module).items():
            if name.endswith("COLUMNS") and isinstance(columns, (tuple, list)):  # GRANT_COLUMNS is a list
                unlabelled += [f"{info.name}.{name}: {c}" for c in columns if isinstance(c, str) and c not in labelled]
        # The columns a command names where it prints (emit(rows, columns=("code", "fixed", …))).
        assert module.__file__ is not None
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.keyword) and node.arg == "columns"
                    and isinstance(node.value, (ast.Tuple, ast.List))):
                unlabelled += [f"{info.name}:{node.value.lineno}: {c.value}" for c in node.value.elts
                               if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value not in labelled]
    assert unlabelled == []


def test_the_grants_and_events_tables_are_headed_in_chinese(sqlite_community: Community) -> None:
    sqlite_community.org.add("城南街道党工委", "street-committee")
    state = AppState(community=sqlite_community, pm=sqlite_community.pm)
    grants = CliRunner().invoke(make_cli(state), ["grant", "list"], obj=state, catch_exceptions=False)
    events = CliRunner().invoke(make_cli(state), ["events", "list"], obj=state, catch_exceptions=False)
    # A grant's actor is who holds it (用户); in the audit trail an actor is who did something (操作人).
    assert grants.output.splitlines()[0].split() == ["编号", "用户", "角色", "所在党组织", "身份", "授予时间",
                                                     "授予人"]
    whoami = CliRunner().invoke(make_cli(state), ["whoami"], obj=state, catch_exceptions=False)
    assert whoami.output.splitlines()[1].split() == ["用户", "角色", "所在党组织", "身份", "授予时间", "授予人"]
    audit = CliRunner().invoke(make_cli(state), ["audit", "list"], obj=state, catch_exceptions=False)
    assert audit.output.splitlines()[0].split()[:3] == ["编号", "时间", "操作人"]
    english = CliRunner().invoke(make_cli(state), ["--lang", "en", "grant", "list"], obj=state, catch_exceptions=False)
    assert english.output.splitlines()[0].split()[:2] == ["ID", "Actor"]
    as_json = CliRunner().invoke(make_cli(state), ["--json", "grant", "list"], obj=state, catch_exceptions=False)
    assert list(json.loads(as_json.stdout)[0])[:2] == ["id", "actor"]
    # An event's status is whether it was delivered, not a member's standing on the rolls (在册状态).
    assert events.output.splitlines()[0].split() == ["编号", "时间", "操作", "对象类型", "对象编号", "状态", "投递次数",
                                                     "最近一次错误"]


def test_the_dues_commands_head_their_tables_in_the_language(sqlite_community: Community) -> None:
    """A base set and a payment recorded, in Chinese: every header is Chinese (the columns come from the records)."""
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    member = c.members.add("张三", c.org.add("第一党支部", "branch", c.org.add("幸福社区党委", "community-committee",
                                                                          street.id).id).id)
    app = AppState(community=c, pm=c.pm)
    month = c.clock.today().strftime("%Y-%m")
    for args in (("dues", "set-base", str(member.id), "--category", "在职", "--base", "3000", "--from", month),
                 ("dues", "pay", str(member.id), "--month", month, "--amount", "15"),
                 ("dues", "amount", str(member.id), "--month", month)):
        done = CliRunner().invoke(make_cli(app), ["--lang", "zh", *args], obj=app, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        lines = done.output.splitlines()
        table = len(lines) > 1 and set(lines[1]) <= {"-", " "}  # a table's header row, or a block's first words
        headers = lines[0].split() if table else [line.split()[0] for line in lines]
        assert [h for h in headers if re.search("[A-Za-z]", h)] == [], (args, done.output)


def test_the_dues_commands_show_categories_and_base_kinds_by_their_labels(community: Community) -> None:
    """Text output names a dues category and a retiree's base kind by its label in the language; JSON
    keeps the codes and adds the labels beside them."""
    from communitycore.capabilities.dues import CAPABILITY
    from communitycore.labels import label

    dues_labels = dict(CAPABILITY.labels)
    c = community
    street = c.org.add("城南街道党工委", "street-committee")
    branch = c.org.add("第一党支部", "branch", c.org.add("幸福社区党委", "community-committee", street.id).id)
    salaried, retired = (str(c.members.add(name, branch.id, join_date="2000-07-01").id) for name in ("张三", "李四"))
    c.org.set_setting(branch.id, "dues-retiree-base", "basic-pension")
    app = AppState(community=c, pm=c.pm)

    def run(*args: str) -> str:
        done = CliRunner().invoke(make_cli(app), list(args), obj=app, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.output

    expected = {"zh": ("年薪制", "离退休", "基本养老金"), "en": ("annual salary", "retired", "basic pension")}
    for lang, (salary, retiree, basic) in expected.items():
        cases = ((salaried, "annual-salary", "3000", salary, "-"), (retired, "retired", "4800", retiree, basic))
        for member, code, base, category, kind in cases:
            for args in (("dues", "set-base", member, "--category", code, "--base", base, "--from", "2026-05"),
                         ("dues", "amount", member, "--month", "2026-06")):
                text = run("--lang", lang, *args)
                fields = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in text.splitlines())
                assert fields[label("category", lang, dues_labels)] == category, (lang, args, text)
                assert fields[label("base_kind", lang)] == kind, (lang, args, text)
                # The codes typed in come back as labels, not as themselves.
                assert "annual-salary" not in text and "basic-pension" not in text, (lang, args, text)
                assert lang == "en" or "retired" not in text, text
        # JSON: the stable codes, and the labels in the language beside them.
        due = json.loads(run("--json", "--lang", lang, "dues", "amount", retired, "--month", "2026-06"))
        assert (due["category"], due["category_label"], due["base_kind"], due["base_kind_label"]) == (
            "retired", retiree, "basic-pension", basic)
        done = json.loads(run("--json", "--lang", lang, "dues", "set-base", salaried, "--category", "annual-salary",
                              "--base", "3000", "--from", "2026-05"))
        assert (done["category"], done["category_label"], done["base_kind"], done["base_kind_label"]) == (
            "annual-salary", salary, None, None)


def test_a_capabilitys_own_labels_head_its_commands_columns(demo: tuple[AppState, set[str]]) -> None:
    """Where a capability's field shares its name with a shared field, its commands say what it means
    there: a request's category is 服务类别 and its channel 渠道, a roster entry's tier 星级档次,
    and a member's category stays 党员类别 in the member commands."""
    state, _names = demo

    def headers(*args: str) -> list[str]:
        done = CliRunner().invoke(make_cli(state), ["--lang", "zh", *args], obj=state, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.output.splitlines()[0].split()

    requests = headers("service", "request", "list")
    assert "服务类别" in requests and "渠道" in requests, requests
    assert "党员类别" not in requests and "报到方式" not in requests, requests
    entries = headers("roster", "list")
    assert "星级档次" in entries and "小区类型" not in entries, entries
    assert "党员类别" in headers("member", "list", "--limit", "3")
    # A refused request names its field as the services say it, too.
    refused = CliRunner().invoke(make_cli(state), ["--lang", "zh", "service", "request", "add", "--unit", "1",
                                                   "--category", "care", "--channel", "fax", "--text", "x"],
                                 obj=state)
    assert refused.exit_code == 1 and "渠道：" in refused.output and "报到方式" not in refused.output, refused.output


def test_where_a_setting_comes_from_is_worded_in_the_language(demo: tuple[AppState, set[str]]) -> None:
    state, _names = demo
    unit = "靖城街道党工委/幸福社区党委"
    zh = CliRunner().invoke(make_cli(state), ["org", "settings", unit], obj=state, catch_exceptions=False)
    en = CliRunner().invoke(make_cli(state), ["--lang", "en", "org", "settings", unit], obj=state,
                            catch_exceptions=False)
    assert re.search(r"^meeting-absence-months\s+6\s+默认$", zh.output, re.M)
    assert re.search(r"^meeting-cadence.theme-day\s+每月\s+默认（national-meetings）$", zh.output, re.M)
    assert re.search(r"^meeting-absence-months\s+6\s+default$", en.output, re.M)
    assert re.search(r"^meeting-cadence.theme-day\s+Monthly\s+default \(national-meetings\)$", en.output, re.M)
    assert "default" not in zh.output and "monthly" not in zh.output  # a coded value reads in words
    # JSON keeps the source as the code.
    data = json.loads(CliRunner().invoke(make_cli(state), ["--json", "org", "settings", unit], obj=state).stdout)
    sources = {row["key"]: row["source"] for row in data}
    assert sources["meeting-absence-months"] == "default"
    assert sources["meeting-cadence.theme-day"] == "default (national-meetings)"
    assert not any("source_label" in row for row in data)


def test_structuring_problems_are_worded_in_the_language() -> None:
    @attrs.frozen
    class Point:
        x: int
        y: int

    with language("zh"):
        with pytest.raises(Exception) as missing:
            structure({"x": 1}, Point)
        assert explain(missing.value) == ["缺少必填字段 @ $.y"]
        with pytest.raises(Exception) as wrong:
            structure({"x": "a", "y": 1}, Point)
        # Our own hooks say what they expected and what they got.
        assert explain(wrong.value) == ["应为 int，实际为 'a' @ $.x"]
        with pytest.raises(Exception) as listed:
            structure({"x": [1], "y": 1}, Point)
        assert explain(listed.value) == ["应为 int，实际为 [1] @ $.x"]
    with language("en"):
        assert explain(missing.value) == ["required field missing @ $.y"]
        with pytest.raises(Exception) as wrong:
            structure({"x": "a", "y": 1}, Point)
        assert explain(wrong.value) == ["expected int, got 'a' @ $.x"]


# The help formatter ----------------------------------------------------------------------------------------


def test_wide_text_wraps_by_display_width() -> None:
    text = "每项检查结果列明党组织、规则、严重程度（错误、警告、提示）、存在的问题和整改建议，规则由插件提供。"
    lines = fill(text, 30, "  ", "  ").splitlines()
    assert all(display_width(line) <= 30 for line in lines) and len(lines) > 2
    assert "".join(line.strip() for line in lines) == text
    assert not any(line.strip()[0] in "，。、）" for line in lines)  # closing punctuation never starts a line
    assert not any(line.rstrip()[-1] in "（" for line in lines)  # nor does an opening one end it
    # English is left to click, unchanged.
    assert wrap_text("plain English words " * 5, 30) == click.formatting.wrap_text("plain English words " * 5, 30)
    kept = wrap_text("段落。\n\n\b\n  原样  保留\n  两行", 40, preserve_paragraphs=True)
    assert kept.endswith("  原样  保留\n  两行")


def test_short_help_of_a_chinese_text() -> None:
    assert short_help("党员管理：新增、导入。\n\n其余。", 40) == "党员管理"
    assert short_help("显示本帮助并退出。", 40) == "显示本帮助并退出"
    cut = short_help("按组织设置规则检查所辖范围不指定时检查全部党组织", 20)
    assert cut.endswith("…") and display_width(cut) <= 20


def test_help_pages_are_translated_from_copies() -> None:
    """Showing help in one language changes nothing the next page (in another language) sees."""
    command = CLI.commands["org"]
    before = (command.help, [getattr(p, "help", None) for p in command.params])
    assert "用法：" in _run("org", "--help").output
    assert "Usage:" in _run("--lang", "en", "org", "--help").output
    assert (command.help, [getattr(p, "help", None) for p in command.params]) == before


def test_the_i18n_modules_need_babel_only_for_the_tools() -> None:
    """The library and the command line import no Babel: only the catalog tools do."""
    for module in ("i18n.py", "cli/helptext.py", "cli/state.py"):
        tree = ast.parse((i18n_tools.PACKAGE_DIR / module).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(name and name.startswith("babel") for name in imported), module
