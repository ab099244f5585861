"""Whole-community export and import (``communitycore.io.exchange``): exact round trips, on every engine."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, Conflict, InvalidValue, RejectedInput
from communitycore.clock import Clock
from communitycore.domain.identity import check_character
from communitycore.io.exchange import FORMAT, export_community, import_community
from communitycore.store.migrate import upgrade

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def make_id(birth: str, seq: int, area: str = "320282") -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def build(c: Community) -> dict[str, int]:
    """A small community touching every exported table and most optional fields."""
    street = c.org.add("城南街道党工委", "street-committee", code="CN-01", approved_by="市委组织部",
                       approved_on="2019-05-06", term_start="2021-03-01")
    happy = c.org.add("幸福社区党委", "community-committee", street.id, term_start="2021-04-01")
    first = c.org.add("第一党支部", "branch", happy.id)
    second = c.org.add("第二党支部", "branch", happy.id)
    c.org.add("第一党小组", "party-group", first.id)
    joint = c.org.add("商圈联合党支部", "joint-branch", happy.id, covered_units=4)
    peace = c.org.add("和平社区党委", "community-committee", street.id)
    c.org.move(second.id, peace.id)  # a parent with a larger id than its child
    compound = c.org.add_compound("阳光小区", "老旧小区", happy.id, address="阳光路 1 号")
    c.org.add_compound("新城小区", "新建", None)
    c.org.add_partner("物业", "安居物业公司", happy.id, contact="0523-84812345")
    c.org.add_partner("驻区单位", "区医院")
    c.org.set_setting(happy.id, "volunteer-star-hours", [50, 100, 200, 400, 800])
    c.org.set_setting(street.id, "request-deadline-hours.general", 72)
    secretary = c.members.add("张书记", first.id, gender="男", ethnicity="汉族", id_number=make_id("19700315", 11),
                              phone="138 1234 5678", education="大专", join_date="1995-07-01", full_date="1996-07-01",
                              post="书记", employer="城南街道", in_service=True)
    newcomer = c.members.add("李预备", first.id, id_number=make_id("19990101", 22), category="预备",
                             join_date="2026-06-01", standing="流动")
    c.members.add("王大爷", joint.id)
    c.members.transfer(newcomer.id, second.id, on="2026-09-01", reason="搬家")
    c.members.register_community(secretary.id, peace.id, on="2026-03-05", channel="线上")
    home = c.residents.add_household(compound.id, building="3", room="201", address="阳光路 1 号 3-201")
    c.residents.add_household(None, address="散居")
    c.residents.add("王奶奶", household_id=home.id, phone="13900001111", flags=["独居老人", "残疾"])
    c.residents.add("小明")
    applicant = c.recruitment.apply("赵申请", first.id, on="2026-10-08", id_number=make_id("20000101", 33))
    c.recruitment.record(applicant.id, "talk", on="2026-10-20", by="张书记", note="首次谈话")
    c.dues.set_base(secretary.id, category="employed", base="4500.50", from_month="2026-01")
    c.dues.set_base(newcomer.id, category="student", from_month="2026-06", reduced="0.10", approval="街道批复")
    c.dues.pay(secretary.id, month="2026-01", months=2, amount="90.01", on="2026-02-03")
    entry = c.rosters.apply("red-steward", member=secretary.id, on="2026-10-01")
    c.rosters.start_review(entry.id)
    c.rosters.qualify(entry.id, passed=True, note="资格审查通过")
    c.rosters.notice(entry.id, start="2026-10-10")
    c.rosters.object(entry.id, by="居民甲", reason="曾有投诉", on="2026-10-12")
    request = c.services.add_request(happy.id, category="care", text="独居老人需要陪护", channel="hotline",
                                     at="2026-10-02T09:00:00+08:00")
    demand = c.services.add_demand(happy.id, name="老人陪护", category="care", from_requests=[request.id])
    project = c.services.add_project(happy.id, name="陪护计划", demand=demand.id)
    partner = c.org.partners()[0]
    c.services.claim_project(project.id, partner=partner.id)
    c.services.add_milestone(project.id, on="2026-10-20", note="首次上门")
    return {"street": street.id, "first": first.id, "secretary": secretary.id}


def exported(c: Community, path: Path) -> dict[str, Any]:
    """The export of ``c`` as data, without the moment it was taken."""
    export_community(c, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["exported_at"]
    return data


def fresh(tmp_path: Path, name: str, clock: Clock) -> Community:
    return communitycore.open(f"sqlite:///{tmp_path / name}", actor="tester", clock=clock, autoload=False, create=True)


def test_round_trip_is_exact(community: Community, tmp_path: Path, clock: Clock) -> None:
    build(community)
    before = exported(community, tmp_path / "a.json")
    assert before["format"] == FORMAT and before["counts"]["members"] == 3
    assert before["counts"] == {"units": 7, "compounds": 2, "partners": 2, "unit_settings": 2, "members": 3,
                                "transfers": 1, "registrations": 1, "households": 2, "residents": 2,
                                "activity": 2, "workflow_history": 8, "assessment_runs": 0,
                                "assessment_revisions": 0, "assessment_results": 0, "assessment_appeals": 0,
                                "service_requests": 1, "service_evaluations": 0, "service_resources": 0,
                                "meetings": 0, "meeting_attendance": 0, "meeting_partners": 0,
                                "meeting_resolutions": 0, "candidates": 1, "candidate_steps": 2, "dues_bases": 2,
                                "dues_payments": 2, "roster_entries": 1, "roster_objections": 1,
                                "roster_tier_changes": 0, "service_demands": 1, "service_demand_requests": 1,
                                "service_projects": 1, "service_milestones": 1}
    with fresh(tmp_path, "copy.db", clock) as copy:
        assert import_community(copy, tmp_path / "a.json") == before["counts"]
        assert exported(copy, tmp_path / "b.json") == before
        assert copy.members.list() == community.members.list()
        assert copy.org.stats() == community.org.stats()
        assert copy.members.transfers(2) == community.members.transfers(2)
        assert copy.residents.list() == community.residents.list()


def test_import_into_every_engine(sqlite_community: Community, community: Community, tmp_path: Path) -> None:
    ids = build(sqlite_community)
    before = exported(sqlite_community, tmp_path / "a.json")
    import_community(community, tmp_path / "a.json")
    assert exported(community, tmp_path / "b.json") == before
    # Ids were kept, and new records get fresh ones (PostgreSQL's sequences were moved on).
    assert community.org.get("城南街道党工委/幸福社区党委/第一党支部").id == ids["first"]
    unit = community.org.add("第三党支部", "branch", "城南街道党工委/和平社区党委")
    member = community.members.add("新党员", unit.id)
    assert unit.id == before["counts"]["units"] + 1 and member.id == before["counts"]["members"] + 1
    assert community.residents.add("新居民").id == 3
    assert community.members.count(ids["street"]) == 4


def test_export_and_import_are_audited(community: Community, tmp_path: Path, clock: Clock) -> None:
    build(community)
    export_community(community, tmp_path / "a.json")
    (entry,) = community.audit.list(action="community.export")
    assert entry.after["file"] == "a.json" and entry.after["counts"]["members"] == 3
    with fresh(tmp_path, "copy.db", clock) as copy:
        import_community(copy, tmp_path / "a.json")
        (entry,) = copy.audit.list(action="community.import")
        assert entry.after["counts"]["units"] == 7
        # The audit trail itself is not part of the export.
        assert copy.audit.list(action="unit.add") == []


def test_import_refuses_a_database_with_data(community: Community, tmp_path: Path, clock: Clock) -> None:
    with fresh(tmp_path, "source.db", clock) as source:
        build(source)
        export_community(source, tmp_path / "a.json")
    community.org.add("已有街道党工委", "street-committee")
    with pytest.raises(Conflict, match="empty database"):
        import_community(community, tmp_path / "a.json")
    assert community.org.count() == 1


def _edited(tmp_path: Path, clock: Clock, edit: Any) -> Path:
    with fresh(tmp_path, "source.db", clock) as source:
        build(source)
        export_community(source, tmp_path / "good.json")
    data = json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_bad_records_are_reported_with_their_key_paths(community: Community, tmp_path: Path, clock: Clock) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["members"][0]["unit_id"] = 999
        data["members"][1]["gender"] = "x"
        data["members"][2]["id_number"] = "110101198001010011"
        data["units"][1]["kind"] = "no-such-kind"
        data["residents"][0]["flags"] = ["nope"]
        data["transfers"][0]["colour"] = "red"

    with pytest.raises(RejectedInput) as exc:
        import_community(community, _edited(tmp_path, clock, edit))
    where = [p.field for p in exc.value.problems]
    assert where == ["$.units[1].kind", "$.members[0].unit_id", "$.members[1].gender", "$.members[2].id_number",
                     "$.transfers[0]", "$.residents[0].flags[0]"]
    assert "no unit with id 999" in exc.value.problems[1].message
    assert "colour" in exc.value.problems[4].message
    assert community.org.count() == 0 and community.members.count() == 0


def test_a_member_on_the_roll_with_removal_fields_is_refused(community: Community, tmp_path: Path,
                                                             clock: Clock) -> None:
    def edit(data: dict[str, Any]) -> None:
        active = next(m for m in data["members"] if m.get("removed_on") is None)
        active["removed_on"] = "2024-01-01"

    with pytest.raises(RejectedInput) as exc:
        import_community(community, _edited(tmp_path, clock, edit))
    assert [(p.field.rsplit(".", 1)[-1], p.message) for p in exc.value.problems] == [
        ("removed_on", "is only for a member who left; this one is on the roll")]
    assert community.members.count() == 0


def test_references_and_tree_are_checked(community: Community, tmp_path: Path, clock: Clock) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["units"][0]["parent_id"] = data["units"][1]["id"]  # street under its own community: a cycle
        data["units"].append(dict(data["units"][2]))  # the same id twice
        data["counts"]["units"] += 1

    with pytest.raises(RejectedInput) as exc:
        import_community(community, _edited(tmp_path, clock, edit))
    messages = " | ".join(str(p) for p in exc.value.problems)
    assert "appears twice" in messages and "cycle" in messages
    assert community.org.count() == 0


def test_counts_must_match(community: Community, tmp_path: Path, clock: Clock) -> None:
    path = _edited(tmp_path, clock, lambda data: data["residents"].pop())
    with pytest.raises(RejectedInput, match=r"\$.residents: holds 1 records, but \$.counts says 2"):
        import_community(community, path)


@pytest.mark.parametrize(("text", "match"), [
    ("[]", "expected '{'"),
    ('{"units": []}', "does not start with"),
    ('{"format": "something-else"}', "not a communitycore export"),
    (f'{{"format": "{FORMAT}", "version": 99}}', "format version 99"),
    (f'{{"format": "{FORMAT}", "version": 1, "units": [{{"id": 1,}}]}}', r"not valid JSON at \$.units\[0\]"),
    (f'{{"format": "{FORMAT}", "version": 1, "units": [{{"id": 1}}, {{"id": 2,}}]}}',
     r"not valid JSON at \$.units\[1\]: a key that is not a string$"),
    (f'{{"format": "{FORMAT}", "version": 1, "units": [',
     r"not valid JSON at \$.units\[0\]: the file ends before the object does"),
    ("", r"not valid JSON at \$: the file ends before the object does"),
    (f'{{"format": "{FORMAT}", "counts": {{"units": 1',
     r"not valid JSON at \$.counts: the file ends before the object does"),
    (f'{{"format": "{FORMAT}", "version": 1, "units": [{"9" * 400}]}}',
     r"not valid JSON at \$.units\[0\]: a whole number too large to read$"),
    (f'{{"format": "{FORMAT}", "version": 1}} trailing', "extra data"),
])
def test_not_an_export(community: Community, tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidValue, match=match):
        import_community(community, path)


def test_a_syntax_error_quotes_nothing_of_the_file(community: Community, tmp_path: Path) -> None:
    """The parser's message quotes the text around the error; ours keeps only what is wrong and where."""
    path = tmp_path / "x.json"
    path.write_text(f'{{"format": "{FORMAT}", "version": 1, "units": [{{"name": "110101198503121239",}}]}}',
                    encoding="utf-8")
    with pytest.raises(InvalidValue) as refused:
        import_community(community, path)
    assert "1985" not in str(refused.value) and "$.units[0]" in str(refused.value)


