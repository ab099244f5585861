"""The one converter: records round-trip, the documented shapes, masking in what the SDK returns."""

from __future__ import annotations

import ast
import datetime as dt
import json
import pickle
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import communitycore
from communitycore import Community, serialize
from communitycore.capabilities import load
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.domain.activity import ActivityEntry
from communitycore.domain.identity import check_character
from communitycore.domain.members import (
    Category,
    CommunityRegistration,
    Education,
    Gender,
    Household,
    Member,
    MemberStatus,
    Post,
    RemovalReason,
    Resident,
    ResidentFlag,
    Standing,
    Transfer,
)
from communitycore.domain.org import Compound, OrgUnit, Partner, PartnerKind, PropertyTier
from communitycore.domain.stats import RollUp
from communitycore.records import AuditEntry, Event, FrozenDict, OutboxEvent, freeze
from communitycore.serialize import shape, structure, unstructure
from test_assessments import PACK

_TZ = dt.timezone(dt.timedelta(hours=8))
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_opt_text = st.none() | _text
_ids = st.integers(1, 2**31)
_dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
_times = st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1), timezones=st.just(_TZ))
_json_leaves = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text
_json = st.recursive(_json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner,
                                                                                                max_size=3),
                     max_leaves=8)


def _enum(cls: Any) -> Any:
    return st.sampled_from(list(cls))


RECORDS = st.one_of(
    st.builds(OrgUnit, id=_ids, kind=st.sampled_from(["branch", "grid-branch"]), name=_text,
              parent_id=st.none() | _ids, code=_opt_text, approved_on=st.none() | _dates,
              covered_units=st.none() | st.integers(0, 5)),
    st.builds(Member, id=_ids, name=_text, unit_id=_ids, gender=st.none() | _enum(Gender),
              birth_date=st.none() | _dates, id_number=_opt_text, phone=_opt_text,
              education=st.none() | _enum(Education), category=_enum(Category), standing=_enum(Standing),
              post=st.none() | _enum(Post), in_service=st.booleans(), status=_enum(MemberStatus),
              removal_reason=st.none() | _enum(RemovalReason),
              probation_extension_months=st.none() | st.integers(6, 12)),
    st.builds(Compound, id=_ids, name=_text, tier=_enum(PropertyTier), unit_id=st.none() | _ids,
              address=_opt_text),
    st.builds(Partner, id=_ids, kind=_enum(PartnerKind), name=_text, contact=_opt_text),
    st.builds(Transfer, id=_ids, member_id=_ids, from_unit_id=st.none() | _ids, to_unit_id=_ids,
              transferred_on=_dates, reason=_opt_text),
    st.builds(CommunityRegistration, id=_ids, member_id=_ids, community_unit_id=_ids, reported_on=_dates),
    st.builds(Household, id=_ids, compound_id=st.none() | _ids, building=_opt_text),
    st.builds(Resident, id=_ids, name=_text, flags=st.lists(_enum(ResidentFlag), max_size=3).map(tuple)),
    st.builds(ActivityEntry, id=_ids, subject_kind=st.just("member"), subject_id=_ids, fact=st.just("hours"),
              occurred_on=_dates, quantity=st.decimals(-1000, 1000, places=2), unit_id=st.none() | _ids,
              source_kind=st.just("manual"), source_id=_opt_text, recorder=_text, note=_opt_text,
              reverses=st.none() | _ids, recorded_at=_times),
    st.builds(AuditEntry, id=_ids, at=_times, actor=_text, action=st.just("unit.add"), entity=st.just("unit"),
              entity_id=_opt_text, before=_json, after=_json, note=_opt_text),
    st.builds(Event, id=_text, action=st.just("unit.add"), entity=st.just("unit"), entity_id=_opt_text,
              actor=_text, at=_times, data=st.dictionaries(_text, _json, max_size=4)),
    st.builds(OutboxEvent, id=_text, seq=_ids, at=_times, actor=_text, action=_text, entity=_text,
              entity_id=_opt_text, status=st.sampled_from(["pending", "delivered"]), attempts=st.integers(0, 9),
              failures=st.lists(st.tuples(_times, _text), max_size=2).map(tuple)),
)


@given(RECORDS)
def test_every_record_round_trips_through_json(record: Any) -> None:
    """Record -> plain data -> JSON text -> plain data -> the same record, read-only mappings included."""
    data = json.loads(json.dumps(unstructure(record), ensure_ascii=False))
    assert structure(data, type(record)) == record


