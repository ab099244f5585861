"""Errors a person can act on: a missing --db is refused, the demo keeps out of real data, and every
error carries a stable ``code`` with its ``entity``, ``key`` and ``problems``, in the SDK and in
``--json`` output; a folder that cannot be written is a bad environment (exit code 2)."""

from __future__ import annotations

import json
import os
import pickle
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.domain.identity import check_character
from communitycore.errors import (
    CODES,
    CommunityCoreError,
    Conflict,
    DatabaseUnavailable,
    InvalidValue,
    NotFound,
    Problem,
    RejectedInput,
)
from communitycore.io.files import CannotWrite


def cli(*args: str, community: Community | None = None) -> Result:
    """``community --lang en ARGS`` in-process (a community injected, or the global options decide)."""
    state = AppState(community=community, pm=community.pm if community else None)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state)


def error_json(result: Result) -> dict[str, object]:
    """The one JSON object a failed ``--json`` command prints on standard error."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    data = json.loads(lines[0])
    assert set(data) == {"error"}
    error: dict[str, object] = data["error"]
    return error


def id_number(birth: str, seq: int) -> str:
    first17 = f"321281{birth}{seq:03d}"
    return first17 + check_character(first17)


# A --db that does not exist ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["org", "tree"], ["member", "list"], ["db", "status"], ["db", "upgrade"],
                                     ["db", "backup", "copy.db"], ["export", "x.json"]])
def test_a_missing_db_is_refused_and_nothing_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "typo" / "commmunity.db"
    for db in (str(target), f"sqlite:///{target}", "community.db"):
        result = cli("--no-plugins", "--db", db, *command)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2, result.stderr  # the error and one line of advice
        assert lines[0].startswith("Error: there is no database at ") and lines[0].endswith(
            str(target if db != "community.db" else tmp_path / "community.db"))
        assert lines[1] == "run `community init` to create it, or pass --create"
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # no file, no folder


def test_plugins_are_listed_before_there_is_a_database(tmp_path: Path) -> None:
    # What is installed does not depend on the database: no file is needed, and none is made.
    result = cli("--no-plugins", "--db", str(tmp_path / "none.db"), "--json", "plugins")
    assert result.exit_code == 0, result.output
    assert "national-org" in {entry["name"] for entry in json.loads(result.stdout)}
    assert list(tmp_path.iterdir()) == []


def test_a_missing_db_in_json(tmp_path: Path) -> None:
    target = tmp_path / "nope.db"
    result = cli("--no-plugins", "--db", str(target), "--json", "org", "tree")
    assert result.exit_code == 2 and result.stdout == ""
    error = error_json(result)
    assert error["code"] == "missing-database" and error["type"] == "DatabaseUnavailable"
    assert error["entity"] == "database" and error["key"] == str(target) and error["exit_code"] == 2
    assert not target.exists()


def test_the_sdk_refuses_a_missing_file_with_the_same_advice(tmp_path: Path) -> None:
    target = tmp_path / "missing.db"
    for url in (target, str(target), f"sqlite:///{target}"):
        with pytest.raises(DatabaseUnavailable, match=r"community init.*create=True") as refused:
            communitycore.open(url, autoload=False)
        assert (refused.value.code, refused.value.entity, refused.value.key) == (
            "missing-database", "database", str(target))
    with pytest.raises(DatabaseUnavailable):
        communitycore.open(target, autoload=False, create=False)
    assert list(tmp_path.iterdir()) == []
    with communitycore.open(target, autoload=False, create=True) as created:
        assert created.org.count() == 0
    with communitycore.open(target, autoload=False) as again:  # it exists now: no flag needed
        assert again.org.count() == 0
    with communitycore.open("sqlite://", autoload=False) as memory:  # nothing on disk to mistype
        assert memory.org.count() == 0


def test_create_init_and_demo_make_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its dashboard in the working directory
    made = tmp_path / "made.db"
    assert cli("--no-plugins", "--db", str(made), "--create", "org", "tree").exit_code == 0
    assert made.exists()
    initialised = tmp_path / "init.db"
    result = cli("--no-plugins", "--db", str(initialised), "init")
    assert result.exit_code == 0 and initialised.exists(), result.output
    assert "community demo" in result.stdout  # an empty database: the sample is offered
    demo = tmp_path / "demo.db"
    result = cli("--no-plugins", "--db", str(demo), "--json", "demo")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] is True


# The demo keeps out of real data ---------------------------------------------------------------------


def test_the_demo_refuses_a_database_that_holds_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its dashboard in the working directory
    db = tmp_path / "real.db"
    with communitycore.open(db, autoload=False, create=True) as community:
        community.org.add("城南街道党工委", "street-committee")
    refused = cli("--no-plugins", "--db", str(db), "demo")
    assert refused.exit_code == 1, refused.output
    assert "already holds 1 unit" in refused.stderr and "--force" in refused.stderr
    as_json = error_json(cli("--no-plugins", "--db", str(db), "--json", "demo"))
    assert (as_json["code"], as_json["entity"], as_json["key"]) == ("conflict", "database", 1)
    with communitycore.open(db, autoload=False) as community:
        assert community.org.count() == 1  # nothing was added
    forced = cli("--no-plugins", "--db", str(db), "--json", "demo", "--force")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["created"] is True
    again = cli("--no-plugins", "--db", str(db), "--json", "demo")  # the sample is there: shown, not refused
    assert again.exit_code == 0 and json.loads(again.stdout)["created"] is False


def test_init_suggests_the_demo_only_on_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its dashboard in the working directory
    db = tmp_path / "real.db"
    with communitycore.open(db, autoload=False, create=True) as community:
        community.org.add("城南街道党工委", "street-committee")
    result = cli("--no-plugins", "--db", str(db), "init")
    assert result.exit_code == 0
    assert "community demo" not in result.stdout and "community org tree" in result.stdout
    data = json.loads(cli("--no-plugins", "--db", str(db), "--json", "init").stdout)
    assert data["units"] == 1


# Structured attributes in the SDK ------------------------------------------------------------------------


def test_not_found_names_the_entity_and_key(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    cases = [
        (lambda: c.org.get(999), "unit", 999),
        (lambda: c.org.get("城南街道党工委/没有的支部"), "unit", "城南街道党工委/没有的支部"),
        (lambda: c.members.get(4242), "member", 4242),
        (lambda: c.residents.get(77), "resident", 77),
        (lambda: c.members.add("张三", 999), "unit", 999),
    ]
    for call, entity, key in cases:
        with pytest.raises(NotFound) as caught:
            call()
        assert (caught.value.code, caught.value.entity, caught.value.key) == ("not-found", entity, key)
        assert caught.value.to_dict()["code"] == "not-found"
    assert c.org.get(street.id) == street


def test_conflicts_name_the_entity_and_key(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee", code="CN")
    number = id_number("19800101", 11)
    first = c.members.add("张三", street.id, id_number=number, gender="male")
    with pytest.raises(Conflict) as duplicate:
        c.members.add("李四", street.id, id_number=number, gender="male")
    assert (duplicate.value.code, duplicate.value.entity, duplicate.value.key) == ("conflict", "member", first.id)
    assert number not in str(duplicate.value.to_dict())  # the ID number itself is never in an error
    with pytest.raises(Conflict) as code:
        c.org.add("城北街道党工委", "street-committee", code="CN")
    assert (code.value.code, code.value.entity, code.value.key) == ("conflict", "unit", "CN")
    with pytest.raises(Conflict) as name:
        c.org.add("城南街道党工委", "street-committee")
    assert (name.value.entity, name.value.key) == ("unit", "城南街道党工委")


def test_an_unknown_kind_is_an_invalid_value(sqlite_community: Community) -> None:
    with pytest.raises(InvalidValue) as unknown:
        sqlite_community.org.add("某村", "village")
    assert not isinstance(unknown.value, NotFound)
    assert (unknown.value.code, unknown.value.entity, unknown.value.key) == ("invalid-value", "kind", "village")
    assert "street-committee" in str(unknown.value)  # the known kinds are named


def test_rejected_input_carries_its_problems(sqlite_community: Community, tmp_path: Path) -> None:
    sqlite_community.org.add("城南街道党工委", "street-committee")
    file = tmp_path / "members.csv"
    file.write_text("姓名,公民身份号码,所在党组织\n张三,123,城南街道党工委\n", encoding="utf-8")
    with pytest.raises(RejectedInput) as rejected:
        sqlite_community.members.import_file(file)
    data = rejected.value.to_dict()
    assert data["code"] == "rejected-input" and data["type"] == "RejectedInput"
    assert [(p["row"], p["field"]) for p in data["problems"]] == [(2, "公民身份号码")]  # type: ignore[index]


def test_the_base_constructor_stays_compatible() -> None:
    plain = CommunityCoreError("something")
    assert (plain.code, plain.entity, plain.key, plain.problems, str(plain)) == ("error", None, None, [], "something")

    class PermissionLike(CommunityCoreError):  # as a sub-class added elsewhere would be
        code = "permission-denied"

    assert PermissionLike("no").code == "permission-denied"
    assert CommunityCoreError("x", code="permission-denied", entity="unit", key=3).to_dict() == {
        "code": "permission-denied", "type": "CommunityCoreError", "message": "x", "entity": "unit", "key": 3,
        "problems": []}
    assert set(CODES) >= {"not-found", "invalid-value", "conflict", "permission-denied", "busy", "cannot-write",
                          "missing-database", "rejected-input", "unsafe-input"}
    assert NotFound("gone").code == "not-found" and Conflict("x").code == "conflict"


def test_errors_pickle_with_their_attributes() -> None:
    # Hosts and the concurrency tests pass errors between processes.
    for error in (NotFound("there is no unit with id 9", entity="unit", key=9),
                  RejectedInput([Problem(2, "姓名", "required")], source="m.csv"),
                  InvalidValue("unknown unit kind 'x'", entity="kind", key="x")):
        copy = pickle.loads(pickle.dumps(error))
        assert copy.to_dict() == error.to_dict()


# Structured attributes on the command line ----------------------------------------------------------------


def test_json_errors_carry_code_entity_and_key(community: Community) -> None:
    missing = cli("--json", "org", "show", "999", community=community)
    assert missing.exit_code == 1 and missing.stdout == ""
    error = error_json(missing)
    assert (error["code"], error["type"], error["entity"], error["key"], error["exit_code"]) == (
        "not-found", "NotFound", "unit", 999, 1)
    assert error["message"] == "there is no unit with id 999" and error["problems"] == []
    kind = error_json(cli("--json", "org", "add", "某村", "--kind", "village", community=community))
    assert (kind["code"], kind["entity"], kind["key"]) == ("invalid-value", "kind", "village")
    text = cli("org", "show", "999", community=community)  # without --json: the usual one line
    assert text.exit_code == 1 and text.stderr == "Error: there is no unit with id 999\n"


# A folder that cannot be written ------------------------------------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield folder
    folder.chmod(stat.S_IRWXU)


def _unwritable_targets(tmp_path: Path, read_only: Path, name: str) -> list[Path]:
    """A missing folder, a "folder" that is a file, and (unless root, who writes anywhere) a read-only one."""
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    targets = [tmp_path / "no-such-folder" / name, not_a_folder / name]
    if os.geteuid() != 0:
        targets.append(read_only / name)
    return targets


@pytest.mark.parametrize("command", [["export", "{}.json"], ["db", "backup", "{}.db"], ["member", "template", "{}.csv"],
                                     ["member", "template", "{}.xlsx"], ["member", "export", "{}.csv"],
                                     ["member", "export", "{}.xlsx"], ["activity", "template", "{}.xlsx"],
                                     ["plugins", "new", "demo", "--dir", "{}"]])
def test_an_unwritable_folder_is_a_bad_environment(sqlite_community: Community, tmp_path: Path, read_only: Path,
                                                    command: list[str]) -> None:
    targets = _unwritable_targets(tmp_path, read_only, "out")
    if command[:2] == ["plugins", "new"]:
        targets = targets[1:]  # a new plugin's folder is made, parents included
    for target in targets:
        args = [part.format(target) for part in command]
        result = cli(*args, community=sqlite_community)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.stderr.startswith("Error: ") and str(target.parent) in result.stderr, result.stderr
        as_json = error_json(cli("--json", *args, community=sqlite_community))
        assert as_json["code"] in ("cannot-write", "os-error") and as_json["exit_code"] == 2
    assert not (tmp_path / "no-such-folder").exists() or command[:2] == ["plugins", "new"]
    assert list(read_only.iterdir()) == []  # no partial file left behind


def test_the_sdk_raises_cannot_write(sqlite_community: Community, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "roster.csv"
    for call in (lambda: sqlite_community.members.export(target),
                 lambda: sqlite_community.members.write_template(target),
                 lambda: sqlite_community.export_to(target.with_suffix(".json"))):
        with pytest.raises(CannotWrite) as caught:
            call()
        assert caught.value.code == "cannot-write" and caught.value.entity == "file"
        assert str(target.parent) in str(caught.value)
