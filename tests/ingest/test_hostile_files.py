"""Hostile and broken files: each gets one clear line (or is read, when it legitimately can
be), alone and inside a folder of good files; the good files go in; nothing is fetched, nothing
is written outside the store, and memory stays bounded.
"""

from __future__ import annotations

import http.server
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from tests.conftest import cli_env
from tests.ingest.hostile import GOOD_TEXT, SCRIPT_MARK, make_hostile

pytestmark = pytest.mark.slow

MAX_RSS_BYTES = 1536 * 1024 * 1024  # the CLI with the model loaded peaks near 650 MB
READABLE_CHECKS = {
    "page.html": ("randomised 90 patients", "Grade 3 events occurred in 9 of 90"),
    "results-missing-keys.json": ("Overall response — Zetamab: 21", "NCT09990001"),
    "external-dtd.xml": ("External DTD study", "NCT09990002"),
    "cp1252.txt": ("THETA-9 in Zürich: 42 patients – response 55%.",),
    "utf16.txt": ("IOTA-1 enrolled 64 patients in Köln.",),
    "good-alpha.txt": ("The overall response rate in ALPHA-7 was 61%",),
}


@pytest.fixture
def fetch_counter():
    """A local HTTP server every external reference in the hostile HTML points at."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry below ``folder`` (links not followed): kind, size, mtime, link target."""
    found = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        if skip is not None and Path(root) == skip.parent:
            dirs[:] = [d for d in dirs if Path(root) / d != skip]
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            target = os.readlink(path) if path.is_symlink() else None
            # a folder's own mtime moves when a temporary file comes and goes: not compared
            mtime = None if stat.S_ISDIR(info.st_mode) else info.st_mtime_ns
            found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, mtime, target)
    return found


def run_measured(args: list[str], cwd: Path, env: dict, timeout: float):
    """Run a command; (exit code, stdout, stderr, its peak RSS in bytes). SIGKILLed after
    ``timeout`` seconds, so a hang fails the test instead of stalling it."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()))
        for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    guard = threading.Timer(timeout, os.kill, (proc.pid, signal.SIGKILL))
    guard.start()
    # The peak is read from /proc (VmHWM, the high-water mark of the process's own memory
    # since exec), not from wait4's ru_maxrss: that one starts from the forking parent's
    # size, and a pytest process that has loaded models is larger than the limit itself.
    peak = {"kb": 0}
    done = threading.Event()
    watcher = threading.Thread(target=_watch_peak, args=(proc.pid, peak, done))
    watcher.start()
    _, status, _ = os.wait4(proc.pid, 0)
    done.set()
    watcher.join()
    guard.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    stdout, stderr = (out[k].decode(errors="replace") for k in ("stdout", "stderr"))
    return proc.returncode, stdout, stderr, peak["kb"] * 1024


def _watch_peak(pid: int, peak: dict[str, int], done: threading.Event) -> None:
    """Keep the largest VmHWM seen for ``pid`` until it exits (the mark only grows)."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak["kb"] = max(peak["kb"], int(line.split()[1]))
        except (OSError, ValueError):
            pass
        done.wait(0.02)


def _bytes_read() -> int:
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("rchar:")).split()[1])


