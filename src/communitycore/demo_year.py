"""A year of the sample community's work, so that ``community demo`` shows every capability in use.

On top of the tree and the people that :mod:`communitycore.demo` builds, :func:`build_year` adds,
through the ordinary SDK calls and as the demo's actors (张书记 for 社区支部's own business, the
database's creator for the rest):

* the last full calendar year of 三会一课 at every branch and party group, by their cadence (the
  红色管家 community's weekly Party class included), with a few meetings missed and some members
  absent, two of 老党员支部 for months on end;
* 社区支部's 民主评议党员 for that year, and one appeal against it, lodged and decided;
* resident requests in every state of the request workflow, the evaluated ones with the
  resident's evaluation; the three lists with a project claimed by a partner unit; volunteer hours;
* the 红色管家 roster: stewards admitted after their public notice, one on notice now, and the
  quarterly review of the year's last quarter, applied;
* candidates for membership at a few steps of the 25, and 社区支部's dues for the last full month.

Like the rest of the sample, everything comes from the builder's random source and is dated
relative to the community's clock: the same seed and day give the same year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from communitycore.domain.activity import NewEntry
from communitycore.domain.members import COMMITTEE_POSTS
from communitycore.domain.periods import Period

if TYPE_CHECKING:
    from communitycore.domain.org import OrgUnit
    from communitycore.sdk.community import Community

#: The 三会一课 the sample checks at every unit (民主评议 and 主题党日 are left to the locality).
REQUIRED_MEETINGS = ("branch-general-meeting", "branch-committee-meeting", "party-group-meeting", "party-lecture")
#: The unit kinds that hold 支部党员大会, 支委会 and 党课.
_BRANCH_KINDS = ("branch", "joint-branch", "grid-branch", "functional-branch")

# Meetings left out on purpose: (unit key, type, month) — the 台账 shows them as missed.
_MISSED = (
    ("jh-yixin", "branch-committee-meeting", 4),
    ("jh-yixin", "branch-committee-meeting", 8),
    ("jh-village", "branch-general-meeting", 9),
    ("hx-veterans", "party-lecture", 5),
    ("xf-grid1-b3", "party-group-meeting", 2),
)
#: Weeks of the weekly Party class a branch missed (ISO week numbers).
_MISSED_WEEKS = {"xf-grid2": (6, 31)}

_TOPICS = {
    "branch-general-meeting": ("学习贯彻党的二十大精神", "讨论发展党员工作", "通报党费收缴情况", "研究年度工作总结"),
    "branch-committee-meeting": ("研究月度重点工作", "讨论困难党员帮扶", "部署主题党日活动", "研究网格服务事项"),
    "party-group-meeting": ("学习党章党规", "交流楼栋服务情况", "收集居民诉求"),
    "party-lecture": ("书记讲党课：为民服务解难题", "党史学习教育专题党课", "红色管家服务专题党课",
                      "党员先锋模范作用专题党课"),
}
_REASONS = ("外出务工", "生病住院", "出差", "照顾家人")


def dashboard_year(today: dt.date) -> int:
    """The year the sample's records cover: the last full calendar year before ``today``."""
    return today.year - 1


def dues_month(today: dt.date) -> str:
    """The month of the sample's dues: the last full month before ``today`` (``YYYY-MM``)."""
    return f"{today.replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def dashboard_period(community: Community) -> str:
    """The period code the sample's records cover (its year), for the dashboard of the sample."""
    return str(Period.parse(str(dashboard_year(community.clock.today()))))