@given(RECORDS)
def test_every_shape_is_plain_json_data(record: Any) -> None:
    data = communitycore.to_dict(record)
    assert json.loads(communitycore.to_json(record)) == data
    if isinstance(data, dict) and not isinstance(record, Event):
        assert "id" in data
    for value in data.values():  # codes are plain strings, not enum members that only look like them
        assert type(value) in (str, int, float, bool, list, dict, type(None))



def test_every_shape_named_by_import_path_names_a_record_and_is_found() -> None:
    """The converter registers the shapes of the domain's records by import path (``module:QualName``),
    without importing their modules: each names an attrs class (or a named tuple, a ledger's fact
    values), whose records (and its subclasses') get that shape, and a shape registered later is found too."""
    named = {key: fn for key, fn in serialize._SHAPES.items() if isinstance(key, str)}
    assert len(named) >= 30
    for path, fn in named.items():
        cls = load(path)
        assert isinstance(cls, type) and (attrs.has(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))), path
        assert serialize._shape_fn(cls) is fn, path

    @attrs.frozen
    class Later(OrgUnit):
        pass

    unit = Later(id=7, name="第一支部", kind="branch")
    assert shape(unit)["kind_label"] == "branch"  # OrgUnit's shape, found through the MRO
    serialize.shape_of(f"{Later.__module__}:{Later.__qualname__}")(lambda record, view: {"id": record.id})
    try:
        assert shape(unit) == {"id": 7}
    finally:
        del serialize._SHAPES[f"{Later.__module__}:{Later.__qualname__}"]
        serialize._RESOLVED.clear()


