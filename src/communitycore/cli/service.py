"""``community service``: programmes, resident requests (接诉即办), metrics, the three lists, volunteer hours.

JSON shapes are in docs/json.md (Services): a request is ``{"id", "name", "kind": "service-request", …,
"state_label", …, "history": [{"from", "from_label", "to", "to_label", "actor", "at", "note"}]}`` in
``request show``; a metrics object has
``received``, ``response_rate``, ``resolution_rate``, ``satisfaction_rate``, ``composite``,
``median_response_hours``, ``median_resolution_hours`` and ``overdue``.
"""

from __future__ import annotations

from pathlib import Path

import click

from communitycore.cli.params import PLAIN_ID, SERVICE_CATEGORY, SERVICE_PROGRAM, page_options
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.i18n import N_, _

REQUEST_COLUMNS = ("id", "state", "urgency", "channel", "category", "unit_id", "assignee", "created_at",
                   "resolution_due")
METRIC_COLUMNS = ("group", "received", "response_rate", "resolution_rate", "satisfaction_rate", "composite",
                  "median_response_hours", "median_resolution_hours", "overdue")
_AT_HELP = N_("When it happened, if earlier (ISO 8601 local time, e.g. 2025-03-01T08:00); audited as such.")


@click.group("service")
def service() -> None:
    """Services (服务): programmes, resident requests, 接诉即办 metrics, the three lists, volunteer hours.

    \b
    A request goes collected → accepted → assigned → in-progress →
    resolved → evaluated → closed; a negative evaluation reopens it.
    UNIT is a unit id or its full path joined with "/".
    """


@service.command("categories")
@output_options
def categories() -> None:
    """The service categories (维修维护, 爱心帮扶 …)."""
    emit(shown(state().community.services.categories()),
         columns=("id", "name", "label_en", "description"))


@service.command("programs")
@output_options
def programs() -> None:
    """The service programmes (红飘带, 爱心超市 …) with eligibility, urgency, channels and owners."""
    emit(shown(state().community.services.programs()),
         columns=("id", "name", "category", "eligible_flags", "default_urgency", "channels", "owner_kinds"))


# Requests -------------------------------------------------------------------------------------

@service.group("request")
def request() -> None:
    """Resident requests (居民诉求): add, accept, assign, start, resolve, evaluate, close, cancel, show, list."""


@request.command("add")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit that collects it."))
@click.option("--category", metavar="CODE", required=True, type=SERVICE_CATEGORY,
              help=N_("The service category: its code or its name (care or 爱心帮扶)."))
@click.option("--program", metavar="CODE", type=SERVICE_PROGRAM,
              help=N_("The service programme: its code or its name (红飘带 …)."))
@click.option("--resident", type=PLAIN_ID, help=N_("The resident's id."))
@click.option("--urgency", metavar="U", help=N_("emergency, utility, general or complex (default: the programme's, "
                                                "else general)."))
@click.option("--channel", metavar="C", required=True, help=N_("hotline, walk-in, grid, online or signal."))
@click.option("--text", required=True, help=N_("What the resident asks for."))
@click.option("--at", metavar="DATETIME", help=_AT_HELP)
@output_options
def request_add(unit: str, category: str, program: str | None, resident: int | None, urgency: str | None,
                channel: str, text: str, at: str | None) -> None:
    """Collect a request (问题收集); prints it with its deadlines."""
    done = state().community.services.add_request(unit, category=category, program=program, resident=resident,
                                                  urgency=urgency, channel=channel, text=text, at=at)
    emit(shown(done), columns=REQUEST_COLUMNS)


def _move_command(verb: str, help_text: str) -> None:
    @request.command(verb, help=help_text)
    @click.argument("request_id", metavar="REQ", type=PLAIN_ID)
    @click.option("--note", help=N_("A note kept with the step."))
    @click.option("--at", metavar="DATETIME", help=_AT_HELP)
    @output_options
    def command(request_id: int, note: str | None, at: str | None) -> None:
        done = getattr(state().community.services, verb)(request_id, note=note, at=at)
        emit(shown(done), columns=REQUEST_COLUMNS)


_move_command("accept", N_("Accept request REQ (受理)."))
_move_command("start", N_("Start work on request REQ (办理)."))
_move_command("resolve", N_("Resolve request REQ (办结)."))
_move_command("close", N_("Close resolved request REQ without an evaluation."))
_move_command("cancel", N_("Cancel request REQ."))


@request.command("assign")
@click.argument("request_id", metavar="REQ", type=PLAIN_ID)
@click.option("--to", "to", metavar="KIND:ID", help=N_("member:ID, steward:ID, partner:ID or unit:ID (default: "
                                                       "routed by the plugins, else the resident's compound's unit)."))
