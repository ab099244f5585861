"""Services: resident requests and their evaluations; the three lists (resources, demands, projects).

A request keeps its current state (the ``resident-request`` workflow; every move is a row of
``cc_workflow_history``) and, for the 接诉即办 metrics, the facts they count, maintained as the
request moves: its deadlines (fixed when it is created, from the settings at its unit), the time
of its first acceptance and latest resolution with the seconds each took, and its latest
evaluation. So the metrics are one ``GROUP BY`` over this table, with no join and no replay.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text

from communitycore.i18n import N_
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units
from communitycore.store.tables import residents as _residents  # noqa: F401 - and at cc_residents

service_requests = Table(
    f"{PREFIX}service_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("category", String(64), nullable=False),
    Column("program", String(64)),
    Column("resident_id", Integer, ForeignKey(f"{PREFIX}residents.id"), index=True),
    Column("urgency", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("state", String(64)),
    Column("assignee_kind", String(16)),
    Column("assignee_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("response_due", DateTime(timezone=True), nullable=False),
    Column("resolution_due", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("response_seconds", Integer),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution_seconds", Integer),
    Column("evaluations", Integer, nullable=False, server_default="0"),
    Column("solved", Boolean),
    Column("satisfaction", String(16)),
    Column("overdue_flagged_at", DateTime(timezone=True)),
    # What the metrics sum, as small integers kept by the workflow steps (see decision 0018):
    # accepted within the response deadline; resolved (latest) after the resolution deadline;
    # the latest evaluation's points, 10 满意, 9 基本满意, 0 不满意, NULL before any evaluation.
    Column("responded", Integer),
    Column("resolved_late", Integer),
    Column("points", Integer),
    # The metrics of a subtree and period, answered from this index alone: a range of creation
    # times, the unit filter, and every column the counts and the medians read.
    Index("ix_cc_service_requests_metrics", "created_at", "unit_id", "state", "responded", "solved", "points",
          "resolved_late", "resolution_seconds", "resolution_due", "response_seconds"),
    Index("ix_cc_service_requests_unit", "unit_id", "created_at"),
    Index("ix_cc_service_requests_state", "state", "resolution_due"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

service_evaluations = Table(
    f"{PREFIX}service_evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey(f"{PREFIX}service_requests.id"), nullable=False, index=True),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    Column("solved", Boolean, nullable=False),
    Column("satisfaction", String(16), nullable=False),
    Column("comment", String(400)),
    Column("actor", String(200), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

service_resources = Table(
    f"{PREFIX}service_resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("partner_id", Integer, ForeignKey(f"{PREFIX}partners.id"), index=True),
    Column("name", String(200), nullable=False),
    Column("category", String(64)),
    Column("description", String(2000)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

service_demands = Table(
    f"{PREFIX}service_demands",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("category", String(64)),
    Column("description", String(2000)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: Which requests a demand was raised from (a demand may gather several).
demand_requests = Table(
    f"{PREFIX}service_demand_requests",
    metadata,
    Column("demand_id", Integer, ForeignKey(f"{PREFIX}service_demands.id"), primary_key=True),
    Column("request_id", Integer, ForeignKey(f"{PREFIX}service_requests.id"), primary_key=True, index=True),
)

service_projects = Table(
    f"{PREFIX}service_projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("demand_id", Integer, ForeignKey(f"{PREFIX}service_demands.id"), index=True),
    Column("name", String(200), nullable=False),
    Column("category", String(64)),
    Column("description", String(2000)),
    Column("state", String(64)),
    Column("partner_id", Integer, ForeignKey(f"{PREFIX}partners.id"), index=True),
    Column("claimed_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("satisfaction", String(16)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

project_milestones = Table(
    f"{PREFIX}service_milestones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey(f"{PREFIX}service_projects.id"), nullable=False, index=True),
    Column("reached_on", Date, nullable=False),
    Column("note", String(400), nullable=False),
    Column("actor", String(200), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: Requests and the three lists are the community's record of service: a unit that has them is
#: not removed unless the caller asks for a cascade, which takes their dependent rows first.
UNIT_LINKS = (
    UnitLink(service_requests.c.unit_id, OnUnitRemoval.REFUSE,
             dependents=(service_evaluations.c.request_id, demand_requests.c.request_id),
             label=N_("{count} service request(s)")),
    UnitLink(service_projects.c.unit_id, OnUnitRemoval.REFUSE, dependents=(project_milestones.c.project_id,),
             label=N_("{count} service project(s)")),
    UnitLink(service_demands.c.unit_id, OnUnitRemoval.REFUSE,
             dependents=(demand_requests.c.demand_id, service_projects.c.demand_id),
             label=N_("{count} service demand(s)")),
    UnitLink(service_resources.c.unit_id, OnUnitRemoval.REFUSE, label=N_("{count} service resource(s)")),
)
