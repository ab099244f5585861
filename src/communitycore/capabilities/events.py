"""Events: the transactional outbox and its delivery to listeners (``communitycore_on_event``)."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="events",
    label="事件",
    label_en="Events",
    api="communitycore.sdk.events:EventsAPI",
    tables="communitycore.store.tables.outbox",
    commands=("communitycore.cli.events:events",),
    labels={"attempts": ("投递次数", "Attempts"), "last_error": ("最近一次错误", "Last error")},
    actions=("events.read", "events.dispatch"),
)