def test_frozen_records_hold_no_mutable_mappings() -> None:
    event = Event(action="unit.add", entity="unit", entity_id="1", actor="t", at=dt.datetime(2026, 1, 1, tzinfo=_TZ),
                  data={"counts": {"members": 3}, "ids": [1, 2]})
    assert isinstance(event.data, FrozenDict) and event.data["ids"] == (1, 2)
    with pytest.raises(TypeError):
        event.data["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        event.data["counts"]["members"] = 4
    assert json.loads(json.dumps(event.data)) == {"counts": {"members": 3}, "ids": [1, 2]}  # a plugin's json.dumps
    assert pickle.loads(pickle.dumps(event)) == event
    rollup = RollUp(unit_id=1, units=1, members=2, full=2, probationary=0, by_gender={"male": 2},
                    by_education={}, average_age=None, cadres=0, cadres_associate_or_above=0,
                    cadre_average_age=None, secretaries=0, secretaries_associate_or_above=0)
    with pytest.raises(TypeError):
        rollup.by_gender["female"] = 1  # type: ignore[index]
    assert freeze([{"a": [1]}]) == (FrozenDict({"a": (1,)}),)


def _id(birth: str, seq: int) -> str:
    first17 = f"321281{birth}{seq:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def partnered(community: Community) -> dict[str, Any]:
    street = community.org.add("城南街道党工委", "street-committee")
    branch = community.org.add("第一支部", "branch", street.id)
    member = community.members.add("王芳", branch.id, id_number=_id("19850317", 22), phone="13987654321")
    partner = community.org.add_partner("property-company", "红管家物业", street.id, contact="王经理 13812345678")
    return {"street": street, "branch": branch, "member": member, "partner": partner}


def test_to_dict_masks_personal_data_unless_revealed(community: Community, partnered: dict[str, Any]) -> None:
    member, partner = partnered["member"], partnered["partner"]
    masked = communitycore.to_dict(member, paths=community.org.path_of)
    assert masked["id_number"] == "******1985********" and masked["phone"] == "139******21"
    assert masked["birth_date"] == "1985-**-**" and masked["revealed"] is False
    assert masked["unit"] == "城南街道党工委/第一支部"
    shown = communitycore.to_dict(community.members.reveal(member.id, "核对"), reveal=True)
    assert shown["id_number"] == member.id_number and shown["birth_date"] == "1985-03-17"
    # A partner's contact follows the same rule: the mobile in it is masked unless revealed.
    assert communitycore.to_dict(partner)["contact"] == "王经理 138******78"
    assert communitycore.to_dict(partner, reveal=True)["contact"] == "王经理 13812345678"
    assert "13812345678" not in communitycore.to_json(community.org.partners())
    # ... and so does the audit trail, which holds what the SDK hands out too.
    added = community.audit.list(action="partner.add")[0]
    assert added.after["contact"] == "王经理 138******78"


def test_the_sdk_and_the_cli_give_the_same_shapes(community: Community, partnered: dict[str, Any]) -> None:
    state = AppState(community=community, pm=community.pm)

    def cli_json(*args: str) -> Any:
        result = CliRunner().invoke(make_cli(state), ["--json", *args], obj=state, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    paths = community.org.path_of
    kinds = community.registry.unit_kinds
    member = partnered["member"]
    assert cli_json("member", "list") == communitycore.to_dict([member], paths=paths)
    assert cli_json("org", "partner", "list") == communitycore.to_dict(community.org.partners(), paths=paths, lang="zh")
    unit = cli_json("org", "rename", str(partnered["branch"].id), "第二支部")
    assert unit == communitycore.to_dict(community.org.get(partnered["branch"].id), paths=paths, unit_kinds=kinds,
                                         lang="zh")
    assert unit["kind_label"] == "党支部"
    assert communitycore.to_dict(community.org.get(unit["id"]), unit_kinds=kinds, lang="en")["kind_label"] == "branch"


def test_text_output_keeps_labels_and_json_keeps_codes() -> None:
    member = Member(id=1, name="王芳", unit_id=2, gender=Gender.FEMALE, category=Category.PROBATIONARY)
    python = shape(member)
    assert python["gender"] is Gender.FEMALE  # the CLI's text output turns it into 女 / female
    assert communitycore.to_dict(member)["gender"] == "female"
    assert communitycore.to_dict(ActivityEntry(
        id=1, subject_kind="member", subject_id=1, fact="hours", occurred_on=dt.date(2026, 1, 2),
        quantity=Decimal("1.50"), unit_id=None, source_kind="manual", source_id=None, recorder="t", note=None,
        reverses=None, recorded_at=dt.datetime(2026, 1, 2, tzinfo=_TZ)))["quantity"] == 1.5


@pytest.fixture
def assessed(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "acc.toml"
    pack.write_text(PACK, encoding="utf-8")
    community = communitycore.open(db_url, actor="组织委员", clock=clock, autoload=False, packs=[pack])
    yield community
    community.close()


def test_the_capabilities_records_have_the_same_shapes_in_the_sdk_and_the_cli(assessed: Community) -> None:
    c = assessed
    state = AppState(community=c, pm=c.pm)

    def cli_json(*args: str) -> Any:
        result = CliRunner().invoke(make_cli(state), ["--lang", "en", "--json", *args], obj=state,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def sdk(record: Any, paths: Any = None, **extra: Any) -> Any:
        # The view the command line shows with: unit paths, and every label the registry gives.
        return communitycore.to_dict(record, view=communitycore.view_of(c, lang="en", paths=paths), **extra)

    street = c.org.add("城南街道党工委", "street-committee")
    community_unit = c.org.add("虹兴社区党委", "community-committee", street.id)
    branch = c.org.add("第一支部", "branch", community_unit.id)
    ids = [c.members.add(f"党员{i}", branch.id).id for i in range(3)]
    for day in range(3):
        c.activity.record("member", ids[0], "acc-lesson", on=f"2026-02-{day + 1:02d}")
    c.activity.record("member", ids[1], "acc-lesson", on="2026-02-01")

    # Assessments: a scheme, a run with its results, an explained result, an appeal.
    assert cli_json("assess", "schemes") == sdk(c.assessments.schemes())
    shown = cli_json("assess", "run", "--scheme", "acc-points", "--period", "2026Q1", "--unit", str(branch.id))
    run = c.assessments.get(shown["id"])
    results = c.assessments.results(run.id)
    assert shown == sdk(run, results=sdk(results))
    assert shown["kind"] == "assessment-run" and shown["results"][0]["kind"] == "assessment-result"
    explained = cli_json("assess", "explain", str(ids[0]), "--run", str(run.id))
    result = c.assessments.explain(run.id, ids[0])
    assert {k: v for k, v in explained.items() if k != "decisions"} == sdk(result, lines=list(result.lines),
                                                                           facts=result.facts)
    appeal = cli_json("assess", "appeal", str(run.id), str(ids[1]), "--item", "acc-lesson", "--reason", "漏记")
    assert appeal == sdk(c.assessments.appeals(run_id=run.id)[0]) and appeal["kind"] == "assessment-appeal"

    # Access: a grant on a unit and one on the whole database.
    on_unit = cli_json("grant", "add", "张书记", "secretary", "--unit", str(branch.id))
    everywhere = cli_json("grant", "add", "李审计", "auditor")
    assert [on_unit, everywhere] == [g for g in sdk(c.grants.list()) if g["actor"] in ("张书记", "李审计")]
    assert everywhere["unit"] == "(whole database)" and on_unit["unit"] == "城南街道党工委/虹兴社区党委/第一支部"

    # Meetings: types, a meeting with a resolution, the 台账, the plan and what is due.
    types = cli_json("meeting", "types")
    assert types == [sdk(t, provider=c.registry.provider("meeting_types", t.code)) for t in c.meetings.types()]
    held = cli_json("meeting", "record", "--unit", str(branch.id), "--type", "branch-general-meeting",
                    "--date", "2025-02-10", "--present", f"{ids[0]},{ids[1]}", "--absent", str(ids[2]),
                    "--topic", "学习", "--host", "张书记", "--recorder", "王", "--minutes", "内容")
    resolution = cli_json("meeting", "resolution", str(held["id"]), "--title", "决议", "--for", "2")
    meeting = c.meetings.get(held["id"])
    assert resolution == sdk(meeting.resolutions[0])
    quorum = c.meetings.quorum(meeting.id)
    full = sdk(meeting, quorum_met=None if quorum is None else quorum.met)
    assert cli_json("meeting", "show", str(meeting.id)) == full
    assert held == {key: full[key] for key in held} and set(held) < set(full)
    assert cli_json("meeting", "compliance", "--unit", str(branch.id), "--period", "2025Q1") == sdk(
        c.meetings.compliance(branch.id, "2025Q1"))
    assert cli_json("meeting", "plan", "--unit", str(branch.id), "--period", "2025Q1") == sdk(
        c.meetings.plan(branch.id, "2025Q1"))
    assert cli_json("meeting", "due", "--unit", str(branch.id)) == sdk(c.meetings.due(branch.id))

    # Services: categories, programmes, a request with its history, metrics, the three lists, hours, stars.
    assert cli_json("service", "categories") == sdk(c.services.categories())
    assert cli_json("service", "programs") == sdk(c.services.programs())
    request = cli_json("service", "request", "add", "--unit", str(community_unit.id), "--category", "care",
                       "--channel", "hotline", "--text", "楼道灯坏了")
    cli_json("service", "request", "accept", str(request["id"]))
    with_history = cli_json("service", "request", "show", str(request["id"]))
    assert with_history == sdk(c.services.get(request["id"]), history=sdk(c.services.history(request["id"])))
    assert [h["to"] for h in with_history["history"]] == ["collected", "accepted"]
    assert cli_json("service", "metrics", "--period", "2026Q4") == sdk(c.services.metrics("2026Q4")[0])
    resource = cli_json("service", "resource", "add", "--unit", str(community_unit.id), "--name", "活动室")
    demand = cli_json("service", "demand", "add", "--unit", str(community_unit.id), "--name", "修灯",
                      "--from-request", str(request["id"]))
    project = cli_json("service", "project", "add", "--unit", str(community_unit.id), "--name", "换灯",
                       "--demand", str(demand["id"]))
    assert [resource] == sdk(c.services.resources())
    assert [demand] == sdk(c.services.demands())
    assert [project] == sdk(c.services.projects())
    partner = c.org.add_partner("property-company", "红管家物业", community_unit.id)
    cli_json("service", "project", "claim", str(project["id"]), "--partner", str(partner.id))
    milestone = cli_json("service", "project", "milestone", str(project["id"]), "--date", "2026-11-10",
                         "--note", "开工")
    assert milestone["kind"] == "service-milestone" and milestone["note"] == "开工"
    hours = cli_json("service", "hours", "add", "--member", str(ids[0]), "--date", "2026-11-01", "--hours", "2.5",
                     "--activity", "清扫", "--project", str(project["id"]))
    assert hours == sdk(c.activity.get(hours["id"]), paths={})
    assert cli_json("service", "stars") == sdk(c.services.stars())
    kinds = {r["kind"] for r in (resource, demand, project, request, *sdk(c.services.stars()))}
    assert kinds == {"service-resource", "service-demand", "service-project", "service-request", "volunteer-stars"}


def test_no_command_module_builds_json_by_hand() -> None:
    # The shapes are the converter's (communitycore.serialize): none may come back as a *_json function.
    cli = Path(communitycore.__file__).parent / "cli"
    found = [f"{path.name}:{node.name}" for path in sorted(cli.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.endswith("_json")]
    assert found == []