def summary(community: Community, root: OrgUnit, *, auditor: str) -> dict[str, Any]:
    """What the sample holds of each capability over its year, counted through the SDK as ``auditor``.

    Counts only, the same for the same seed and day: meetings held and missed (the 台账's windows)
    with the absences; assessment runs and appeals; requests per workflow state with evaluations,
    the three lists and volunteer hours; the 红色管家 roster; candidates and a month of dues.
    """
    reader = community.as_actor(auditor)
    today = community.clock.today()
    period = dashboard_period(community)
    held = reader.meetings.list(unit=root.id, period=period, status="held", limit=None)
    ledger = reader.meetings.compliance(root.id, period)
    requests = reader.services.list(unit=root.id, limit=None)
    states = {s.code: 0 for s in reader.workflows.definition("resident-request").states}
    for request in requests:
        states[request.state] = states.get(request.state, 0) + 1
    projects = reader.services.projects(unit=root.id)
    hours = sum((v.value for v in reader.activity.values("volunteer-hours", period, unit=root.id)), Decimal(0))
    appeals = reader.assessments.appeals()
    entries = reader.rosters.list(program="red-steward", unit=root.id, limit=None) \
        if "red-steward" in community.registry.roster_programs else []
    month = dues_month(today)
    dues = reader.dues.amounts(month=month, unit=root.id) if community.registry.dues_categories else []
    unpaid = {a.member_id for a in reader.dues.arrears(unit=root.id, through=month, since=month)
              if month in a.unpaid_months} if dues else set()
    return {
        "period": period,
        "meetings": {"held": len(held), "missed": sum(r.required - r.held for r in ledger.rows),
                     "absences": sum(1 for m in held for a in m.attendance if a.presence.value != "present"),
                     "absent_for_months": len(ledger.absences)},
        # The roster's quarterly review is a run of its own scheme: counted with the roster.
        "assessments": {"runs": sum(1 for r in reader.assessments.runs(limit=None) if r.scheme != "red-steward"),
                        "appeals": len(appeals),
                        "decided": sum(1 for a in appeals if a.state in ("upheld", "rejected"))},
        "services": {"requests": states, "evaluations": sum(r.evaluations for r in requests),
                     "demands": len(reader.services.demands(unit=root.id)),
                     "resources": len(reader.services.resources(unit=root.id)),
                     "projects": len(projects), "claimed": sum(1 for p in projects if p.partner_id is not None),
                     "volunteer_hours": hours},
        "rosters": {"program": "red-steward",
                    "serving": sum(1 for e in entries if e.state in ("admitted", "active", "warned")),
                    "on_notice": sum(1 for e in entries if e.state == "on-notice"),
                    "reviews": len(reader.assessments.runs(scheme="red-steward", limit=None))
                    if "red-steward" in community.registry.scoring_schemes else 0},
        "recruitment": {"candidates": sum(reader.recruitment.counts(unit=root.id).values())},
        "dues": {"month": month, "due": len(dues), "paid": sum(1 for d in dues if d.member_id not in unpaid)},
    }


def build_year(community: Community, rng: random.Random, units: dict[str, OrgUnit], *,
               secretary: str, secretary_unit: str, id_number: Callable[[dt.date, str], str]) -> None:
    """Add the sample's year of work to a community whose tree, members and residents are built.

    ``units`` maps the sample's unit keys to the units made; ``secretary`` holds a grant on the
    unit ``secretary_unit`` and records its business; ``id_number`` makes a new, unique
    公民身份号码 from a birth date and a gender.
    """
    _Year(community, rng, units, community.as_actor(secretary), secretary_unit, id_number).build()


