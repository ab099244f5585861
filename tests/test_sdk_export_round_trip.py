"""Whatever the SDK accepts, its export imports again, on every engine (a hypothesis property).

Each example feeds hostile values to the SDK (control characters, bidirectional overrides, NUL,
names of any length, dates around the rules' edges, ID numbers and phones in odd forms) and keeps
whatever it accepts. The community is exported and imported into an empty database of the same
engine; the import must succeed and give back the same records. A value the SDK accepts but the
import (or the engine) refuses is a rule that does not hold for every way in.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, CommunityCoreError
from communitycore.clock import Clock
from communitycore.domain.identity import check_character
from communitycore.store.migrate import upgrade
from conftest import NOW, SERVERS, ServerDatabase, _empty, _label

TODAY = NOW.date()

#: Text a person (or an attacker) might type into a name field.
hostile_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from("张王李党支部社区委员会·・ AZaz09-_/\\%\u3000"), max_size=20),
    st.sampled_from(["a\x00b", "\x1b[2J清屏", "abc\u202edcba", "\u2066隔离\u2069", "行\n二", "  空格  ", "\ufeffBOM",
                     "𠀀" * 100, "长" * 100, "长" * 101, "x" * 10_000, "", "   ", "名/字", "=1+1", "\ud7ff"]),
)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31))
date_texts = st.one_of(dates, dates.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
                       dates.map(lambda d: d.strftime("%Y%m%d")), st.sampled_from(["2023-02-30", "45108", "明天"]))


def id_number_for(born: dt.date, seq: int) -> str:
    first17 = f"110101{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


good_phones = st.sampled_from(["13812345678", "+86 138-1234-5678", full_width("0523-84812345"), "0523-84812345",
                               "1391234567８", "010 12345678"])
phones = st.one_of(good_phones, good_phones, st.text(alphabet="0123456789-+ ", max_size=16))
plain_names = st.builds(lambda a, b: a + b, st.text(alphabet="张王李赵党支部社区委员会AZaz", min_size=1, max_size=8),
                        st.text(alphabet="·・ 张王李", max_size=4))
#: Mostly names the rules accept, often hostile ones.
names = st.one_of(plain_names, plain_names, plain_names, hostile_text)


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    """A member near the rules' edges: consistent dates and ID number, then perhaps one value broken."""
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)))
    latest = min(TODAY, born + dt.timedelta(days=365 * 70))
    earliest = born.replace(year=born.year + 18) if (born.month, born.day) != (2, 29) else dt.date(born.year + 18, 3, 1)
    joined = draw(st.dates(min_value=earliest - dt.timedelta(days=3), max_value=max(earliest, latest)))
    full = joined + dt.timedelta(days=draw(st.integers(360, 800)))
    number = id_number_for(born, draw(st.integers(0, 999)))
    fields: dict[str, Any] = {"name": draw(names)}
    if draw(st.booleans()):
        fields["id_number"] = draw(st.sampled_from([number, number.lower(), full_width(number), f" {number} "]))
    else:
        fields["birth_date"] = draw(st.sampled_from([born, born.isoformat(), f"{born.year}年{born.month}月{born.day}日",
                                                     born.strftime("%Y.%m.%d")]))
    if draw(st.booleans()):
        fields.update(category="预备", join_date=joined)
    else:
        fields.update(join_date=joined, full_date=full)
    for field, strategy in (("phone", phones), ("ethnicity", names), ("employer", names),
                            ("education", st.sampled_from(["本科", "大专", "研究生", "高中", "幼儿园"])),
                            ("post", st.sampled_from(["书记", "支部书记", "委员"]))):
        if draw(st.booleans()):
            fields[field] = draw(strategy)
    if draw(st.integers(0, 3)) == 0:  # one value broken on purpose, or at an edge
        field = draw(st.sampled_from(["birth_date", "join_date", "full_date", "id_number"]))
        fields[field] = draw(st.one_of(date_texts, st.sampled_from(
            [number[:-1] + ("0" if number[-1] != "0" else "1"), "2023-02-30", "45108", "明天"])))
    fields["later"] = draw(st.sampled_from([None, "remove", "transfer-out", "extend", "confirm", "update"]))
    return fields


@st.composite
def communities(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "units": draw(st.lists(names, max_size=3)),
        "codes": draw(st.lists(st.one_of(st.none(), names), min_size=3, max_size=3)),
        "people": draw(st.lists(people(), max_size=6)),
        "residents": draw(st.lists(st.tuples(names, st.one_of(st.none(), phones),
                                             st.lists(st.sampled_from(["独居老人", "残疾", "hardship"]), max_size=2)),
                                   max_size=3)),
        "partners": draw(st.lists(st.tuples(names, st.one_of(st.none(), names)), max_size=2)),
    }


