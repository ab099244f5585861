"""The portal's responses, through FastAPI's TestClient, on a SQLite file of the host's own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import portal
import pytest
import sample
import sqlalchemy as sa
from fastapi.testclient import TestClient

import communitycore
from communitycore.clock import Clock
from communitycore.testing import FIXED_NOW

NEW_ID = "11010519491231002X"  # valid, and none of the sample's


CLOCK = Clock("Asia/Shanghai", fixed=FIXED_NOW)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The portal's database with the sample and the users, built once; each test works on a copy."""
    path = tmp_path_factory.mktemp("portal") / "portal.db"
    host_engine = sa.create_engine(f"sqlite:///{path}")
    application = portal.create_app(host_engine, clock=CLOCK)
    community = application.state.community
    ids = sample.build(community)
    for login, name, role, unit in sample.USERS:
        portal.add_user(community, login, name, role, unit)
    community.close()
    host_engine.dispose()
    return path, ids


@pytest.fixture
def engine(template: tuple[Path, dict[str, Any]], tmp_path: Path) -> Iterator[sa.Engine]:
    path = tmp_path / "portal.db"
    shutil.copyfile(template[0], path)
    host_engine = sa.create_engine(f"sqlite:///{path}")
    yield host_engine
    host_engine.dispose()


@pytest.fixture
def app(engine: sa.Engine) -> Iterator[Any]:
    application = portal.create_app(engine, clock=CLOCK)
    yield application
    application.state.community.close()


@pytest.fixture
def ids(template: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return template[1]


@pytest.fixture
def client(app: Any) -> TestClient:
    return TestClient(app)


def get(client: TestClient, user: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"X-User": user})


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()["error"]
    return found


def feed_texts(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(portal.feed.c.text).order_by(portal.feed.c.id)))


# Who is asking --------------------------------------------------------------------------------------

def test_a_request_without_a_known_user_is_refused(client: TestClient) -> None:
    assert client.get("/units").status_code == 401
    assert get(client, "nobody", "/units").status_code == 401


def test_each_user_acts_as_their_own_actor_with_their_grant(client: TestClient) -> None:
    zhang = ok(get(client, "zhang", "/me"))
    assert zhang["actor"] == "portal:zhang"
    assert [(g["role"], g["unit"]) for g in zhang["grants"]] == [("secretary", sample.GRID_1)]
    li = ok(get(client, "li", "/me"))
    assert [(g["role"], g["unit_id"]) for g in li["grants"]] == [("auditor", None)]  # the whole database


# Reads, scoped by the grants ----------------------------------------------------------------------

def test_a_secretary_sees_only_their_branch_of_the_tree(client: TestClient) -> None:
    assert [line["path"] for line in ok(get(client, "zhang", "/units"))] == [sample.GRID_1]
    assert [line["path"] for line in ok(get(client, "chen", "/units"))] == [sample.GRID_2]
    tree = ok(get(client, "li", "/units"))
    assert [(line["depth"], line["path"]) for line in tree] == [
        (0, sample.STREET), (1, sample.COMMITTEE), (2, sample.GRID_1), (2, sample.GRID_2)]
    assert tree[0]["kind_label"] == "街道党工委"


def test_labels_follow_the_browser_language(client: TestClient) -> None:
    response = client.get("/units", headers={"X-User": "li", "Accept-Language": "en-GB,en;q=0.9"})
    assert ok(response)[0]["kind_label"] != "街道党工委"


def test_stats_of_the_own_branch_and_a_refusal_above_it(client: TestClient, ids: dict[str, Any],
                                                        app: Any) -> None:
    grid = ok(get(client, "zhang", f"/units/{ids['grid1']}/stats"))
    assert (grid["members"], grid["secretaries"]) == (3, 1)
    assert ok(get(client, "li", f"/units/{ids['committee']}/stats"))["members"] == 5
    refused = error_of(get(client, "zhang", f"/units/{ids['committee']}/stats"), 403)
    assert refused["code"] == "permission-denied"
    # The refusal is in the audit trail: reads run on the engine, outside any transaction of the portal's.
    denials = app.state.community.audit.list(action="access.deny", actor="portal:zhang")
    assert len(denials) == 1


def test_an_unknown_unit_is_404(client: TestClient) -> None:
    refused = error_of(get(client, "li", "/units/999/stats"), 404)
    assert (refused["code"], refused["entity"], refused["key"]) == ("not-found", "unit", 999)


