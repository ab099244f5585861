"""The export sections of services: requests with their evaluations, and the resource list."""

from __future__ import annotations

from communitycore.domain.services import Evaluation, Resource, ServiceRequest
from communitycore.io.exchange import Section
from communitycore.store.tables import services as tables

SERVICE_SECTIONS = (
    Section("service_requests", ServiceRequest, tables.service_requests,
            refs=(("unit_id", "units"), ("resident_id", "residents"))),
    Section("service_evaluations", Evaluation, tables.service_evaluations, refs=(("request_id", "service_requests"),)),
    Section("service_resources", Resource, tables.service_resources,
            refs=(("unit_id", "units"), ("partner_id", "partners"))),
)
