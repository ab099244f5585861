"""Exports and backups leave the whole file or nothing, readable by their owner only.

A real export runs in a subprocess and is stopped halfway with SIGTERM or SIGINT: the temporary
file (which by then holds unmasked ID numbers) must be gone, no file must appear under the
target's name, and the process must still end as the signal says. In-process tests cover a
failing writer, a folder that cannot be written, the file modes and the signal handlers put back.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Community, i18n
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.demo import build_demo
from communitycore.errors import os_reason
from communitycore.io import exchange
from communitycore.io.files import CannotWrite, Interrupted, staged_file

POSIX = pytest.mark.skipif(os.name != "posix", reason="signals and file modes are POSIX")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash-demo") / "demo.db"
    # "tester" opens it first and so administers it
    with communitycore.open(f"sqlite:///{path}", actor="tester", autoload=False, create=True) as community:
        build_demo(community)
    return path


@pytest.fixture
def demo(demo_db: Path) -> Iterator[Community]:
    community = communitycore.open(f"sqlite:///{demo_db}", actor="tester", autoload=False, create=True)
    yield community
    community.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# A real export, stopped by a signal ---------------------------------------------------------------

_EXPORT = textwrap.dedent("""
    import sys, time
    import communitycore
    from communitycore.io import exchange

    db, target = sys.argv[1:3]
    original = exchange._write_section

    def slow(conn, section, fh):
        written = original(conn, section, fh)
        if section.key == "members":  # halfway: the members (with their ID numbers) are on disk
            fh.flush()
            print("members written", flush=True)
            time.sleep(60)
        return written

    exchange._write_section = slow
    with communitycore.open(db, actor="tester", autoload=False) as community:
        community.export_to(target)
    print("finished", flush=True)
""")


def _default_signals() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)


@POSIX
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_killed_export_leaves_nothing(demo_db: Path, tmp_path: Path, signum: signal.Signals) -> None:
    rest = err = ""
    out = tmp_path / "out"
    out.mkdir()
    target = out / "community.json"
    env = {**os.environ, "PYTHONPATH": str(Path(communitycore.__file__).parents[1])}
    # A shell starts a background job with SIGINT ignored, and Python then keeps it ignored: the
    # child gets the dispositions of a program started in a terminal, which SIGINT would stop.
    child = subprocess.Popen([sys.executable, "-c", _EXPORT, f"sqlite:///{demo_db}", str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             preexec_fn=_default_signals)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "members written"
        (partial,) = out.iterdir()  # mid-export: one temporary file, owner-only, holding the members
        assert partial.name.startswith(".community.json.") and partial.name.endswith(".partial")
        assert stat.S_IMODE(partial.stat().st_mode) == 0o600
        assert '"id_number": "' in partial.read_text(encoding="utf-8")
        child.send_signal(signum)
        rest, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert leftovers(out) == [], err
    assert "finished" not in rest
    # The previous disposition got the signal after the cleanup: the default ends the process by it.
    assert child.returncode in (-signum, 128 + signum), (child.returncode, err)


# In process ----------------------------------------------------------------------------------------


@POSIX
def test_an_export_and_a_backup_are_owner_only(demo: Community, tmp_path: Path) -> None:
    old = os.umask(0)  # even with nothing masked by the umask, the files are 0600
    try:
        demo.export_to(tmp_path / "c.json")
        from communitycore.sdk.database import backup

        backup(demo, tmp_path / "c-backup.db")
    finally:
        os.umask(old)
    for name in ("c.json", "c-backup.db"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    assert leftovers(tmp_path) == ["c-backup.db", "c.json"]


def test_a_failing_export_leaves_nothing(demo: Community, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exchange, "_write_section", broken)
    before = len(demo.audit.list(action="community.export"))
    with pytest.raises(RuntimeError, match="disk on fire"):
        demo.export_to(tmp_path / "c.json")
    assert leftovers(tmp_path) == []
    assert len(demo.audit.list(action="community.export")) == before


def test_an_export_refused_by_its_audit_leaves_nothing(demo: Community, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise communitycore.Conflict("the audit trail is closed")

    monkeypatch.setattr(type(demo), "transaction", refuse)
    with pytest.raises(communitycore.Conflict):
        demo.export_to(tmp_path / "c.json")
    assert leftovers(tmp_path) == []


def test_a_folder_that_cannot_be_written(demo: Community, tmp_path: Path) -> None:
    with pytest.raises(CannotWrite, match="cannot write"):
        demo.export_to(tmp_path / "missing" / "c.json")
    state = AppState(community=demo)
    result = CliRunner().invoke(make_cli(state), ["--lang", "en", "export", str(tmp_path / "nowhere" / "c.json")],
                                obj=state)
    assert result.exit_code == 2 and "cannot write" in result.output  # a bad environment, not bad input
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)


def test_the_signal_handlers_are_put_back(tmp_path: Path) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    with staged_file(tmp_path / "a.txt") as temp:
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        temp.write_text("done", encoding="utf-8")
    assert {s: signal.getsignal(s) for s in before} == before
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "done"


@POSIX
def test_a_host_handler_still_hears_the_signal(tmp_path: Path) -> None:
    heard: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: heard.append(signum))
    try:
        with pytest.raises(Interrupted, match="SIGTERM"), staged_file(tmp_path / "a.txt") as temp:
            temp.write_text("half", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert heard == [signal.SIGTERM]  # handed on after the cleanup
    assert leftovers(tmp_path) == []


def test_outside_the_main_thread_it_still_writes(demo: Community, tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with staged_file(tmp_path / "t.txt") as temp:
                temp.write_text("from a thread", encoding="utf-8")
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert errors == [] and (tmp_path / "t.txt").read_text(encoding="utf-8") == "from a thread"


@pytest.mark.parametrize(("error", "words"), [
    (errno.ENOSPC, "磁盘已满"), (errno.EACCES, "没有权限"), (errno.ENAMETOOLONG, "名称过长"),
    (errno.EROFS, "文件系统为只读"),
])
def test_the_systems_refusal_is_told_in_the_interfaces_words(error: int, words: str) -> None:
    refusal = OSError(error, os.strerror(error))
    with i18n.language("zh"):
        assert os_reason(refusal) == words
        assert words in str(CannotWrite(Path("c.json"), refusal))
    with i18n.language("en"):
        assert os_reason(refusal).isascii() and os_reason(refusal) != os.strerror(error)
    rare = OSError(errno.EXDEV, os.strerror(errno.EXDEV))  # too rare for words of ours: the system's own
    assert os_reason(rare) == os.strerror(errno.EXDEV)


def test_a_name_too_long_for_the_disk_is_refused_in_chinese(tmp_path: Path) -> None:
    result = CliRunner().invoke(make_cli(AppState()), ["plugins", "new", "a" * 300, "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "名称过长" in result.output, result.output
    assert "Traceback" not in result.output and "too long" not in result.output
    assert list(tmp_path.iterdir()) == []