@click.option("--note", help=N_("A note kept with the step."))
@click.option("--at", metavar="DATETIME", help=_AT_HELP)
@output_options
def request_assign(request_id: int, to: str | None, note: str | None, at: str | None) -> None:
    """Assign request REQ (派单), or reassign it (改派)."""
    done = state().community.services.assign(request_id, to=to, note=note, at=at)
    emit(shown(done), columns=REQUEST_COLUMNS)


@request.command("evaluate")
@click.argument("request_id", metavar="REQ", type=PLAIN_ID)
@click.option("--solved", type=click.Choice(["yes", "no"]), required=True, help=N_("Whether the problem is solved."))
@click.option("--satisfaction", required=True, help=N_("满意, 基本满意 or 不满意 (satisfied, basic, dissatisfied)."))
@click.option("--comment", help=N_("The resident's words."))
@click.option("--at", metavar="DATETIME", help=_AT_HELP)
@output_options
def request_evaluate(request_id: int, solved: str, satisfaction: str, comment: str | None, at: str | None) -> None:
    """Record the resident's evaluation of resolved request REQ; a negative one reopens it."""
    done = state().community.services.evaluate(request_id, solved=solved == "yes", satisfaction=satisfaction,
                                               comment=comment, at=at)
    emit(shown(done), columns=REQUEST_COLUMNS)


@request.command("show")
@click.argument("request_id", metavar="REQ", type=PLAIN_ID)
@output_options
def request_show(request_id: int) -> None:
    """Request REQ with its whole history."""
    api = state().community.services
    found = api.get(request_id)
    data = shown(found, history=shown(api.history(request_id)))
    if state().as_json:
        emit(data)
        return
    emit(data, columns=(*REQUEST_COLUMNS, "text"))
    emit(data["history"], columns=("from", "to", "actor", "at", "note"), title=_("History"))


