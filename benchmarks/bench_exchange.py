"""Exchange benchmark: importing a whole-community export, and reading the file alone.

Builds a SQLite database with a tree of units and ``--members`` members (the generator of
``bench_city.py``), exports it with ``community.export_to`` and prints, as medians of
``--repeat`` runs:

* (a) the whole ``import_community`` into a fresh database (checks, inserts, roll-ups, audit);
* (b) reading the file alone: every element of every section decoded, as the import reads it,
  and nothing else (``communitycore.io.exchange.read_export``), beside the standard library's
  ``json.load`` of the whole file, which holds it all in memory and so is the floor, not an option.

Usage::

    python benchmarks/bench_exchange.py                   # 2,000 units, 100,000 members
    python benchmarks/bench_exchange.py --members 20000   # a quick check

This is a script, not a test: nothing here asserts. See ``benchmarks/README.md`` for recorded figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_city import build_units, write_members_csv  # the generator beside this script


def _timed(run: object, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``repeat`` runs (CPU time stays fair on a busy machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        run()  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> None:
    """Build, export, and time the import and the read."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import communitycore
    from communitycore.io import exchange

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "source.db"
        with communitycore.open(f"sqlite:///{source}", autoload=False, actor="bench"):
            pass
        paths = build_units(source, args.units)
        write_members_csv(work / "members.csv", args.members, paths)
        with communitycore.open(f"sqlite:///{source}", autoload=False, actor="bench") as community:
            from communitycore.store import rollup

            with community.engine.begin() as conn:
                rollup.refresh(conn)
            community.members.import_file(work / "members.csv")
            export = work / "export.json"
            counts = community.export_to(export)
        size = export.stat().st_size

        def read() -> None:
            with export.open("rb") as fh:
                for _key, value, is_array in exchange.read_export(fh):
                    if is_array:
                        for _element in value:
                            pass

        def load() -> None:
            with export.open(encoding="utf-8") as fh:
                json.load(fh)

        runs = iter(range(args.repeat))

        def import_once() -> None:
            target = work / f"target{next(runs)}.db"
            with communitycore.open(f"sqlite:///{target}", autoload=False, actor="bench") as fresh:
                fresh.import_from(export)

        imported = _timed(import_once, args.repeat)
        read_time = _timed(read, args.repeat)
        load_time = _timed(load, args.repeat)
    print(f"export: {counts['units']} units, {counts['members']} members, {size / 1e6:.1f} MB")
    print("                                    wall s   CPU s")
    for name, (wall, cpu) in (("(a) import_community", imported), ("(b) read_export, every element", read_time),
                              ("    json.load of the whole file", load_time)):
        print(f"{name:34s} {wall:7.2f} {cpu:7.2f}")


if __name__ == "__main__":
    main()
