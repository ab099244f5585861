"""Events reach the real Redis stream, once each, and wait in the outbox while Redis is away."""

import json

import communitycore_redis_events
import pytest

from communitycore.errors import PluginError
from communitycore.i18n import language
from communitycore.testing import check_plugin, check_translations


def test_the_plugin_conforms():
    check_plugin(communitycore_redis_events)  # raises on a misspelled hook or a bad record


def test_translations():
    """Every message in the catalog and translated."""
    check_translations(communitycore_redis_events)


def test_each_change_is_published_with_its_event_id(community, stream):
    client, name = stream
    street = community.org.add("城南街道党工委", "street-committee")
    community.org.rename(street, "城北街道党工委")
    entries = client.xrange(name)
    fields = [{k.decode(): v.decode() for k, v in entry.items()} for _id, entry in entries]
    assert [f["action"] for f in fields] == ["unit.add", "unit.rename"]
    # The outbox also holds the grant that made the creator administrator, announced when the
    # database was created, before this test's stream was named.
    outbox = {ev.id: ev for ev in community.events.list() if ev.action.startswith("unit.")}
    assert {f["event_id"] for f in fields} == set(outbox)
    assert all(ev.status == "delivered" for ev in outbox.values())
    assert json.loads(fields[0]["data"]) == {}


def test_an_unreachable_server_leaves_the_event_pending(community, stream, monkeypatch):
    client, name = stream
    communitycore_redis_events._client.cache_clear()
    monkeypatch.setenv("COMMUNITYCORE_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    # The testing kit's manager is strict: the failed delivery is raised, after the commit.
    with pytest.raises(PluginError, match="communitycore_redis_events") as failed:
        community.org.add("城南街道党工委", "street-committee")
    assert community.org.count() == 1
    [pending] = community.events.list(status="pending")
    assert f"事件 unit.add（{pending.id}）未能发布到 Redis 流 {name}，仍在发件箱中待发" in str(failed.value)
    with language("en"), pytest.raises(PluginError, match="was not published to the Redis stream"):
        community.org.add("城北街道党工委", "street-committee")
    monkeypatch.delenv("COMMUNITYCORE_REDIS_URL")
    communitycore_redis_events._client.cache_clear()
    waiting = {event.id for event in community.events.list(status="pending")}
    assert pending.id in waiting and len(waiting) == 2
    assert community.events.dispatch(now=True).delivered == 2
    assert {entry[b"event_id"].decode() for _id, entry in client.xrange(name)} == waiting