@request.command("list")
@click.option("--state", "state_", metavar="S", help=N_("Only requests in this state."))
@click.option("--unit", metavar="UNIT", help=N_("Only requests of this unit's subtree."))
@page_options()
@output_options
def request_list(state_: str | None, unit: str | None, limit: int, after: int | None) -> None:
    """Requests by id."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.list(state=state_, unit=unit, limit=n, after=after), limit)
    emit(shown(found), columns=REQUEST_COLUMNS)
    more_follow(more, N_("(more requests follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@service.command("overdue")
@click.option("--unit", metavar="UNIT", help=N_("Only requests of this unit's subtree."))
@page_options(cursor=None, offset=True)
@output_options
def overdue(unit: str | None, limit: int, offset: int) -> None:
    """Open requests past their resolution deadline, oldest deadline first."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.overdue(unit=unit, limit=n, offset=offset), limit)
    emit(shown(found), columns=REQUEST_COLUMNS)
    more_follow(more, N_("(more overdue requests follow: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)


@service.command("metrics")
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2025Q1 or 2025年第一季度."))
@click.option("--unit", metavar="UNIT", help=N_("Only requests of this unit's subtree."))
@click.option("--by", type=click.Choice(["category", "program", "unit", "compound"]),
              help=N_("One set of metrics per group."))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the metrics to FILE (.csv or .xlsx)."))
@output_options
def metrics(period: str, unit: str | None, by: str | None, out: Path | None) -> None:
    """接诉即办 metrics: response, resolution and satisfaction rates, composite, medians, overdue."""
    api = state().community.services
    results = api.metrics(period, unit=unit, by=by)
    if out is not None:
        api.write_metrics(results, out, by=by)
    found = shown(results)
    if by is None:
        emit(found[0], columns=METRIC_COLUMNS[1:])
        return
    labels = api.group_labels(by, [group["group"] for group in found])
    for group in found:
        group["group_label"] = labels.get(group["group"], group["group"])
    if state().as_json:
        emit({"id": "all", "name": "all", "kind": "service-metrics", "by": by, "groups": found})
    else:
        emit(found, columns=METRIC_COLUMNS)


# Volunteer hours ------------------------------------------------------------------------------

@service.group("hours")
def hours() -> None:
    """Volunteer hours (志愿服务时长), recorded by the organizer (谁组织谁记录)."""


@hours.command("add")
@click.option("--member", type=PLAIN_ID, help=N_("The member who served."))
@click.option("--resident", type=PLAIN_ID, help=N_("The resident who served."))
@click.option("--date", "on", required=True, help=N_("The day of the service."))
@click.option("--hours", "amount", required=True, help=N_("Hours served (at most two decimal places)."))
@click.option("--activity", required=True, help=N_("What was done."))
@click.option("--project", type=PLAIN_ID, help=N_("The project it served."))
@click.option("--request", "request_id", type=PLAIN_ID, help=N_("The request it served."))
@output_options
def hours_add(member: int | None, resident: int | None, on: str, amount: str, activity: str, project: int | None,
              request_id: int | None) -> None:
    """Record one person's hours for one activity in the activity ledger."""
    done = state().community.services.record_hours(member=member, resident=resident, on=on, hours=amount,
                                                   activity=activity, project=project, request=request_id)
    emit(shown(done, paths={}),
         columns=("id", "subject_kind", "subject_id", "occurred_on", "quantity", "source_kind", "source_id"))


@service.command("stars")
@click.option("--unit", metavar="UNIT", help=N_("Only hours counted for this unit's subtree; its star thresholds."))
@page_options(cursor=None, offset=True)
@output_options
def stars(unit: str | None, limit: int, offset: int) -> None:
    """Volunteers' cumulative hours and star levels (星级志愿者), most hours first."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.stars(unit=unit, limit=n, offset=offset), limit)
    emit(shown(found),
         columns=("subject_kind", "subject_id", "hours", "stars"))
    more_follow(more, N_("(more volunteers follow: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)


# The three lists ------------------------------------------------------------------------------

@service.group("resource")
def resource() -> None:
    """The resource list (资源清单): what partners and units offer."""


@resource.command("add")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit whose list it is on."))
@click.option("--name", required=True, help=N_("What is offered."))
@click.option("--partner", type=PLAIN_ID, help=N_("The partner that offers it."))
@click.option("--category", metavar="CODE", type=SERVICE_CATEGORY,
              help=N_("The service category: its code or its name."))
@click.option("--description", help=N_("More about it."))
@output_options
def resource_add(unit: str, name: str, partner: int | None, category: str | None, description: str | None) -> None:
    """Add a resource; prints it with its new id."""
    done = state().community.services.add_resource(unit, name=name, partner=partner, category=category,
                                                   description=description)
    emit(shown(done), columns=("id", "name", "unit_id", "partner_id", "category"))


@resource.command("list")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@page_options()
@output_options
def resource_list(unit: str | None, limit: int, after: int | None) -> None:
    """The resource list, by id."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.resources(unit=unit, limit=n, after=after), limit)
    emit(shown(found), columns=("id", "name", "unit_id", "partner_id", "category"))
    more_follow(more, N_("(more resources follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@service.group("demand")
def demand() -> None:
    """The demand list (需求清单): community needs, raised from requests or on their own."""


@demand.command("add")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit whose list it is on."))
@click.option("--name", required=True, help=N_("The need."))
@click.option("--category", metavar="CODE", type=SERVICE_CATEGORY,
              help=N_("The service category: its code or its name."))
@click.option("--description", help=N_("More about it."))
@click.option("--from-request", "from_requests", type=PLAIN_ID, multiple=True,
              help=N_("A request it is raised from (repeatable)."))
@output_options
def demand_add(unit: str, name: str, category: str | None, description: str | None,
               from_requests: tuple[int, ...]) -> None:
    """Add a demand; prints it with its new id."""
    done = state().community.services.add_demand(unit, name=name, category=category, description=description,
                                                 from_requests=from_requests)
    emit(shown(done), columns=("id", "name", "unit_id", "category", "request_ids"))


@demand.command("list")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@page_options()
@output_options
def demand_list(unit: str | None, limit: int, after: int | None) -> None:
    """The demand list, by id."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.demands(unit=unit, limit=n, after=after), limit)
    emit(shown(found), columns=("id", "name", "unit_id", "category", "request_ids"))
    more_follow(more, N_("(more demands follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@service.group("project")
def project() -> None:
    """The project list (项目清单): work items from demands, claimed by partners (认领) and delivered."""


_PROJECT_COLUMNS = ("id", "name", "state", "unit_id", "demand_id", "partner_id")


@project.command("add")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit whose list it is on."))
@click.option("--name", required=True, help=N_("The work item."))
@click.option("--demand", type=PLAIN_ID, help=N_("The demand it answers."))
@click.option("--category", metavar="CODE", type=SERVICE_CATEGORY,
              help=N_("The service category: its code or its name."))
@click.option("--description", help=N_("More about it."))
@output_options
def project_add(unit: str, name: str, demand: int | None, category: str | None, description: str | None) -> None:
    """Add a project, open for claiming; prints it with its new id."""
    done = state().community.services.add_project(unit, name=name, demand=demand, category=category,
                                                  description=description)
    emit(shown(done), columns=_PROJECT_COLUMNS)


@project.command("list")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@page_options()
@output_options
def project_list(unit: str | None, limit: int, after: int | None) -> None:
    """The project list, by id."""
    api = state().community.services
    found, more = fetch_page(lambda n: api.projects(unit=unit, limit=n, after=after), limit)
    emit(shown(found), columns=_PROJECT_COLUMNS)
    more_follow(more, N_("(more projects follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@project.command("claim")
@click.argument("project_id", metavar="PROJECT", type=PLAIN_ID)
@click.option("--partner", type=PLAIN_ID, required=True, help=N_("The partner that claims it."))
@output_options
def project_claim(project_id: int, partner: int) -> None:
    """A partner claims an open project (认领)."""
    emit(shown(state().community.services.claim_project(project_id, partner=partner)),
         columns=_PROJECT_COLUMNS)


@project.command("milestone")
@click.argument("project_id", metavar="PROJECT", type=PLAIN_ID)
@click.option("--date", "on", required=True, help=N_("The day it was reached."))
@click.option("--note", required=True, help=N_("What was reached."))
@output_options
def project_milestone(project_id: int, on: str, note: str) -> None:
    """Record a milestone of a claimed project."""
    done = state().community.services.add_milestone(project_id, on=on, note=note)
    emit(shown(done),
         columns=("id", "project_id", "reached_on", "note"))


@project.command("deliver")
@click.argument("project_id", metavar="PROJECT", type=PLAIN_ID)
@output_options
def project_deliver(project_id: int) -> None:
    """Mark a claimed project delivered."""
    emit(shown(state().community.services.deliver_project(project_id)),
         columns=_PROJECT_COLUMNS)


@project.command("evaluate")
@click.argument("project_id", metavar="PROJECT", type=PLAIN_ID)
@click.option("--satisfaction", required=True, help=N_("满意, 基本满意 or 不满意."))
@output_options
def project_evaluate(project_id: int, satisfaction: str) -> None:
    """The residents' evaluation of a delivered project."""
    emit(shown(state().community.services.evaluate_project(project_id, satisfaction=satisfaction)),
         columns=(*_PROJECT_COLUMNS, "satisfaction"))


@service.command("trace")
@click.argument("kind", type=click.Choice(["request", "demand", "project"]))
@click.argument("entity_id", metavar="ID", type=PLAIN_ID)
@output_options
def trace(kind: str, entity_id: int) -> None:
    """Follow a request → demand → project → volunteer hours → points, and back."""
    found = state().community.services.trace(kind, entity_id)
    hours_rows = shown(found["entries"], paths={})
    points_rows = shown(found["points"])
    data = {"id": f"{kind}:{entity_id}", "name": f"{kind}:{entity_id}", "kind": "service-trace",
            "requests": found["requests"], "demands": found["demands"], "projects": found["projects"],
            "hours": hours_rows, "points": points_rows}
    if state().as_json:
        emit(data)
        return
    emit(data, columns=("requests", "demands", "projects"))
    emit(hours_rows, columns=("id", "subject_kind", "subject_id", "occurred_on", "quantity", "source_kind",
                              "source_id"), title=_("Volunteer hours"))
    if points_rows:
        emit(points_rows, columns=("run_id", "scheme", "period", "subject_kind", "subject_id", "item", "quantity",
                                   "points"), title=_("Points in assessment runs"))


@service.command("certificate")
@click.argument("person", metavar="PERSON")
@click.option("--year", type=click.IntRange(1, 9999), required=True, help=N_("The year whose hours it lists."))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=N_("The certificate FILE (.html), printable."))
@output_options
def certificate(person: str, year: int, out: Path) -> None:
    """A volunteer-service certificate for PERSON (member:ID or resident:ID): the hours of one year."""
    data = state().community.services.write_certificate(person, year, out)
    emit({"id": data["number"], "name": data["name"], "kind": "certificate", "file": str(out),
          "person": data["volunteer"], "year": year, "hours": float(data["total"]), "entries": len(data["entries"])},
         columns=("id", "name", "person", "year", "hours", "file"))


@service.command("employer-feedback")
@click.option("--period", metavar="PERIOD", required=True, help=N_("The quarter, e.g. 2025Q1."))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=N_("The FILE to write (.csv or .xlsx)."))
@output_options
def employer_feedback(period: str, out: Path) -> None:
    """双报到 feedback: per employer, the service record of its in-service members over PERIOD."""
    rows = state().community.services.write_employer_feedback(period, out)
    emit({"id": str(out), "name": out.name, "kind": "employer-feedback", "file": str(out), "period": period,
          "rows": len(rows)}, columns=("file", "period", "rows"))
