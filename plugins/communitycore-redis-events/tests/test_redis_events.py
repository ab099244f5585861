"""Events reach the real Redis stream, once each, and wait in the outbox while Redis is away."""

import json

import communitycore_redis_events
import pytest

from communitycore.errors import PluginError
from communitycore.testing import check_plugin


def test_the_plugin_conforms():
    check_plugin(communitycore_redis_events)  # raises on a misspelled hook or a bad record


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
    with pytest.raises(PluginError, match="communitycore_redis_events"):
        community.org.add("城南街道党工委", "street-committee")
    assert community.org.count() == 1
    [pending] = community.events.list(status="pending")
    monkeypatch.delenv("COMMUNITYCORE_REDIS_URL")
    communitycore_redis_events._client.cache_clear()
    assert community.events.dispatch(now=True).delivered == 1
    [(_id, entry)] = client.xrange(name)
    assert entry[b"event_id"].decode() == pending.id