def test_members_of_a_unit_are_masked_for_everyone(client: TestClient, ids: dict[str, Any]) -> None:
    mine = ok(get(client, "zhang", f"/units/{ids['grid1']}/members"))["members"]
    assert [m["name"] for m in mine] == ["张建国", "李芳", "王强"]
    audited = ok(get(client, "li", f"/units/{ids['committee']}/members"))["members"]
    assert len(audited) == 5
    for shown in (*mine, *audited):
        assert shown["revealed"] is False
        assert "*" in shown["id_number"] and len(shown["id_number"]) == 18
    assert mine[0]["id_number"] != "34052419800101001X"
    assert mine[0]["unit"] == sample.GRID_1


def test_members_are_paged(client: TestClient, ids: dict[str, Any]) -> None:
    first = ok(get(client, "li", f"/units/{ids['committee']}/members", limit=2))
    assert len(first["members"]) == 2 and first["next_after"] == first["members"][-1]["id"]
    rest = ok(get(client, "li", f"/units/{ids['committee']}/members", limit=10, after=first["next_after"]))
    assert len(rest["members"]) == 3 and rest["next_after"] is None
    assert get(client, "li", f"/units/{ids['committee']}/members", limit=0).status_code == 422


def test_a_secretary_cannot_list_another_branch(client: TestClient, ids: dict[str, Any]) -> None:
    assert error_of(get(client, "zhang", f"/units/{ids['grid2']}/members"), 403)["code"] == "permission-denied"
    chen = ids["members"]["陈刚"]
    assert get(client, "zhang", f"/members/{chen}").status_code == 403
    assert ok(get(client, "chen", f"/members/{chen}"))["name"] == "陈刚"


def test_the_secretary_reveals_with_a_reason_the_auditor_never(client: TestClient, ids: dict[str, Any],
                                                               app: Any) -> None:
    zhang = ids["members"]["张建国"]
    shown = ok(get(client, "zhang", f"/members/{zhang}", reveal="true", reason="核对党籍"))
    assert (shown["id_number"], shown["revealed"]) == ("34052419800101001X", True)
    assert error_of(get(client, "zhang", f"/members/{zhang}", reveal="true"), 422)["code"] == "invalid-value"
    refused = error_of(get(client, "li", f"/members/{zhang}", reveal="true", reason="检查"), 403)
    assert refused["code"] == "permission-denied"
    masked = ok(get(client, "li", f"/members/{zhang}"))
    assert masked["id_number"] != "34052419800101001X" and masked["revealed"] is False
    reveals = app.state.community.audit.list(action="member.reveal")
    assert [entry.actor for entry in reveals] == ["portal:zhang"]


def test_meeting_compliance(client: TestClient, ids: dict[str, Any]) -> None:
    url = f"/units/{ids['committee']}/meetings/compliance"
    found = ok(get(client, "li", url, period=ids["period"]))
    rows = {(row["unit"], row["type"]): (row["held"], row["required"]) for row in found["rows"]}
    assert rows[("第一网格党支部", "branch-committee-meeting")] == (2, 3)
    assert rows[("第一网格党支部", "branch-general-meeting")] == (1, 1)
    assert rows[("第二网格党支部", "branch-committee-meeting")] == (0, 3)
    assert found["period"] == ids["period"]
    # The code stays; its label comes from the registry, in the browser's language.
    labels = {row["type"]: (row["type_label"], row["cadence_label"]) for row in found["rows"]}
    assert labels["branch-committee-meeting"] == ("支委会", "每月")
    english = client.get(url, params={"period": ids["period"]}, headers={"X-User": "li", "Accept-Language": "en"})
    assert {row["type"]: row["type_label"] for row in ok(english)["rows"]}["branch-committee-meeting"] == (
        "branch committee meeting")
    mine = ok(get(client, "zhang", f"/units/{ids['grid1']}/meetings/compliance", period=ids["period"]))
    assert {row["unit_id"] for row in mine["rows"]} == {ids["grid1"]}
    assert get(client, "zhang", url, period=ids["period"]).status_code == 403
    bad = error_of(get(client, "li", url, period="2026Q5"), 422)
    assert bad["code"] == "invalid-value"


