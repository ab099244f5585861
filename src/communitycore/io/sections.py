"""The export sections of the builtin capabilities (org, members, residents), named by their declarations."""

from __future__ import annotations

from communitycore.domain.activity import ActivityEntry
from communitycore.domain.assessments import Appeal, AssessmentResult, AssessmentRevision, AssessmentRun
from communitycore.domain.members import CommunityRegistration, Household, Member, Resident, Transfer
from communitycore.domain.org import Compound, OrgUnit, Partner
from communitycore.domain.workflows import TransitionRecord
from communitycore.io.exchange import Loader, Section, UnitSetting
from communitycore.store.activity import entry_from_row
from communitycore.store.assessments import appeal_from_row, result_from_row, revision_from_row, run_from_row
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import assessments as assessment_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import workflows as workflow_tables
from communitycore.store.workflows import record_from_row

ORG_SECTIONS = (
    Section("units", OrgUnit, org_tables.units, refs=(("parent_id", "units"),), check=Loader.check_units),
    Section("compounds", Compound, org_tables.compounds, refs=(("unit_id", "units"),), check=Loader.check_compounds),
    Section("partners", Partner, org_tables.partners, refs=(("unit_id", "units"),), check=Loader.check_partners),
    Section("unit_settings", UnitSetting, org_tables.unit_settings, order_by=("unit_id", "key"),
            refs=(("unit_id", "units"),), check=Loader.check_unit_settings),
)

MEMBER_SECTIONS = (
    Section("members", Member, member_tables.members, refs=(("unit_id", "units"),), check=Loader.check_members),
    Section("transfers", Transfer, member_tables.transfers,
            refs=(("member_id", "members"), ("from_unit_id", "units"), ("to_unit_id", "units")),
            check=Loader.check_transfers),
    Section("registrations", CommunityRegistration, member_tables.registrations,
            refs=(("member_id", "members"), ("community_unit_id", "units")), check=Loader.check_registrations),
)

RESIDENT_SECTIONS = (
    Section("households", Household, resident_tables.households, refs=(("compound_id", "compounds"),),
            check=Loader.check_households),
    Section("residents", Resident, resident_tables.residents, refs=(("household_id", "households"),),
            check=Loader.check_residents),
)

ACTIVITY_SECTIONS = (
    Section("activity", ActivityEntry, activity_tables.activity,
            refs=(("unit_id", "units"), ("reverses", "activity")), check=Loader.check_activity,
            from_row=entry_from_row),
)

WORKFLOW_SECTIONS = (
    Section("workflow_history", TransitionRecord, workflow_tables.workflow_history, from_row=record_from_row),
)

ASSESSMENT_SECTIONS = (
    Section("assessment_runs", AssessmentRun, assessment_tables.assessment_runs, refs=(("unit_id", "units"),),
            from_row=run_from_row),
    Section("assessment_revisions", AssessmentRevision, assessment_tables.assessment_revisions,
            order_by=("run_id", "revision"), refs=(("run_id", "assessment_runs"),), from_row=revision_from_row),
    Section("assessment_results", AssessmentResult, assessment_tables.assessment_results,
            order_by=("run_id", "revision", "subject_id"), refs=(("run_id", "assessment_runs"),),
            from_row=result_from_row),
    Section("assessment_appeals", Appeal, assessment_tables.assessment_appeals, refs=(("run_id", "assessment_runs"),),
            from_row=appeal_from_row),
)
