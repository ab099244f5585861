"""Capabilities are declared once, and every central place iterates them.

The throwaway capability of ``throwaway_capability.py`` is added with one line, the same line a
new capability adds to ``communitycore.capabilities.MODULES``; then its export section, unit
links, setting and command work with no other change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import communitycore
import throwaway_capability
from communitycore import Conflict, capabilities
from communitycore.cli import make_cli
from communitycore.clock import Clock
from communitycore.labels import label


@pytest.fixture
def with_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one line a new capability adds to the library:
    monkeypatch.setattr(capabilities, "MODULES", (*capabilities.MODULES, "throwaway_capability:CAPABILITY"))


def _open(path: Path, clock: Clock) -> communitycore.Community:
    community = communitycore.open(f"sqlite:///{path}", actor="tester", clock=clock, autoload=False)
    throwaway_capability.metadata.create_all(community.engine)
    return community


@pytest.fixture
def noted(with_notes: None, tmp_path: Path, clock: Clock) -> Iterator[communitycore.Community]:
    community = _open(tmp_path / "a.db", clock)
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", parent=street)
    branch = community.org.add("第一网格党支部", "grid-branch", parent=committee)
    community.notes.add(branch, "周六义诊")  # type: ignore[attr-defined]
    community.notes.add(committee, "党课通知")  # type: ignore[attr-defined]
    yield community
    community.close()


def test_every_declared_reference_resolves() -> None:
    for capability in capabilities.declared():
        for path in (capability.api, capability.sections, capability.unit_links, *capability.commands):
            if path is not None:
                assert capabilities.load(path) is not None, (capability.name, path)
        assert all(action.split(".")[1] for action in capability.actions), capability.name


def test_the_community_serves_a_sub_api_per_capability(noted: communitycore.Community) -> None:
    assert [n.title for n in noted.notes.list()] == ["周六义诊", "党课通知"]  # type: ignore[attr-defined]
    assert noted.capability("notes").label == "公告栏"
    assert {"org", "members", "residents", "audit", "notes"} <= {c.name for c in noted.capabilities}


def test_its_section_is_exported_and_imported(noted: communitycore.Community, tmp_path: Path, clock: Clock) -> None:
    counts = noted.export_to(tmp_path / "export.json")
    assert counts["notes"] == 2
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert [n["title"] for n in data["notes"]] == ["周六义诊", "党课通知"]
    fresh = _open(tmp_path / "b.db", clock)
    try:
        assert fresh.import_from(tmp_path / "export.json")["notes"] == 2
        assert fresh.notes.list() == noted.notes.list()  # type: ignore[attr-defined]
    finally:
        fresh.close()


def test_an_import_checks_its_references(noted: communitycore.Community, tmp_path: Path, clock: Clock) -> None:
    noted.export_to(tmp_path / "export.json")
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    data["notes"][0]["unit_id"] = 999
    (tmp_path / "bad.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    fresh = _open(tmp_path / "b.db", clock)
    try:
        with pytest.raises(communitycore.RejectedInput, match=r"notes\[0\]\.unit_id"):
            fresh.import_from(tmp_path / "bad.json")
        assert fresh.notes.list() == []  # type: ignore[attr-defined]
    finally:
        fresh.close()


def test_unit_removal_is_refused_by_it_and_cascades_into_it(noted: communitycore.Community) -> None:
    branch = "城南街道党工委/幸福社区党委/第一网格党支部"
    with pytest.raises(Conflict, match=r"0 sub-unit\(s\) and 0 member\(s\) and .*\b1 note\(s\)"):
        noted.org.remove(branch)
    assert len(noted.notes.list()) == 2  # type: ignore[attr-defined]
    noted.org.remove(branch, cascade=True)
    assert [n.title for n in noted.notes.list()] == ["党课通知"]  # type: ignore[attr-defined]


def test_its_setting_resolves_along_the_tree(noted: communitycore.Community) -> None:
    branch = "城南街道党工委/幸福社区党委/第一网格党支部"
    assert noted.org.settings(branch)["note-color"].source == "default"
    assert noted.org.setting(branch, "note-color") == "red"
    noted.org.set_setting("城南街道党工委", "note-color", "blue")
    found = noted.org.settings(branch)["note-color"]
    assert (found.value, found.source) == ("blue", "城南街道党工委")
    with pytest.raises(communitycore.InvalidValue):
        noted.org.set_setting(branch, "note-color", "Not A Code")


def test_its_command_is_listed_and_its_labels_used(with_notes: None) -> None:
    result = CliRunner().invoke(make_cli(), ["--help"])
    assert result.exit_code == 0
    assert "notes" in result.output and "Notice boards" in result.output
    assert (label("title"), label("title", "en")) == ("标题", "Title")


def test_without_the_line_nothing_of_it_exists(tmp_path: Path, clock: Clock) -> None:
    community = communitycore.open(f"sqlite:///{tmp_path / 'c.db'}", actor="tester", clock=clock, autoload=False)
    try:
        assert not hasattr(community, "notes")
        assert "notes" not in {s.key for s in community.sections}
    finally:
        community.close()
    assert "notes" not in CliRunner().invoke(make_cli(), ["--help"]).output


def test_a_capability_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice: org"):
        capabilities.declared(extra=(capabilities.declared()[0],))
