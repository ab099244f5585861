"""Opt in to communitycore's fixtures and register this plugin; each test gets a stream of its own."""

import os
import uuid

import communitycore_redis_events
import pytest
import redis

pytest_plugins = ["communitycore.testing.pytest_plugin"]


@pytest.fixture
def communitycore_plugins():
    """This plugin beside the national builtins."""
    return [communitycore_redis_events]


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch):
    """A fresh stream name on the real server, removed afterwards. An unreachable server fails the test."""
    url = os.environ.get("COMMUNITYCORE_REDIS_URL", communitycore_redis_events.DEFAULT_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"the Redis server at {url} cannot be reached: {exc}", pytrace=False)
    name = f"communitycore:test:{uuid.uuid4().hex}"
    monkeypatch.setenv("COMMUNITYCORE_REDIS_STREAM", name)
    yield client, name
    client.delete(name)
    client.close()