def test_a_byte_order_mark_is_read_past_and_other_encodings_are_refused(community: Community,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'\xef\xbb\xbf{"format": "nothing-we-know"}')
    with pytest.raises(InvalidValue, match="not a communitycore export"):
        import_community(community, path)
    path.write_bytes(f'{{"format": "{FORMAT}", "version": 1, "units": [{{"name": "街道"}}]}}'.encode("gb18030"))
    with pytest.raises(InvalidValue, match="is not UTF-8 text"):
        import_community(community, path)


def test_any_layout_and_chunk_boundaries(community: Community, tmp_path: Path, clock: Clock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh(tmp_path, "source.db", clock) as source:
        build(source)
        before = exported(source, tmp_path / "a.json")
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps({**before, "exported_at": "2026-01-01T00:00:00+08:00"}, indent=3),
                      encoding="utf-8")
    import ijson

    parse = ijson.parse
    # Every value crosses the boundaries of the pieces the parser reads.
    monkeypatch.setattr(ijson, "parse", lambda fh, **kw: parse(fh, buf_size=7, **kw))
    import_community(community, pretty)
    assert exported(community, tmp_path / "b.json") == before


def test_an_export_is_only_there_when_complete(sqlite_community: Community, tmp_path: Path) -> None:
    build(sqlite_community)
    target = tmp_path / "out.json"
    export_community(sqlite_community, target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == ["out.json"]


# Property: random small communities round-trip exactly -----------------------------------------

_KINDS_BELOW = {"street-committee": ["community-committee"], "community-committee": ["branch", "grid-branch"],
                "branch": ["party-group"], "grid-branch": ["party-group"], "party-group": []}


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    units: list[tuple[str, int | None]] = [("street-committee", None)]
    for index in range(draw(st.integers(0, 6))):
        parent = draw(st.integers(0, len(units) - 1))
        below = _KINDS_BELOW[units[parent][0]]
        if below:
            units.append((draw(st.sampled_from(below)), parent))
        del index
    members = []
    for seq in range(draw(st.integers(0, 6))):
        birth = draw(st.dates(dt.date(1940, 1, 1), dt.date(2000, 12, 31)))
        join = draw(st.one_of(st.none(), st.dates(birth + dt.timedelta(days=18 * 366), dt.date(2025, 11, 1))))
        probationary = join is not None and draw(st.booleans())
        members.append({
            "unit": draw(st.integers(0, len(units) - 1)),
            "name": draw(st.text(st.sampled_from("王李张刘陈杨赵黄周吴伟芳娜敏静"), min_size=1, max_size=4)),
            "id_number": draw(st.one_of(st.none(), st.just(make_id(birth.strftime("%Y%m%d"), seq)))),
            "ethnicity": draw(st.sampled_from([None, "汉族", "回族"])),
            "education": draw(st.sampled_from([None, "初中", "大专", "研究生"])),
            "join_date": join,
            "full_date": None if join is None or probationary else join + dt.timedelta(days=366),
            "category": "预备" if probationary else "正式",
            "standing": draw(st.sampled_from(["正常", "流动", "失联"])),
            "post": draw(st.sampled_from([None, "书记", "委员", "组长"])),
            "phone": draw(st.sampled_from([None, "13800138000", "010-12345678"])),
            "in_service": draw(st.booleans()),
            "transfer_to": draw(st.one_of(st.none(), st.integers(0, len(units) - 1))),
        })
    residents = draw(st.lists(st.tuples(st.booleans(), st.sets(st.sampled_from(["独居老人", "残疾", "困难家庭"]))),
                              max_size=3))
    return {"units": units, "members": members, "residents": residents}


def _build_plan(c: Community, plan: dict[str, Any]) -> None:
    ids: list[int] = []
    for index, (kind, parent) in enumerate(plan["units"]):
        ids.append(c.org.add(f"单位{index}", kind, None if parent is None else ids[parent]).id)
    for member in plan["members"]:
        fields = {k: v for k, v in member.items() if k not in ("unit", "name", "transfer_to") and v is not None}
        added = c.members.add(member["name"], ids[member["unit"]], **fields)
        target = member["transfer_to"]
        if target is not None and ids[target] != added.unit_id:
            c.members.transfer(added.id, ids[target], on="2026-10-01")
    compound = c.org.add_compound("小区", "标准小区", ids[0]) if plan["residents"] else None
    for index, (at_home, flags) in enumerate(plan["residents"]):
        home = c.residents.add_household(compound.id if compound else None, room=str(index)) if at_home else None
        c.residents.add(f"居民{index}", household_id=home.id if home else None, flags=sorted(flags))


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exchange") / "template.db"
    # Migrated only: the actor who opens each copy first becomes its administrator.
    engine = sa.create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_random_communities_round_trip(template_db: Path, tmp_path_factory: pytest.TempPathFactory,
                                       plan: dict[str, Any]) -> None:
    work = tmp_path_factory.mktemp("round")
    clock = Clock("Asia/Shanghai", fixed=NOW)
    shutil.copyfile(template_db, work / "a.db")
    shutil.copyfile(template_db, work / "b.db")
    with fresh(work, "a.db", clock) as source, fresh(work, "b.db", clock) as copy:
        _build_plan(source, plan)
        before = exported(source, work / "a.json")
        import_community(copy, work / "a.json")
        assert exported(copy, work / "b.json") == before
        assert copy.org.stats_all() == source.org.stats_all()
