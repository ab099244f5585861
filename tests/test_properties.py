"""Properties (hypothesis): no cycles after any moves, roll-ups equal brute force, settings equal a naive
lookup, and every label of every coded enum parses back to itself.

SDK-level properties run on a fresh SQLite file per example, copied from a migrated template.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, Conflict, InvalidValue, UnitKind, hookimpl
from communitycore.clock import Clock
from communitycore.config import Config
from communitycore.domain.codes import Coded
from communitycore.domain.members import ASSOCIATE_OR_ABOVE, COMMITTEE_POSTS, Education, Post
from communitycore.domain.settings import resolve
from communitycore.domain.stats import COUNTERS, roll_up
from communitycore.testing import FIXED_NOW, make_plugin_manager

TODAY = FIXED_NOW.date()
SDK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PURE = settings(max_examples=100, deadline=None)


class AnyTree:
    """A root kind and a kind that may sit under itself or a root: the tree rules decide, besides the root rule."""

    name = "any-tree"

    @hookimpl
    def communitycore_register_unit_kinds(self) -> list[UnitKind]:
        return [UnitKind(code="root", label="根", elected=False),
                UnitKind(code="node", label="节点", parents=("root", "node"), elected=False)]


PM = make_plugin_manager(AnyTree())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("properties") / "template.db"
    # Opened by "hypothesis", the administrator of every copy.
    communitycore.open(f"sqlite:///{path}", pm=PM, config=Config(), actor="hypothesis", create=True).close()
    return path


class Fresh:
    """A community on its own copy of the template, for one hypothesis example."""

    def __init__(self, template: Path) -> None:
        self.dir = tempfile.TemporaryDirectory()
        target = Path(self.dir.name) / "c.db"
        shutil.copyfile(template, target)
        self.community = communitycore.open(f"sqlite:///{target}", pm=PM, config=Config(), actor="hypothesis",
                                            clock=Clock("Asia/Shanghai", fixed=FIXED_NOW), create=False)

    def __enter__(self) -> Community:
        return self.community

    def __exit__(self, *exc: object) -> None:
        self.community.close()
        self.dir.cleanup()


# Random forests: unit i's parent is None or one of the units before it. ------------------------------


@st.composite
def forests(draw: st.DrawFn, max_units: int = 12) -> list[int | None]:
    size = draw(st.integers(min_value=1, max_value=max_units))
    return [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(size)]


def build(community: Community, parents: list[int | None]) -> list[int]:
    ids: list[int] = []
    for i, parent in enumerate(parents):
        kind = "root" if parent is None else "node"
        ids.append(community.org.add(f"n{i}", kind, None if parent is None else ids[parent]).id)
    return ids


def stored_parents(community: Community) -> dict[int, int | None]:
    return {line.unit.id: line.unit.parent_id for line in community.org.tree()}


def reaches_a_root(parent_of: dict[int, int | None], unit: int) -> bool:
    current: int | None = unit
    for _ in range(len(parent_of) + 1):
        if current is None:
            return True
        current = parent_of[current]
    return False


def descendants(parent_of: dict[int, int | None], unit: int) -> set[int]:
    """Brute force: every unit whose chain of parents passes through ``unit``."""
    out = set()
    for other in parent_of:
        current = parent_of[other]
        steps = 0
        while current is not None and steps <= len(parent_of):
            if current == unit:
                out.add(other)
                break
            current = parent_of[current]
            steps += 1
    return out


# (a) No cycle after any sequence of moves ---------------------------------------------------------------


@SDK
@given(parents=forests(), moves=st.lists(st.tuples(st.integers(0, 11), st.one_of(st.none(), st.integers(0, 11))),
                                        max_size=15))
def test_sdk_moves_never_make_a_cycle(template: Path, parents: list[int | None],
                                      moves: list[tuple[int, int | None]]) -> None:
    with Fresh(template) as community:
        ids = build(community, parents)
        is_root = {ids[i]: parent is None for i, parent in enumerate(parents)}
        model = stored_parents(community)
        for unit_index, target_index in moves:
            unit = ids[unit_index % len(ids)]
            target = None if target_index is None else ids[target_index % len(ids)]
            refused = target is not None and (target == unit or target in descendants(model, unit))
            # The root rule: a root stays at the top, a node never goes there.
            misplaced = (target is None) != is_root[unit]
            before = stored_parents(community)
            try:
                community.org.move(unit, target)
            except (Conflict, InvalidValue) as exc:
                assert refused or misplaced, f"move {unit} → {target} was refused: {exc}"
                if refused:
                    assert "Nothing was changed" in str(exc)
                assert stored_parents(community) == before
                continue
            assert not refused, f"move {unit} → {target} would make a cycle but went through"
            assert not misplaced, f"move {unit} → {target} breaks the root rule but went through"
            model[unit] = target
            assert stored_parents(community) == model
        final = stored_parents(community)
        assert all(reaches_a_root(final, unit) for unit in final)
        for unit in final:  # and the SDK's own path walk agrees
            assert community.org.path(unit)[0].parent_id is None


# (b) Roll-ups equal brute-force counts ---------------------------------------------------------------------

EDUCATIONS = [None, *(e.value for e in Education)]
POSTS = [None, *(p.value for p in Post)]

member_fields = st.fixed_dictionaries({
    "unit": st.integers(0, 11),
    "gender": st.sampled_from([None, "male", "female"]),
    "education": st.sampled_from(EDUCATIONS),
    "post": st.sampled_from(POSTS),
    "probationary": st.booleans(),
    "birth_date": st.one_of(st.none(), st.dates(dt.date(1930, 1, 1), dt.date(2005, 12, 31))),
})


def expected_figures(parents: list[int | None], people: list[dict[str, Any]],
                     on: dt.date = TODAY) -> dict[int, dict[str, Any]]:
    """Per unit index: the figures of its subtree, counted member by member, ages in 周岁 on ``on``."""
    size = len(parents)
    parent_of: dict[int, int | None] = dict(enumerate(parents))
    out = {}
    for unit in range(size):
        inside = {unit} | descendants(parent_of, unit)
        group = [p for p in people if p["unit"] % size in inside]
        cadres = [p for p in group if p["post"] in COMMITTEE_POSTS]
        secretaries = [p for p in group if p["post"] == Post.SECRETARY.value]
        out[unit] = {
            "units": len(inside),
            "members": len(group),
            "full": sum(not p["probationary"] for p in group),
            "probationary": sum(p["probationary"] for p in group),
            "by_gender": {g: sum(p["gender"] == g for p in group) for g in ("male", "female")},
            "by_education": {e: sum(p["education"] == e for p in group) for e in EDUCATIONS if e},
            "average_age": _age(group, on),
            "cadres": len(cadres),
            "cadres_associate_or_above": sum(p["education"] in ASSOCIATE_OR_ABOVE for p in cadres),
            "cadre_average_age": _age(cadres, on),
            "secretaries": len(secretaries),
            "secretaries_associate_or_above": sum(p["education"] in ASSOCIATE_OR_ABOVE for p in secretaries),
        }
    return out


def _age(group: list[dict[str, Any]], on: dt.date) -> float | None:
    """The mean of the ages in 周岁 on ``on``, each counted by hand: a birthday not yet come this year
    takes one off the difference of the years."""
    ages = [on.year - b.year - ((on.month, on.day) < (b.month, b.day))
            for b in (p["birth_date"] for p in group) if b is not None and b <= on]
    return round(sum(ages) / len(ages), 1) if ages else None


def assert_figures(actual: Any, expected: dict[str, Any]) -> None:
    for field, value in expected.items():
        assert getattr(actual, field) == value, field


#: Reporting dates around the turns of the year and of February, where a birthday's having come or not
#: changes a 周岁 age.
reporting_dates = st.one_of(st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
                            st.sampled_from([dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2025, 2, 28),
                                             dt.date(2025, 3, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1)]))


@SDK
@given(parents=forests(), people=st.lists(member_fields, max_size=25), on=st.one_of(st.none(), reporting_dates))
def test_sdk_roll_ups_equal_brute_force(template: Path, parents: list[int | None],
                                        people: list[dict[str, Any]], on: dt.date | None) -> None:
    with Fresh(template) as community:
        ids = build(community, parents)
        for i, person in enumerate(people):
            fields = {k: person[k] for k in ("gender", "education", "post", "birth_date") if person[k] is not None}
            if person["probationary"]:
                fields.update(category="probationary", join_date="2026-06-01")
            community.members.add(f"m{i}", ids[person["unit"] % len(ids)], **fields)
        stats = community.org.stats_all(on=on)
        expected = expected_figures(parents, people, TODAY if on is None else on)
        for index, unit_id in enumerate(ids):
            assert_figures(stats[unit_id], expected[index])
        assert community.org.stats(ids[-1], on=on) == [stats[ids[-1]]]  # one subtree reads the same


@PURE
@given(parents=forests(max_units=25),
       rows=st.dictionaries(st.integers(0, 24), st.lists(st.integers(0, 50), min_size=len(COUNTERS),
                                                         max_size=len(COUNTERS))))
def test_pure_roll_up_sums_each_subtree(parents: list[int | None], rows: dict[int, list[int]]) -> None:
    parent_of: dict[int, int | None] = dict(enumerate(parents))
    per_unit = {u: row for u, row in rows.items() if u in parent_of}
    ages = {u: [40 * row[0], row[0], 50 * row[1], row[1]] for u, row in per_unit.items()}
    result = roll_up(per_unit, parent_of, ages)
    members_at = COUNTERS.index("members")
    full_at = COUNTERS.index("full")
    for unit in parent_of:
        inside = {unit} | descendants(parent_of, unit)
        assert result[unit].units == len(inside)
        assert result[unit].members == sum(per_unit.get(u, [0] * len(COUNTERS))[members_at] for u in inside)
        assert result[unit].full == sum(per_unit.get(u, [0] * len(COUNTERS))[full_at] for u in inside)
        counted = sum(per_unit.get(u, [0] * len(COUNTERS))[members_at] for u in inside)
        assert result[unit].average_age == (40.0 if counted else None)  # each subtree's ages summed


# (c) Settings resolution equals a naive nearest-ancestor lookup ----------------------------------------------

KEYS = ["volunteer-star-hours", "meeting-cadence.theme-day", "request-deadline-hours.general"]
VALUES = {
    "volunteer-star-hours": st.lists(st.integers(1, 3000), min_size=1, max_size=5, unique=True).map(sorted),
    "meeting-cadence.theme-day": st.sampled_from(["weekly", "monthly", "quarterly", "half-yearly", "yearly"]),
    "request-deadline-hours.general": st.integers(1, 1000),
}


@st.composite
def assignments(draw: st.DrawFn) -> list[tuple[int, str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 12))):
        key = draw(st.sampled_from(KEYS))
        out.append((draw(st.integers(0, 11)), key, draw(VALUES[key])))
    return out


def naive(parent_of: dict[int, int | None], unit: int, key: str, own: dict[int, dict[str, Any]]) -> Any:
    current: int | None = unit
    while current is not None:
        if key in own.get(current, {}):
            return own[current][key], current
        current = parent_of[current]
    return None, None


@SDK
@given(parents=forests(), sets=assignments(), unsets=st.lists(st.tuples(st.integers(0, 11), st.sampled_from(KEYS)),
                                                               max_size=4))
def test_sdk_settings_equal_a_naive_lookup(template: Path, parents: list[int | None], sets: list[tuple[int, str, Any]],
                                           unsets: list[tuple[int, str]]) -> None:
    with Fresh(template) as community:
        ids = build(community, parents)
        defaults = community.org.settings(ids[0])  # before anything is set
        own: dict[int, dict[str, Any]] = {}
        for index, key, value in sets:
            unit = ids[index % len(ids)]
            community.org.set_setting(unit, key, value)
            own.setdefault(unit, {})[key] = value
        for index, key in unsets:
            unit = ids[index % len(ids)]
            assert community.org.unset_setting(unit, key) is (key in own.get(unit, {}))
            own.get(unit, {}).pop(key, None)
        parent_of = stored_parents(community)
        for unit in ids:
            effective = community.org.settings(unit)
            for key in KEYS:
                value, source = naive(parent_of, unit, key, own)
                if source is None:
                    assert effective[key] == defaults[key]
                else:
                    assert (effective[key].value, effective[key].unit_id) == (value, source)
                    assert effective[key].source == community.org.path_of(source)


@PURE
@given(chain=st.lists(st.dictionaries(st.sampled_from("abcde"), st.integers()), max_size=6),
       defaults=st.dictionaries(st.sampled_from("abcdef"), st.integers()))
def test_pure_resolve_equals_a_naive_lookup(chain: list[dict[str, int]], defaults: dict[str, int]) -> None:
    links = [(i, f"path{i}", own) for i, own in enumerate(chain)]
    result = resolve(links, {k: (v, "default") for k, v in defaults.items()})
    assert set(result) == set(defaults).union(*chain)
    for key, effective in result.items():
        nearest = next((i for i in reversed(range(len(chain))) if key in chain[i]), None)
        if nearest is None:
            assert (effective.value, effective.source, effective.unit_id) == (defaults[key], "default", None)
        else:
            assert (effective.value, effective.source, effective.unit_id) == (chain[nearest][key], f"path{nearest}",
                                                                             nearest)


# (d) Coded enums parse every label and alias back to themselves -------------------------------------------------


def coded_enums() -> list[type[Coded]]:
    # domain.members and domain.org (imported above) define them; subclasses of subclasses count too.
    found: list[type[Coded]] = []
    stack = list(Coded.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted((c for c in found if c.__module__.startswith("communitycore.")), key=lambda c: c.__qualname__)


SPELLINGS = [(cls, member, spelling) for cls in coded_enums() for member in cls
             for spelling in (member.value, member.zh, member.en, *member.aliases)]


def test_the_enums_are_all_there() -> None:
    names = {cls.__name__ for cls in coded_enums()}
    assert {"Gender", "Category", "Standing", "Education", "Post", "ResidentFlag", "PropertyTier",
            "PartnerKind"} <= names


@settings(max_examples=150, deadline=None)
@given(case=st.sampled_from(SPELLINGS), style=st.sampled_from(["as-is", "upper", "lower", "padded"]))
def test_every_spelling_parses_back(case: tuple[type[Coded], Coded, str], style: str) -> None:
    cls, member, spelling = case
    text = {"as-is": spelling, "upper": spelling.upper(), "lower": spelling.lower(),
            "padded": f" \t{spelling}  "}[style]
    assert cls.parse(text) is member
    assert cls.parse(member) is member
    assert cls(member.value) is member


@pytest.mark.parametrize("cls", coded_enums(), ids=lambda c: c.__name__)
def test_no_spelling_names_two_members(cls: type[Coded]) -> None:
    seen: dict[str, Coded] = {}
    for member in cls:
        for spelling in {member.value, member.zh, member.en, *member.aliases}:
            assert seen.setdefault(spelling.strip().lower(), member) is member, spelling


@PURE
@given(cls=st.sampled_from(coded_enums()), text=st.text(max_size=12))
def test_anything_else_is_refused_with_the_choices(cls: type[Coded], text: str) -> None:
    # Read as a spreadsheet cell is: full-width and other compatibility forms (¹ for 1) are their plain ones.
    plain = text.strip() if text.strip().isascii() else unicodedata.normalize("NFKC", text.strip())
    if plain.lower() in cls.lookup():
        assert cls.parse(text).value in {m.value for m in cls}
        return
    with pytest.raises(InvalidValue, match="is not one of"):
        cls.parse(text)


_NUMBERS = st.one_of(st.text(max_size=16), st.decimals(allow_nan=True, allow_infinity=True).map(str),
                     st.integers(-10**40, 10**40).map(lambda n: f"{n}e{n % 500}"),
                     st.floats(allow_nan=True, allow_infinity=True))


@PURE
@given(value=_NUMBERS)
def test_a_quantity_or_an_amount_is_read_or_refused_in_words(value: Any) -> None:
    """Whatever is typed (1e400, NaN, 0.005, ١٢): a value within bounds, or InvalidValue; never
    Decimal's own InvalidOperation."""
    from communitycore.domain.activity import MAX_QUANTITY, parse_quantity
    from communitycore.domain.dues import MAX_AMOUNT, parse_amount

    for parse, top in ((parse_quantity, MAX_QUANTITY), (parse_amount, MAX_AMOUNT)):
        try:
            number = parse(value)
        except InvalidValue:
            continue
        assert number.is_finite() and abs(number) <= top and number == round(number, 2)
