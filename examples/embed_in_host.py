"""Embedding communitycore in a host platform.

The host owns the database and its SQLAlchemy engine; communitycore's tables (all ``cc_``) sit beside
the host's own. The host

1. opens communitycore on its engine, acting as one of its users (for the audit trail), and
   grants its other users the roles they hold (see docs/security.md);
2. listens to communitycore's events with a plugin (here: it queues a notification);
3. runs communitycore calls inside its own transaction: each call is a savepoint, a failing call
   rolls back alone, and the events are announced only when the host commits.

Run it with ``python examples/embed_in_host.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa

import communitycore
from communitycore import Conflict, Event, hookimpl

host_metadata = sa.MetaData()
notifications = sa.Table(
    "host_notifications", host_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.String(200), nullable=False),
)


class Notifier:
    """The host's plugin: turns communitycore events into notifications (after commit, so never for
    a change that was rolled back)."""

    name = "host-notifier"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        print(f"  event: {event.action} {event.entity} {event.entity_id} by {event.actor}")
        with self.engine.begin() as conn:
            conn.execute(notifications.insert().values(text=f"{event.action} #{event.entity_id}"))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'platform.db'}")  # the host's own engine
        host_metadata.create_all(engine)
        notifier = Notifier(engine)

        # 1. On the host's engine: each call is its own transaction; events follow each commit.
        print("Setting up on the host's engine:")
        community = communitycore.open(engine, actor="platform:admin", plugins=[notifier], autoload=False)
        street = community.org.add("城南街道党工委", "street-committee")
        committee = community.org.add("幸福社区党委", "community-committee", street.id)
        # The host's grid worker acts as themselves, with a grant on the committee they serve.
        community.grants.add("platform:grid-worker-7", "secretary", committee.id)

        # 2. Inside the host's own transaction: calls run in savepoints; events wait for the commit.
        print("\nIn the host's transaction:")
        with engine.connect() as conn:
            with conn.begin():
                scoped = communitycore.open(conn, actor="platform:grid-worker-7", plugins=[notifier],
                                            autoload=False)
                grid = scoped.org.add("第一网格党支部", "grid-branch", committee.id)
                scoped.members.add("张建国", grid.id, id_number="34052419800101001X", post="书记")
                try:  # a refused call rolls back its own savepoint only
                    scoped.org.add("第一网格党支部", "grid-branch", committee.id)
                except Conflict as exc:
                    print(f"  refused, rolled back alone: {exc}")
                conn.execute(notifications.insert().values(text="host: grid 1 set up"))
                print("  (no events yet: the host has not committed)")
            print("  host committed")

            # A host rollback undoes communitycore's calls too, and nothing is announced.
            with conn.begin() as trans:
                scoped.org.add("临时党支部", "branch", committee.id)
                trans.rollback()
            print("  a second host transaction was rolled back: no event, no unit")

        community.close()
        with engine.connect() as conn:
            tables = sorted(sa.inspect(conn).get_table_names())
            texts = list(conn.scalars(sa.select(notifications.c.text).order_by(notifications.c.id)))
        print(f"\nTables: {', '.join(tables)}")
        print(f"Units: {[line.unit.name for line in community.org.tree()]}")
        print(f"Notifications: {texts}")
        print(f"Audit actors: {sorted({e.actor for e in community.audit.list(limit=None)})}")
        engine.dispose()


if __name__ == "__main__":
    main()