def attempt(call: Any, *args: Any, **kwargs: Any) -> Any:
    """The SDK's answer: the result, or None when it refused with its own error (nothing else is allowed)."""
    try:
        return call(*args, **kwargs)
    except CommunityCoreError:
        return None


def build(c: Community, plan: dict[str, Any]) -> None:
    street = c.org.add("城南街道党工委", "street-committee")
    units = [street.id]
    for index, name in enumerate(plan["units"]):
        unit = attempt(c.org.add, name, "community-committee", street.id, code=plan["codes"][index])
        if unit is not None:
            units.append(unit.id)
    for index, person in enumerate(plan["people"]):
        fields = {k: v for k, v in person.items() if k not in ("name", "later")}
        member = attempt(c.members.add, person["name"], units[index % len(units)], **fields)
        if member is None:
            continue
        later = person["later"]
        if later == "remove":
            attempt(c.members.remove, member.id, reason="死亡", on="2026-01-01")
        elif later == "transfer-out":
            attempt(c.members.remove, member.id, reason="转出", to=person.get("employer") or "某某单位党委")
        elif later == "extend":
            attempt(c.members.extend_probation, member.id, months=6)
        elif later == "confirm":
            attempt(c.members.confirm, member.id)
        elif later == "update":
            attempt(c.members.update, member.id, ethnicity=person.get("employer"))
    for name, phone, flags in plan["residents"]:
        attempt(c.residents.add, name, phone=phone, flags=flags)
    for name, contact in plan["partners"]:
        attempt(c.org.add_partner, "物业", name, street.id, contact=contact)


def snapshot(c: Community) -> dict[str, Any]:
    return {"units": [(line.path, line.unit) for line in c.org.tree()], "members": c.members.list(status=None),
            "residents": c.residents.list(), "partners": c.org.partners()}


@pytest.fixture(scope="module")
def databases(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Two database makers for the current engine: the source and the target of each round trip."""
    backend = _label(engine_name)
    if backend == "sqlite":
        template = tmp_path_factory.mktemp("roundtrip") / "template.db"
        # Migrated only: the actor who opens each copy first becomes its administrator.
        engine = sa.create_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()

        def fresh(name: str) -> str:
            target = Path(tempfile.mkdtemp()) / f"{name}.db"
            shutil.copyfile(template, target)
            return f"sqlite:///{target}"

        yield fresh, fresh
        return
    servers = [ServerDatabase(SERVERS.get(engine_name, engine_name)) for _ in range(2)]
    urls = [s.url.render_as_string(hide_password=False) for s in servers]
    for url in urls:
        communitycore.open(url, autoload=False).close()

    def maker(url: str) -> Any:
        def fresh(_name: str) -> str:
            _empty(url)
            return url
        return fresh

    try:
        yield maker(urls[0]), maker(urls[1])
    finally:
        for server in servers:
            server.drop()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(plan=communities())
def test_what_the_sdk_accepts_its_export_imports_again(databases: tuple[Any, Any], plan: dict[str, Any]) -> None:
    source_db, target_db = databases
    clock = Clock("Asia/Shanghai", fixed=NOW)
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.json"
        source = communitycore.open(source_db("source"), actor="hypothesis", clock=clock, autoload=False,
                                    create=True)
        try:
            build(source, plan)
            source.export_to(export)
            before = snapshot(source)
        finally:
            source.close()
        target = communitycore.open(target_db("target"), actor="hypothesis", clock=clock, autoload=False,
                                    create=True)
        try:
            target.import_from(export)
            assert snapshot(target) == before
        finally:
            target.close()


def test_the_rules_refuse_what_the_engines_would(databases: tuple[Any, Any]) -> None:
    """The values the strategies aim at: the SDK refuses each with its own error, and stores the rest whole."""
    source_db, _target_db = databases
    url = source_db("edge")
    c = communitycore.open(url, actor="t", clock=Clock("Asia/Shanghai", fixed=NOW), autoload=False, create=True)
    try:
        street = c.org.add("街道", "street-committee")
        for bad in ("a\x00b", "x" * 10_000, "长" * 101, "\x1b[2J"):
            assert attempt(c.members.add, bad, street.id) is None
        kept = c.members.add("𠀀" * 100, street.id)
        assert c.members.get(kept.id).name == "𠀀" * 100
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT name FROM cc_members WHERE id = :i"), {"i": kept.id}).scalar()
        engine.dispose()
        assert stored == "𠀀" * 100
    finally:
        c.close()
