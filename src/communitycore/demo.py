"""The sample community behind ``community demo``, modelled on the project's three case studies.

:func:`build_demo` adds, through the ordinary SDK calls (so every change is audited):

* 靖城街道党工委 (the 靖江 city programme) with
  - 虹兴社区党委, the city's first community committee, whose branches follow the members' trades
    and traits: 社区支部, 工业经济支部, 老党员支部, 工搪企业支部, and the 功能型党支部
    党员义工服务队党支部 (where 袁秀英 of the 红飘带 story serves);
  - 江华社区党总支 (secretary 陈剑萍) with its branches; its committee's term has ended;
  - 幸福社区党委, the "红色管家" community: 网格党支部 → 楼栋党小组 → 党员中心户, and the
    红色管家联合党支部 drawn from property companies, the owners' committee and co-building units;
* compounds of each property tier (老旧/回迁/标准/新建) with their partners (物业服务企业, 业委会,
  共建单位, 驻区单位), households and residents flagged 独居老人, 残疾, 困难家庭 …;
* about two hundred members with valid 公民身份号码 (region 321281, 靖江市), posts and committees,
  a few 预备党员 past their year (so ``member due-confirmation`` lists some), in-service members
  with 双报到 registrations, and a few transfers;
* data that gives ``org check`` real findings: a branch with 2 正式党员, a branch of more than 50
  members and a committee whose term has ended;
* and, from :mod:`communitycore.demo_year`, the last full year of every other capability:
  meetings, an assessment with an appeal, requests, the three lists, the 红色管家 roster,
  candidates and dues.

Members and residents come in one import each, and the whole sample is one transaction, so it
is added whole or not at all.

Everything is drawn from ``random.Random(seed)`` and dated relative to the community's clock, so
the same seed and day give the same community. Names, numbers and addresses are invented.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communitycore.demo_year import build_year
from communitycore.domain.identity import check_character
from communitycore.domain.members import probation_end
from communitycore.errors import Conflict, NotFound
from communitycore.i18n import _

if TYPE_CHECKING:
    from communitycore.domain.org import OrgUnit
    from communitycore.sdk.community import Community

#: Name of the sample community's root unit; ``community demo`` looks for it before building.
DEMO_ROOT = "靖城街道党工委"
#: The demo's secretary and the branch they hold the role on, and its auditor (on the whole database).
DEMO_SECRETARY, DEMO_SECRETARY_UNIT, DEMO_AUDITOR = "张书记", "hx-community", "李审计"
#: Address code of 靖江市 (Jiangsu), the first six digits of every sample 公民身份号码.
REGION_CODE = "321281"
DEFAULT_SEED = 2024

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏"
             "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛顾毛郝龚邵钱严戴季缪")
_GIVEN_MALE = "建国军华伟明强平志刚勇斌海峰林杰涛磊鹏宇浩俊荣庆德福春生兴龙祥文新国"
_GIVEN_FEMALE = "秀英芳敏静丽娟霞萍燕玲红梅兰琴云凤洁慧颖婷雪佳欣桂珍琳"
_ETHNICITIES = ("回族", "满族", "蒙古族", "壮族")
_EMPLOYERS = ("靖江市人民医院", "靖江市第一中学", "靖江市工搪厂", "国网靖江市供电公司", "靖江市城市管理局",
              "靖江农商银行", "靖城街道办事处", "靖江市税务局")

# Units: key, parent key, name, kind code, extra fields (dates are filled in relative to today).
_UNITS: tuple[tuple[str, str | None, str, str, dict[str, Any]], ...] = (
    ("street", None, DEMO_ROOT, "street-committee", {"code": "JC", "approved_by": "中共靖江市委"}),
    ("hongxing", "street", "虹兴社区党委", "community-committee", {"code": "JC-HX", "term_years_ago": 2}),
    ("hx-community", "hongxing", "社区支部", "branch", {}),
    ("hx-industry", "hongxing", "工业经济支部", "branch", {}),
    ("hx-veterans", "hongxing", "老党员支部", "branch", {}),
    ("hx-enamel", "hongxing", "工搪企业支部", "branch", {}),
    ("hx-volunteers", "hongxing", "党员义工服务队党支部", "functional-branch", {}),
    # Elected a little over five years ago: the term has run out and 换届 is due.
    ("jianghua", "street", "江华社区党总支", "general-branch", {"code": "JC-JH", "term_days_ago": 5 * 365 + 100}),
    ("jh-dongxing", "jianghua", "东兴街支部", "branch", {}),
    ("jh-village", "jianghua", "城中村改造支部", "branch", {}),
    ("jh-yixin", "jianghua", "怡馨苑小区支部", "branch", {}),
    ("xingfu", "street", "幸福社区党委", "community-committee", {"code": "JC-XF", "term_years_ago": 1}),
    ("xf-grid1", "xingfu", "第一网格党支部", "grid-branch", {}),
    ("xf-grid1-b1", "xf-grid1", "1号楼党小组", "party-group", {}),
    ("xf-grid1-b1-hub", "xf-grid1-b1", "1号楼党员中心户", "hub-household", {}),
    ("xf-grid1-b3", "xf-grid1", "3号楼党小组", "party-group", {}),
    ("xf-grid1-b3-hub", "xf-grid1-b3", "3号楼党员中心户", "hub-household", {}),
    ("xf-grid2", "xingfu", "第二网格党支部", "grid-branch", {}),
    ("xf-grid2-b5", "xf-grid2", "5号楼党小组", "party-group", {}),
    ("xf-grid2-b5-hub", "xf-grid2-b5", "5号楼党员中心户", "hub-household", {}),
    ("xf-steward", "xingfu", "红色管家联合党支部", "joint-branch", {"covered_units": 4}),
)


class _Plan:
    """How many members a unit gets, and of what sort."""

    def __init__(self, full: int, *, due: int = 0, recent: int = 0, ages: tuple[int, int] = (25, 64),
                 posts: Sequence[str] | None = None, employer: str | None = None, mobile: int = 0,
                 lost: int = 0) -> None:
        self.full = full
        self.due = due  # 预备党员 past their year: 转正 is due
        self.recent = recent  # 预备党员 still in probation
        self.ages = ages
        self.posts = posts
        self.employer = employer
        self.mobile = mobile
        self.lost = lost


_COMMITTEE = ("secretary", "deputy-secretary", "organization-member", "publicity-member", "discipline-member")

_PLANS: dict[str, _Plan] = {
    "street": _Plan(3, posts=("secretary", "deputy-secretary", "committee-member"), ages=(38, 56),
                    employer="靖城街道办事处"),
    "hongxing": _Plan(5, posts=_COMMITTEE, ages=(32, 55)),
    "hx-community": _Plan(22, due=1, recent=1),
    "hx-industry": _Plan(18, recent=1, employer="靖江经济开发区企业", mobile=2),
    # More than 50 members: the structure check suggests a 党总支.
    "hx-veterans": _Plan(54, ages=(66, 91)),
    "hx-enamel": _Plan(10, due=1, employer="靖江市工搪厂"),
    "hx-volunteers": _Plan(8, ages=(35, 68)),
    "jianghua": _Plan(3, posts=("secretary", "deputy-secretary", "committee-member"), ages=(35, 55)),
    "jh-dongxing": _Plan(14, due=1),
    "jh-village": _Plan(11, recent=1, lost=1),
    # Two 正式党员: below the three a branch needs.
    "jh-yixin": _Plan(2, recent=1),
    "xingfu": _Plan(5, posts=_COMMITTEE, ages=(30, 52)),
    "xf-grid1": _Plan(16, due=1),
    "xf-grid1-b1": _Plan(3),
    "xf-grid1-b1-hub": _Plan(1, posts=()),
    "xf-grid1-b3": _Plan(3),
    "xf-grid1-b3-hub": _Plan(1, posts=()),
    "xf-grid2": _Plan(13, recent=1),
    "xf-grid2-b5": _Plan(3),
    "xf-grid2-b5-hub": _Plan(1, posts=()),
    "xf-steward": _Plan(10, recent=1, ages=(30, 60)),
}

# People from the case studies, placed where the stories put them: (unit, name, gender, age, post).
_NAMED = (
    ("hongxing", "盛金松", "male", 47, "deputy-secretary"),
    ("jianghua", "陈剑萍", "female", 45, "secretary"),
    ("hx-volunteers", "袁秀英", "female", 56, None),
)

# Compounds: key, name, tier, unit key, address.
_COMPOUNDS = (
    ("xingfuli", "幸福里小区", "old", "xf-grid1", "靖江市幸福路12号"),
    ("anjuyuan", "安居苑", "resettlement", "xf-grid2", "靖江市安居路8号"),
    ("jinxiu", "锦绣花园", "standard", "xf-grid2", "靖江市锦绣路66号"),
    ("binjiang", "滨江壹号", "new", "xingfu", "靖江市滨江大道1号"),
    ("hongxing-village", "虹兴新村", "old", "hx-community", "靖江市虹兴路20号"),
    ("yixin", "怡馨苑", "standard", "jh-yixin", "靖江市布市里5号"),
)

# Partners: kind, name, unit key.
_PARTNERS = (
    ("property-company", "靖江市幸福物业服务有限公司", "xf-steward"),
    ("property-company", "靖江安居物业管理有限公司", "xf-grid2"),
    ("property-company", "滨江智慧物业服务有限公司", "xingfu"),
    ("owners-committee", "锦绣花园业主委员会", "xf-grid2"),
    ("owners-committee", "幸福里小区业主委员会", "xf-grid1"),
    ("co-building-unit", "靖江市人民医院", "xingfu"),
    ("co-building-unit", "靖江市第一中学", "xingfu"),
    ("resident-unit", "国网靖江市供电公司", "street"),
    ("resident-unit", "靖江市工搪厂", "hongxing"),
)


def find_demo(community: Community) -> OrgUnit | None:
    """The sample community's root unit, if this database has it."""
    try:
        return community.org.get(DEMO_ROOT)
    except NotFound:
        return None