class _Year:
    """One run: the communities of both actors, the random source, the year, and what was made."""

    def __init__(self, community: Community, rng: random.Random, units: dict[str, OrgUnit],
                 secretary: Community, secretary_unit: str, id_number: Callable[[dt.date, str], str]) -> None:
        self.admin = community
        self.secretary = secretary
        self.secretary_unit = secretary_unit
        self.rng = rng
        self.units = units
        self.id_number = id_number
        self.today = community.clock.today()
        self.year = dashboard_year(self.today)
        self.tz = community.clock.tz
        self.members: dict[str, list[Any]] = {}
        group = self.units["xf-grid1-b3"].id
        self._drifting = {m.id for m in self._roll("xf-grid1-b3") if m.unit_id == group and m.post is None}

    def build(self) -> None:
        self._meetings()
        self._appraisal()
        self._services()
        self._roster()
        self._recruitment()
        self._dues()

    def _as(self, key: str) -> Community:
        """The actor who records a unit's business: the secretary on their own unit, else the creator."""
        return self.secretary if key == self.secretary_unit else self.admin

    def _roll(self, key: str) -> list[Any]:
        """The active members of a unit's subtree (those a meeting of the unit invites)."""
        if key not in self.members:
            self.members[key] = list(self.admin.members.list(self.units[key].id, limit=None))
        return self.members[key]

    def _day(self, month: int, low: int = 1, high: int = 28) -> dt.date:
        return dt.date(self.year, month, self.rng.randint(low, high))

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    # Meetings ------------------------------------------------------------------------------------

    def _meetings(self) -> None:
        registry = self.admin.registry
        required = [code for code in REQUIRED_MEETINGS if code in registry.meeting_types]
        self.admin.org.set_setting(self.units["street"].id, "required-meeting-types", required)
        kinds = {key: unit.kind for key, unit in self.units.items()}
        # 幸福社区党委 holds its Party class weekly (the sample's setting): its branches have one a week.
        weekly = {key for key in kinds if key.startswith("xf-")}
        for key, kind in kinds.items():
            if kind in _BRANCH_KINDS:
                self._series(key, "branch-general-meeting", (3, 6, 9, 12))
                self._series(key, "branch-committee-meeting", range(1, 13))
                if key in weekly:
                    self._weekly_lectures(key)
                else:
                    self._series(key, "party-lecture", (2, 5, 8, 11))
            elif kind == "party-group":
                self._series(key, "party-group-meeting", range(1, 13))

    def _series(self, key: str, type_code: str, months: Sequence[int]) -> None:
        if type_code not in self.admin.registry.meeting_types:
            return
        for month in months:
            if (key, type_code, month) in _MISSED:
                continue
            self._hold(key, type_code, self._day(month, 5, 25))

    def _weekly_lectures(self, key: str) -> None:
        # Every Thursday of the year: the weekly Party class of the 红色管家 community.
        day = dt.date(self.year, 1, 1)
        day += dt.timedelta(days=(3 - day.weekday()) % 7)
        missed = _MISSED_WEEKS.get(key, ())
        while day.year == self.year:
            if day.isocalendar().week not in missed:
                self._hold(key, "party-lecture", day)
            day += dt.timedelta(days=7)

    def _hold(self, key: str, type_code: str, day: dt.date) -> None:
        meeting_type = self.admin.registry.meeting_types[type_code]
        unit = self.units[key]
        roll = self._roll(key)
        if meeting_type.attendees == "committee":
            due = [m for m in roll if m.unit_id == unit.id and m.post is not None and m.post.value in COMMITTEE_POSTS]
        else:
            due = list(roll)
        host = next((m.name for m in due if m.post is not None and m.post.value in ("secretary", "group-leader")),
                    due[0].name if due else unit.name)
        recorder = next((m.name for m in due if m.post is not None and m.post.value == "organization-member"), host)
        present: list[int] = []
        absent: dict[int, str | None] = {}
        leave: list[int] = []
        # Two members of 3号楼党小组 stop coming from June on (党章 §9's case): at the group's monthly
        # meetings and at their grid branch's, month after month.
        drifting = self._drifting if day.month >= 6 else set()
        for member in due:
            roll_of_dice = self.rng.random()
            if member.id in drifting:
                absent[member.id] = None
            elif roll_of_dice < 0.06:
                absent[member.id] = self.rng.choice(_REASONS)
            elif roll_of_dice < 0.09:
                leave.append(member.id)
            else:
                present.append(member.id)
        topics = _TOPICS[type_code]
        topic = topics[(day.month + day.day) % len(topics)]
        self._as(key).meetings.record(
            unit.id, type_code, on=day, topic=topic, host=host, recorder=recorder,
            minutes=f"{topic}。与会党员交流发言，形成会议记录。", present=present, absent=absent, leave=leave)

    # Assessment ----------------------------------------------------------------------------------

    def _appraisal(self) -> None:
        """社区支部's 民主评议党员 of the year: the vote tally, the run, one appeal lodged and decided."""
        if "democratic-appraisal" not in self.admin.registry.scoring_schemes:
            return
        key = self.secretary_unit
        branch = self._as(key)
        voters = [m for m in self._roll(key) if m.category.value == "full"]
        tally = len(voters)
        day = dt.date(self.year, 12, 18)
        entries: list[NewEntry] = []
        doubted = voters[-1]
        for i, member in enumerate(voters):
            if member.id == doubted.id:
                votes = (1, tally - 8, 5, 2)  # 基本合格 on the count; the appeal contests the 不合格 votes
            elif i < 4:
                excellent = self.rng.randint(tally * 3 // 4, tally)
                votes = (excellent, tally - excellent, 0, 0)
            else:
                excellent = self.rng.randint(0, tally // 3)
                basic = self.rng.choice((0, 0, 1))
                votes = (excellent, tally - excellent - basic, basic, 0)
            for fact, count in zip(("appraisal-excellent", "appraisal-qualified", "appraisal-basically-qualified",
                                    "appraisal-unqualified"), votes, strict=True):
                if count:
                    entries.append(NewEntry(subject_kind="member", subject_id=member.id, fact=fact, on=day,
                                            quantity=count, note="民主测评计票"))
        branch.activity.record_many(entries, source="民主测评")
        run = branch.assessments.run("democratic-appraisal", str(self.year), self.units[key].id)
        appeal = branch.assessments.appeal(run.id, doubted.id, "appraisal-unqualified",
                                           reason="计票时两张空白票被计为不合格票")
        branch.assessments.review(appeal.id, note="支委会调取测评票复核")
        branch.assessments.decide(appeal.id, accept=True, quantity=0, reason="复核测评票，两张为空白票，予以更正")

    # Services ------------------------------------------------------------------------------------

    def _services(self) -> None:
        services = self.admin.services
        residents = [r for r in self.admin.residents.list(limit=None)]
        partners = {p.name: p for p in self.admin.org.partners()}
        stewards = [m for m in self._roll("xf-steward") if m.unit_id == self.units["xf-steward"].id]
        property_company = partners["靖江市幸福物业服务有限公司"]
        requests = []
        for i, (key, category, text, channel, final) in enumerate(_REQUESTS):
            month = 1 + i * 11 // (len(_REQUESTS) - 1)
            created = self._at(self._day(month, 1, 20), 9, self.rng.randrange(60))
            resident = residents[(i * 7) % len(residents)]
            request = services.add_request(self.units[key].id, category=category, text=text, channel=channel,
                                           resident=resident.id, at=created)
            requests.append(request.id)
            to = (f"partner:{property_company.id}" if category == "maintenance"
                  else f"member:{stewards[i % len(stewards)].id}")
            self._carry(request.id, created, final, to)
        # The three lists: what partners offer, what residents need (raised from requests), what is done.
        hospital, school = partners["靖江市人民医院"], partners["靖江市第一中学"]
        xingfu = self.units["xingfu"].id
        services.add_resource(xingfu, name="义诊及健康讲座", partner=hospital.id, category="care",
                              description="每月一次社区义诊，季度健康讲座")
        services.add_resource(xingfu, name="课后托管志愿者", partner=school.id, category="culture",
                              description="教师志愿者每周两次课后辅导")
        services.add_resource(xingfu, name="物业维修工具及人员", partner=property_company.id, category="maintenance")
        care = services.add_demand(xingfu, name="独居老人健康随访", category="care",
                                   description="独居老人希望定期量血压、送药上门", from_requests=requests[:2])
        services.add_demand(xingfu, name="老旧小区楼道照明改造", category="maintenance",
                            description="幸福里小区多栋楼道灯损坏", from_requests=requests[2:4])
        project = services.add_project(xingfu, name="独居老人健康守护行动", demand=care.id, category="care",
                                       description="医护党员结对独居老人，每月上门随访")
        services.claim_project(project.id, partner=hospital.id, note="市人民医院党委认领")
        services.add_milestone(project.id, on=dt.date(self.year, 10, 15), note="完成首轮上门随访32户")
        services.add_project(xingfu, name="四点半课堂", category="culture", description="放学后学生托管与辅导")
        # Volunteer hours (谁组织谁记录): the 义工服务队 every month, in one batch.
        entries = [NewEntry(subject_kind="member", subject_id=member.id, fact="volunteer-hours",
                            on=self._day(month), quantity=Decimal(self.rng.choice((2, 3, 4))),
                            note="义工服务队志愿服务")
                   for member in self._roll("hx-volunteers") for month in range(1, 13)]
        self.admin.activity.record_many(entries, source="义工服务队台账")

    def _carry(self, request_id: int, created: dt.datetime, final: str, to: str) -> None:
        """Move a request along the workflow from ``collected`` to ``final``, a few hours or days a step."""
        services = self.admin.services
        when = _steps(created, self.rng)
        if final == "collected":
            return
        if final == "cancelled":
            services.cancel(request_id, note="居民已自行解决，撤回诉求", at=next(when))
            return
        services.accept(request_id, at=next(when))
        if final == "accepted":
            return
        services.assign(request_id, to=to, at=next(when))
        if final == "assigned":
            return
        services.start(request_id, at=next(when))
        if final == "in-progress":
            return
        services.resolve(request_id, note="已办结", at=next(when))
        if final == "resolved":
            return
        if final == "evaluated":
            # Not solved: the evaluation reopens it; solved the second time, the evaluation is awaited.
            services.evaluate(request_id, solved=False, satisfaction="dissatisfied", comment="问题仍未解决",
                              at=next(when))
            services.assign(request_id, to=to, at=next(when))
            services.start(request_id, at=next(when))
            services.resolve(request_id, note="返工后办结", at=next(when))
            services.move(request_id, "evaluated", note="居民回访中", at=next(when))
            return
        verdict = self.rng.choice(("satisfied", "satisfied", "satisfied", "basically-satisfied"))
        services.evaluate(request_id, solved=True, satisfaction=verdict, comment="感谢社区及时解决", at=next(when))

    # Roster --------------------------------------------------------------------------------------

    def _roster(self) -> None:
        """红色管家: stewards admitted after their notice, one on notice now, the last quarter's review."""
        rosters = self.admin.rosters
        if "red-steward" not in self.admin.registry.roster_programs:
            return
        steward_unit = self.units["xf-steward"]
        members = [m for m in self._roll("xf-steward") if m.unit_id == steward_unit.id and m.category.value == "full"]
        company = next(p for p in self.admin.org.partners() if p.name == "靖江市幸福物业服务有限公司")
        admitted = []
        for i, member in enumerate(members[:5]):
            applied = dt.date(self.year, 2, 1 + i)
            entry = rosters.apply("red-steward", member=member.id, on=applied, note="支部推荐")
            admitted.append(self._admit(entry.id, applied))
        staff = rosters.apply("red-steward", partner=company.id, staff_name="周海峰", unit=steward_unit.id,
                              on=dt.date(self.year, 2, 8), note="物业公司推荐")
        admitted.append(self._admit(staff.id, dt.date(self.year, 2, 8)))
        for entry_id in admitted:
            rosters.add_training(entry_id, on=dt.date(self.year, 4, 20), hours=4, topic="红色管家业务培训")
            rosters.add_training(entry_id, on=dt.date(self.year, 9, 12), hours=4, topic="矛盾调处实务")
        # One applicant is on public notice now (公示期内).
        newcomer = members[5]
        entry = rosters.apply("red-steward", member=newcomer.id, on=self.today - dt.timedelta(days=12), note="居民推荐")
        rosters.start_review(entry.id)
        rosters.qualify(entry.id, passed=True, note="资格审查通过")
        rosters.notice(entry.id, start=self.today - dt.timedelta(days=2))
        # The last quarter's ledger of the stewards, then its review (优者上、庸者下).
        quarter = Period.parse(f"{self.year}Q4")
        entries = []
        for entry_id, (activities, effect, satisfaction) in zip(admitted, _STEWARD_QUARTER, strict=False):
            for n in range(activities):
                entries.append(NewEntry(subject_kind="steward", subject_id=entry_id, fact="steward-participation",
                                        on=dt.date(self.year, 10 + n % 3, 3 + n), unit_id=steward_unit.id))
            entries.append(NewEntry(subject_kind="steward", subject_id=entry_id, fact="steward-effect",
                                    on=dt.date(self.year, 12, 20), quantity=effect, unit_id=steward_unit.id))
            entries.append(NewEntry(subject_kind="steward", subject_id=entry_id, fact="steward-satisfaction",
                                    on=dt.date(self.year, 12, 20), quantity=satisfaction, unit_id=steward_unit.id))
        self.admin.activity.record_many(entries, source="红色管家季度台账")
        rosters.review("red-steward", quarter, apply=True)

    def _admit(self, entry_id: int, applied: dt.date) -> int:
        rosters = self.admin.rosters
        rosters.start_review(entry_id, note="党支部资格审查")
        rosters.qualify(entry_id, passed=True, note="符合条件")
        start = applied + dt.timedelta(days=10)
        rosters.notice(entry_id, start=start)
        rosters.admit(entry_id, on=start + dt.timedelta(days=10), note="公示期满无异议")
        rosters.activate(entry_id, note="上岗")
        return entry_id

    # Recruitment and dues ------------------------------------------------------------------------

    def _recruitment(self) -> None:
        """Four applicants to 社区支部, from a fresh application to a development candidate."""
        if not self.admin.registry.recruitment_steps:
            return
        recruitment = self._as(self.secretary_unit).recruitment
        unit_id = self.units[self.secretary_unit].id
        steps = [step.code for step in sorted(self.admin.registry.recruitment_steps.values(), key=lambda s: s.order)]
        plans = (("刘晓雯", "female", 26, 20, "application"), ("陈宇航", "male", 24, 80, "talk"),
                 ("吴佳琪", "female", 31, 200, "activist-training"),
                 ("孙浩然", "male", 29, 520, "development-candidate"))
        for name, gender, age, days_ago, reached in plans:
            birth = dt.date(self.today.year - age, 1 + len(name) % 12, 10)
            applied = self.today - dt.timedelta(days=days_ago)
            candidate = recruitment.apply(name, unit_id, on=applied, id_number=self.id_number(birth, gender),
                                          note="递交入党申请书")
            day = applied
            for code in steps[1:steps.index(reached) + 1]:
                day += dt.timedelta(days=380 if code == "development-candidate" else 20)
                recruitment.record(candidate.id, code, on=min(day, self.today), by="张书记")

    def _dues(self) -> None:
        """社区支部's dues for last month: each member's base from that month, and payments, two unpaid."""
        if not self.admin.registry.dues_categories:
            return
        dues = self._as(self.secretary_unit).dues
        month = dues_month(self.today)
        paid_on = min(self.today, dt.date.fromisoformat(f"{month}-10"))
        members = [m for m in self._roll(self.secretary_unit) if m.unit_id == self.units[self.secretary_unit].id]
        for member in members:
            retired = member.birth_date is not None and member.birth_date.year <= self.today.year - 60
            base = Decimal(self.rng.randrange(30, 95) * 100)
            dues.set_base(member.id, category="retired" if retired else "employed", from_month=month,
                          base=base)
        unpaid = {m.id for m in members[-2:]}
        for due in dues.amounts(month=month, unit=self.units[self.secretary_unit].id):
            if due.member_id not in unpaid:
                dues.pay(due.member_id, month=month, amount=due.amount, on=paid_on)


def _steps(start: dt.datetime, rng: random.Random) -> Iterator[dt.datetime]:
    """Times after ``start``, a few hours to two days apart: when a request moves on."""
    when = start
    while True:
        when += dt.timedelta(hours=rng.choice((2, 3, 5, 20, 26, 45)))
        yield when


#: The stewards' last quarter: activities joined, effect points, resident satisfaction. Scored by
#: the 红色管家 scheme: two 优秀 (promoted), three 良好 (kept), one 一般 (warned).
_STEWARD_QUARTER = ((10, 30, 98), (9, 28, 95), (8, 26, 92), (8, 24, 90), (7, 22, 88), (6, 18, 82))

# Requests: unit key, category, text, channel, the state it is left in.
_REQUESTS = (
    ("xf-grid1", "care", "独居老人王奶奶希望有人定期上门量血压", "grid", "closed"),
    ("xf-grid2", "care", "残疾居民申请轮椅及康复指导", "hotline", "closed"),
    ("xf-grid1", "maintenance", "幸福里小区3号楼楼道灯不亮", "hotline", "closed"),
    ("xf-grid1", "maintenance", "幸福里小区5号楼楼道灯损坏", "walk-in", "closed"),
    ("xf-grid2", "mediation", "楼上漏水引发邻里纠纷", "walk-in", "closed"),
    ("xingfu", "consulting", "咨询医保异地就医备案办理", "online", "closed"),
    ("xf-grid2", "maintenance", "安居苑小区门口路面破损", "grid", "closed"),
    ("xf-grid1", "culture", "希望开放活动室下棋", "online", "closed"),
    ("xingfu", "emergency", "暴雨后地下车库积水", "hotline", "closed"),
    ("xf-grid2", "care", "困难家庭学生申请助学帮扶", "walk-in", "closed"),
    ("xf-grid1", "maintenance", "单元门禁损坏", "hotline", "evaluated"),
    ("xingfu", "mediation", "广场舞噪音扰民", "grid", "cancelled"),
    ("xf-grid2", "consulting", "咨询老年人优待证办理", "online", "cancelled"),
    ("xf-grid1", "care", "独居老人需要助餐服务", "grid", "resolved"),
    ("xf-grid2", "maintenance", "锦绣花园绿化带树木倒伏", "hotline", "resolved"),
    ("xingfu", "culture", "申请使用社区图书室举办读书会", "online", "in-progress"),
    ("xf-grid1", "maintenance", "小区健身器材松动", "grid", "in-progress"),
    ("xf-grid2", "mediation", "车位占用纠纷", "walk-in", "assigned"),
    ("xingfu", "care", "残疾居民申请上门理发", "hotline", "assigned"),
    ("xf-grid1", "consulting", "咨询高龄津贴申领", "walk-in", "accepted"),
    ("xf-grid2", "maintenance", "楼顶防水层渗漏", "hotline", "accepted"),
    ("xingfu", "culture", "希望组织重阳节文艺活动", "online", "collected"),
    ("xf-grid1", "emergency", "电动车楼道充电存在隐患", "grid", "collected"),
)


__all__ = ["REQUIRED_MEETINGS", "build_year", "dashboard_period", "dashboard_year", "dues_month", "summary"]