def test_service_metrics(client: TestClient, ids: dict[str, Any]) -> None:
    [grid] = ok(get(client, "wang", f"/units/{ids['grid1']}/services/metrics", period=ids["period"]))
    assert (grid["received"], grid["evaluated"], grid["overdue"]) == (3, 1, 1)
    assert grid["satisfaction_rate"] == 1.0
    [other] = ok(get(client, "wang", f"/units/{ids['grid2']}/services/metrics", period=ids["period"]))
    assert other["received"] == 0
    by = ok(get(client, "li", f"/units/{ids['committee']}/services/metrics", period=ids["period"], by="category"))
    assert sorted(group["id"] for group in by) == ["care", "maintenance", "mediation"]
    assert get(client, "li", f"/units/{ids['committee']}/services/metrics", period=ids["period"],
               by="colour").status_code == 422
    # A secretary's role covers meetings, not services (docs/security.md).
    assert get(client, "zhang", f"/units/{ids['grid1']}/services/metrics", period=ids["period"]).status_code == 403


# Writes, in the portal's own transaction --------------------------------------------------------------

def post_member(client: TestClient, user: str, unit_id: int, **body: Any) -> Any:
    return client.post(f"/units/{unit_id}/members", json=body, headers={"X-User": user})


def test_a_member_and_the_portals_row_commit_together(client: TestClient, ids: dict[str, Any],
                                                     engine: sa.Engine) -> None:
    response = post_member(client, "zhang", ids["grid1"], name="刘洋", id_number=NEW_ID, post="纪检委员")
    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["name"], added["unit"], added["revealed"]) == ("刘洋", sample.GRID_1, False)
    assert feed_texts(engine) == [f"张建国 added member #{added['id']}"]
    names = [m["name"] for m in ok(get(client, "zhang", f"/units/{ids['grid1']}/members"))["members"]]
    assert names[-1] == "刘洋"


def test_refused_and_bad_writes_leave_nothing(client: TestClient, ids: dict[str, Any], engine: sa.Engine) -> None:
    assert error_of(post_member(client, "zhang", ids["grid2"], name="刘洋", id_number=NEW_ID), 403)
    assert error_of(post_member(client, "li", ids["grid1"], name="刘洋", id_number=NEW_ID), 403)
    bad = error_of(post_member(client, "zhang", ids["grid1"], name="刘洋", id_number="110105194912310021"), 422)
    assert bad["code"] == "rejected-input"
    assert [p["field"] for p in bad["problems"]] == ["id_number"]
    duplicate = error_of(post_member(client, "zhang", ids["grid1"], name="李芳二", id_number="120103198806018241"),
                         409)
    assert duplicate["code"] == "conflict"
    assert get(client, "zhang", "/units/999/members").status_code == 404
    assert feed_texts(engine) == []
    assert ok(get(client, "li", f"/units/{ids['committee']}/stats"))["members"] == 5


def test_a_failing_host_step_rolls_back_the_library_change(app: Any, ids: dict[str, Any], engine: sa.Engine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    delivered: list[str] = []

    class Listener:
        @communitycore.hookimpl
        def communitycore_on_event(self, event: communitycore.Event) -> None:
            delivered.append(event.action)

    app.state.community.pm.register(Listener(), name="listener")

    def broken(_self: portal.Writer, _text: str) -> None:
        raise RuntimeError("the portal's feed is down")

    monkeypatch.setattr(portal.Writer, "note", broken)
    client = TestClient(app, raise_server_exceptions=False)
    assert post_member(client, "zhang", ids["grid1"], name="刘洋", id_number=NEW_ID).status_code == 500
    assert ok(get(client, "li", f"/units/{ids['committee']}/stats"))["members"] == 5
    assert delivered == []  # nothing committed, so nothing announced
    monkeypatch.undo()
    assert post_member(client, "zhang", ids["grid1"], name="刘洋", id_number=NEW_ID).status_code == 201
    assert delivered == ["member.add"]


def test_dashboard(client: TestClient, ids: dict[str, Any]) -> None:
    page = get(client, "li", f"/units/{ids['committee']}/dashboard", period=ids["period"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert all(f'id="{section}"' in page.text for section in ("structure", "meetings", "assessments", "services",
                                                               "rosters"))
    assert "<script" not in page.text and "第一网格党支部" in page.text
    assert get(client, "zhang", f"/units/{ids['committee']}/dashboard", period=ids["period"]).status_code == 403