def build_demo(community: Community, *, seed: int = DEFAULT_SEED) -> OrgUnit:
    """Build the sample community into ``community`` and return its root unit (靖城街道党工委).

    Refused with :class:`~communitycore.errors.Conflict` if the root is already there, so the
    sample is never added twice. It takes about two thousand SDK calls, in one transaction: a few seconds on SQLite.
    """
    if find_demo(community) is not None:
        raise Conflict(_("this database already has the sample community ({root}); `community org tree` shows "
                         "it").format(root=DEMO_ROOT), entity="unit", key=DEMO_ROOT)
    with _one_transaction(community) as inside:
        return _Builder(inside, random.Random(seed)).build()


@contextlib.contextmanager
def _one_transaction(community: Community) -> Iterator[Community]:
    """The community on one connection in one transaction, as a host embeds it (see :doc:`/sdk`).

    The sample is added whole or not at all, and its thousand-odd calls become savepoints of one
    commit instead of a commit each. A community already on a host's connection is used as is.
    """
    from communitycore.sdk.community import Community

    if community.bind is not community.engine:
        yield community
        return
    with community.engine.connect() as conn, conn.begin():
        yield Community(conn, registry=community.registry, config=community.config, clock=community.clock,
                        actor=community.actor, capabilities=community.capabilities)


