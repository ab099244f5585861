"""Workflows as data: the states and transitions plugins and packs register, and the shared history."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="workflows",
    label="工作流",
    label_en="Workflows",
    api="communitycore.sdk.workflows:WorkflowsAPI",
    tables="communitycore.store.tables.workflows",
    sections="communitycore.io.sections:WORKFLOW_SECTIONS",
    labels={"workflow": ("工作流", "Workflow"), "entity_kind": ("对象类型", "Entity kind"),
            "target": ("新状态", "To state")},
    actions=("workflow.read",),
)