def test_each_hostile_file_alone(tmp_path, fresh_services, fetch_counter):
    from ingest.pipeline import Ingestor

    port, fetched = fetch_counter
    folder = tmp_path / "hostile"
    expected = make_hostile(folder, tmp_path / "elsewhere", port)
    # Named on its own, a link out of the folder is what the user asked for: it is read.
    expected["escape.txt"] = None
    ingestor = Ingestor(fresh_services.store, fresh_services.embedder, fresh_services.settings)
    peaks = {}
    for name, error in expected.items():
        read_before = _bytes_read()
        tracemalloc.start()
        started = time.monotonic()
        report = ingestor.ingest([folder / name])
        seconds = time.monotonic() - started
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        (result,) = report.results
        if error is None:
            assert result.status == "added", (name, result)
            continue
        assert result.status == "failed" and error in result.error, (name, result.error)
        assert "\n" not in result.error and len(result.error) <= 400, result.error
        assert name in result.error, f"the line names the file: {result.error}"
        assert seconds < 30, f"{name}: {seconds:.1f}s to refuse"
        if name == "huge.txt":
            assert _bytes_read() - read_before < 1024 * 1024, "200 MB refused without reading it"
    assert max(peaks.values()) < 300 * 1024 * 1024, peaks
    top = sorted(peaks.items(), key=lambda kv: -kv[1])[:4]
    print("\npeak Python memory per file:", ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in top))

    store = fresh_services.store
    readable = {name for name, error in expected.items() if error is None}
    sources = {Path(d.source).name for d in store.list_documents()}
    assert sources == (readable - {"escape.txt"}) | {"credentials.txt"}
    texts = {Path(d.source).name: store.get_document(d.doc_id).text for d in store.list_documents()}
    for name, needles in READABLE_CHECKS.items():
        assert all(n in texts[name] for n in needles), (name, texts[name][:500])
    assert SCRIPT_MARK not in texts["page.html"] and "fetch(" not in texts["page.html"]
    assert not any(SCRIPT_MARK in c.text for c, _ in store.iter_chunks())
    assert fetched == [], f"ingest fetched {fetched}"


def test_folder_of_hostile_and_good_files_through_the_cli(tmp_path, fetch_counter):
    """One ``trialqa ingest FOLDER``: exit 1, one ``failed:`` line per bad file, the good ones
    in, no traceback, peak memory bounded, nothing written but the store."""
    port, fetched = fetch_counter
    folder, outside = tmp_path / "hostile", tmp_path / "elsewhere"
    expected = make_hostile(folder, outside, port)
    work, scratch, store = tmp_path / "work", tmp_path / "scratch", tmp_path / "store"
    work.mkdir()
    scratch.mkdir()
    before = snapshot(tmp_path, skip=store)

    env = {**cli_env(store), "TMPDIR": str(scratch)}
    # cwd: the working folder (the default store would land there; nothing may)
    args = [sys.executable, "-m", "api", "ingest", "--quiet", str(folder)]
    code, stdout, stderr, peak_rss = run_measured(args, cwd=work, env=env, timeout=240)

    assert code == 1, (code, stdout, stderr[-3000:])
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = stderr.strip().split("\n")
    assert all(line.startswith("failed: ") for line in lines), lines
    failures = {name: error for name, error in expected.items() if error is not None}
    for name, error in failures.items():
        mine = [line for line in lines if f"{name}:" in line]
        assert len(mine) == 1 and error in mine[0], (name, mine)
    assert len(lines) == len(failures)
    readable = [name for name, error in expected.items() if error is None]
    summary = f"{len(readable)} added, 0 updated, 0 unchanged, {len(failures)} failed;"
    assert summary in stdout, stdout
    assert 100 * 2**20 < peak_rss < MAX_RSS_BYTES, f"peak RSS {peak_rss / 2**20:.0f} MB"
    print(f"\nthe CLI over {len(expected)} files: peak RSS {peak_rss / 2**20:.0f} MB")

    after = snapshot(tmp_path, skip=store)
    # torch makes an empty cache folder in the temp dir when imported; nothing else may appear
    torch_cache = [k for k in after if re.fullmatch(r"scratch/torchinductor_[^/]+", k)]
    assert all(stat.S_ISDIR(after.pop(k)[0]) for k in torch_cache) and len(torch_cache) <= 1
    assert after == before, "nothing written outside the store"
    assert fetched == []
    from assistant.store.chroma import ChromaStore

    documents = ChromaStore(store).list_documents()
    assert sorted(Path(d.source).name for d in documents) == sorted(readable)
    assert set(GOOD_TEXT) <= {Path(d.source).name for d in documents}