def _import_rows(import_file: Callable[[Path], int], rows: list[dict[str, Any]]) -> None:
    """Hand ``rows`` to an SDK import as a CSV file: one call, one transaction, batched statements."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.csv"
        columns = list(dict.fromkeys(column for row in rows for column in row))
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
        import_file(path)


def _cell(value: Any) -> str:
    """A CSV cell of the import: ISO dates, 是/否 for flags."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(value)
    return "" if value is None else str(value)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Builder:
    """One run of the sample: the random source, today, and the units and members made so far."""

    def __init__(self, community: Community, rng: random.Random) -> None:
        self.community = community
        self.rng = rng
        self.today = community.clock.today()
        self.units: dict[str, OrgUnit] = {}
        self.members: dict[str, list[Any]] = {}
        self._sequence = 10
        # The case studies' people keep their names: no invented person may take one first.
        self._names: set[str] = {name for _unit, name, _gender, _age, _post in _NAMED}

    # People --------------------------------------------------------------------------------------

    def _name(self, gender: str) -> str:
        pool = _GIVEN_MALE if gender == "male" else _GIVEN_FEMALE
        while True:
            given = "".join(self.rng.choice(pool) for _letter in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(_SURNAMES) + given
            if name not in self._names:
                self._names.add(name)
                return name

    def _id_number(self, birth: dt.date, gender: str) -> str:
        # A unique sequence per person, odd for men and even for women (GB 11643), then the check character.
        self._sequence += 1
        sequence = self._sequence * 2 + (1 if gender == "male" else 0)
        first17 = f"{REGION_CODE}{birth:%Y%m%d}{sequence % 1000:03d}"
        return first17 + check_character(first17)

    def _phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10)}{self.rng.randrange(10 ** 8):08d}"

    def _education(self, age: int, cadre: bool) -> str:
        # Roughly the 靖江 figures: three in four secretaries, half the cadres with 大专 or above.
        if cadre and self.rng.random() < 0.4:
            return self.rng.choice(("associate", "bachelor"))
        choices: tuple[str, ...]
        if age >= 70:
            choices = ("primary", "primary", "junior-high", "junior-high", "high-school", "associate")
        elif age >= 50:
            choices = ("junior-high", "high-school", "high-school", "high-school", "associate", "bachelor")
        else:
            choices = ("junior-high", "high-school", "high-school", "associate", "associate", "bachelor",
                       "bachelor", "postgraduate")
        return self.rng.choice(choices)

    def _birth(self, age: int) -> dt.date:
        return _years_before(self.today, age) - dt.timedelta(days=self.rng.randrange(1, 360))

    def _person(self, age: int, *, gender: str | None = None, name: str | None = None,
                cadre: bool = False) -> dict[str, Any]:
        gender = gender or self.rng.choice(("male", "female"))
        birth = self._birth(age)
        return {
            "name": name or self._name(gender),
            "id_number": self._id_number(birth, gender),
            "phone": self._phone(),
            "ethnicity": "汉族" if self.rng.random() < 0.95 else self.rng.choice(_ETHNICITIES),
            "education": self._education(age, cadre),
            "_age": age,
            "_birth": birth,
        }

    def _full_dates(self, birth: dt.date, age: int) -> dict[str, Any]:
        joined_at = self.rng.randint(19, max(19, min(age - 2, 45)))
        join = _years_before(self.today, age - joined_at) + dt.timedelta(days=self.rng.randrange(0, 200))
        join = min(join, self.today - dt.timedelta(days=400))
        join = max(join, birth + dt.timedelta(days=18 * 366))
        return {"join_date": join, "full_date": probation_end(join), "category": "full"}

    # Building ------------------------------------------------------------------------------------

    def build(self) -> OrgUnit:
        self._units()
        self._members()
        self._transfers()
        self._registrations()
        self._compounds_and_residents()
        self._settings()
        self._grants()
        build_year(self.community, self.rng, self.units, secretary=DEMO_SECRETARY,
                   secretary_unit=DEMO_SECRETARY_UNIT, id_number=self._id_number)
        return self.units["street"]

    def _grants(self) -> None:
        """张书记 is the secretary of one branch, 李审计 the auditor of everything (``COMMUNITYCORE_ACTOR=张书记``)."""
        self.community.grants.add(DEMO_SECRETARY, "secretary", self.units[DEMO_SECRETARY_UNIT].id)
        self.community.grants.add(DEMO_AUDITOR, "auditor", None)

    def _units(self) -> None:
        org = self.community.org
        for key, parent, name, kind, extra in _UNITS:
            fields: dict[str, Any] = {k: v for k, v in extra.items() if not k.startswith("term_")}
            if "term_years_ago" in extra:
                start = _years_before(self.today, extra["term_years_ago"]) - dt.timedelta(days=30)
            elif "term_days_ago" in extra:
                start = self.today - dt.timedelta(days=extra["term_days_ago"])
            elif kind in ("branch", "grid-branch", "functional-branch", "joint-branch"):
                # Branch terms (3 years) well inside their span, so only the 总支's term shows up.
                start = self.today - dt.timedelta(days=self.rng.randrange(100, 700))
            else:
                start = None
            if start is not None:
                fields["term_start"] = start
            parent_unit = self.units[parent] if parent else None
            fields.setdefault("approved_by", parent_unit.name if parent_unit else None)
            fields["approved_on"] = start or _years_before(self.today, 3)
            self.units[key] = org.add(name, kind, parent_unit.id if parent_unit else None,
                                      **{k: v for k, v in fields.items() if v is not None})

    def _posts(self, plan: _Plan, kind: str) -> list[str]:
        if plan.posts is not None:
            return list(plan.posts)
        if kind == "party-group":
            return ["group-leader"]
        if plan.full >= 7:  # a committee is required from 7 正式党员
            posts = ["secretary", "organization-member", "publicity-member"]
            if plan.full >= 10:
                posts.append("discipline-member")
            if plan.full >= 15:
                posts.append("deputy-secretary")
            return posts
        return ["secretary"]

    def _members(self) -> None:
        rows: list[dict[str, Any]] = []
        named = {(unit, post): (name, gender, age) for unit, name, gender, age, post in _NAMED}
        extra_named = [(unit, name, gender, age) for unit, name, gender, age, post in _NAMED if post is None]
        kinds = {key: kind for key, _p, _n, kind, _e in _UNITS}
        for key, plan in _PLANS.items():
            unit = self.units[key]
            posts = self._posts(plan, kinds[key])
            # The last full members of a unit carry its 流动 / 失联 cases.
            standings: list[str | None] = [None] * plan.full + ["mobile"] * plan.mobile + ["lost-contact"] * plan.lost
            standings = standings[len(standings) - plan.full:]
            for i in range(plan.full):
                post = posts[i] if i < len(posts) else None
                fixed = named.get((key, post)) if post else None
                if fixed is None and i == len(posts):
                    fixed = next(((n, g, a) for u, n, g, a in extra_named if u == key), None)
                if fixed is not None:
                    person = self._person(fixed[2], gender=fixed[1], name=fixed[0], cadre=post is not None)
                else:
                    person = self._person(self.rng.randint(*plan.ages), cadre=post is not None)
                fields = self._fields(person, plan, post, standings[i])
                fields.update(self._full_dates(person["_birth"], person["_age"]))
                rows.append({"name": person["name"], "unit": unit.id, **fields})
            for due in [True] * plan.due + [False] * plan.recent:
                person = self._person(self.rng.randint(24, 40))
                days = self.rng.randrange(380, 560) if due else self.rng.randrange(30, 300)
                fields = self._fields(person, plan, None)
                fields.update(join_date=self.today - dt.timedelta(days=days), category="probationary")
                rows.append({"name": person["name"], "unit": unit.id, **fields})
        self._import(rows)

    def _import(self, rows: list[dict[str, Any]]) -> None:
        """Add the members in one import (one transaction, set-based), then keep them by unit in order."""
        _import_rows(self.community.members.import_file, rows)
        keys = {unit.id: key for key, unit in self.units.items()}
        for key in _PLANS:
            self.members[key] = []
        for member in self.community.members.list(self.units["street"].id, limit=None):
            self.members[keys[member.unit_id]].append(member)

    def _fields(self, person: dict[str, Any], plan: _Plan, post: str | None,
                standing: str | None = None) -> dict[str, Any]:
        fields = {k: v for k, v in person.items() if not k.startswith("_") and k != "name"}
        if post:
            fields["post"] = post
        if person["_age"] < 60 and (plan.employer is not None or self.rng.random() < 0.2):
            fields["in_service"] = True
            fields["employer"] = plan.employer or self.rng.choice(_EMPLOYERS)
        if standing:
            fields["standing"] = standing
        return fields

    def _plain(self, key: str) -> list[Any]:
        """Full members of a unit without a post (safe to transfer without breaking its committee)."""
        return [m for m in self.members[key] if m.post is None and m.category.value == "full"
                and m.standing.value == "normal"]

    def _transfers(self) -> None:
        moves = (
            ("hx-industry", "hx-enamel", 400, "工作调动，转入工搪企业支部"),
            ("jh-village", "xf-grid2", 200, "城中村改造拆迁安置，迁入幸福社区"),
            ("hx-community", "xf-steward", 120, "担任“红色管家”，转入联合党支部"),
        )
        for source, target, days, reason in moves:
            moving = self._plain(source)[-1]
            self.community.members.transfer(moving.id, self.units[target].id,
                                            on=self.today - dt.timedelta(days=days), reason=reason)

    def _registrations(self) -> None:
        # 双报到: in-service members report to the residential community where they live.
        communities = [self.units["xingfu"], self.units["hongxing"]]
        in_service = [m for key in ("hx-enamel", "hx-industry", "hx-community", "xf-grid1", "xf-grid2", "street")
                      for m in self.members[key] if m.in_service]
        for member in in_service[:14]:
            self.community.members.register_community(
                member.id, self.rng.choice(communities),
                on=self.today - dt.timedelta(days=self.rng.randrange(10, 330)),
                channel=self.rng.choice(("线上", "现场")))

    def _compounds_and_residents(self) -> None:
        org = self.community.org
        rows: list[dict[str, Any]] = []
        for _key, name, tier, unit_key, address in _COMPOUNDS:
            compound = org.add_compound(name, tier, self.units[unit_key].id, address=address)
            for _household in range(self.rng.randint(4, 6)):
                building = f"{self.rng.randint(1, 12)}号楼"
                room = f"{self.rng.randint(1, 6)}{self.rng.randint(0, 2)}{self.rng.randint(1, 4)}"
                # Rows at one address make one household (the import's rule).
                home = {"compound": compound.id, "building": building, "room": room,
                        "address": f"{address}{building}{room}室"}
                rows.extend({**home, **person} for person in self._household_residents(tier))
        _import_rows(self.community.residents.import_file, rows)
        for kind, name, unit_key in _PARTNERS:
            contact = f"0523-8{self.rng.randrange(10 ** 7):07d}"
            org.add_partner(kind, name, self.units[unit_key].id, contact=contact)

    def _household_residents(self, tier: str) -> list[dict[str, Any]]:
        older = tier in ("old", "resettlement")
        roll = self.rng.random()
        if roll < (0.35 if older else 0.15):  # elderly people living alone are commoner in old compounds
            alone = ["living-alone-elderly"] + (["disabled"] if self.rng.random() < 0.3 else [])
            return [{"name": self._name(self.rng.choice(("male", "female"))), "flags": alone}]
        people = []
        size = self.rng.randint(2, 4)
        hardship = roll > (0.8 if older else 0.92)
        for i in range(size):
            flags: list[str] = []
            if hardship:
                flags.append("hardship")
            if i and self.rng.random() < 0.08:
                flags.append("disabled")
            if i == size - 1 and size > 2 and self.rng.random() < 0.15:
                flags.append("left-behind-child")
            if i == 0 and self.rng.random() < 0.1:
                flags.append("veteran")
            phone = self._phone() if i == 0 else None
            people.append({"name": self._name(self.rng.choice(("male", "female"))), "phone": phone, "flags": flags})
        return people

    def _settings(self) -> None:
        org = self.community.org
        registry = self.community.registry
        if "party-lecture" in registry.meeting_types:
            # 红色管家 community: 每周一次党课 (case study 1).
            org.set_setting(self.units["xingfu"].id, "meeting-cadence.party-lecture", "weekly")
        org.set_setting(self.units["street"].id, "request-deadline-hours.general", 72)


__all__ = ["DEFAULT_SEED", "DEMO_ROOT", "REGION_CODE", "build_demo", "find_demo"]
