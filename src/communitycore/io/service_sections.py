"""The export sections of services: requests with their evaluations, and the three lists."""

from __future__ import annotations

from communitycore.domain.services import Evaluation, Resource, ServiceRequest
from communitycore.io.exchange import Section
from communitycore.io.table_sections import LIST_SECTIONS, in_utc
from communitycore.store.tables import services as tables

SERVICE_SECTIONS = (
    Section("service_requests", ServiceRequest, tables.service_requests,
            refs=(("unit_id", "units"), ("resident_id", "residents")),
            from_row=in_utc(ServiceRequest, tables.service_requests)),
    Section("service_evaluations", Evaluation, tables.service_evaluations, refs=(("request_id", "service_requests"),),
            from_row=in_utc(Evaluation, tables.service_evaluations)),
    Section("service_resources", Resource, tables.service_resources,
            refs=(("unit_id", "units"), ("partner_id", "partners")),
            from_row=in_utc(Resource, tables.service_resources)),
    *LIST_SECTIONS,
)
