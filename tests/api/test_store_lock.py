"""One embedded store folder: servers share it, an ingest has it alone, the second is refused."""

from __future__ import annotations

import httpx
import pytest

from assistant.store.lock import holding
from tests.conftest import CORPUS, run_cli


@pytest.mark.slow
def test_ingest_beside_a_running_server_is_refused(live_server, server_store, tmp_path):
    before = httpx.get(f"{live_server}/readyz").json()
    note = tmp_path / "beside.txt"
    note.write_text("Trial BESIDE-1 enrolled 12 patients.\n")
    done = run_cli("ingest", str(note), store=server_store)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by trialqa serve (pid" in lines[0], done.stderr
    assert "POST /v1/documents" in lines[0]
    assert httpx.get(f"{live_server}/readyz").json() == before  # nothing was written
    assert httpx.post(f"{live_server}/v1/ask", json={"question": "How many patients did "
                      "LINKER-SMM1 enrol?"}).status_code == 200  # fmt: skip


@pytest.mark.slow
def test_serve_and_a_second_ingest_wait_for_a_running_ingest(tmp_path):
    store = tmp_path / "store"
    with holding(store, "ingest", exclusive=True):
        for args in (
            ("serve", "--port", "0"),
            ("ingest", str(CORPUS / "linker-smm1-interview.txt")),
        ):
            done = run_cli(*args, store=store, timeout=120)
            assert done.returncode == 1, args
            assert "in use by trialqa ingest (pid" in done.stderr and "wait for it" in done.stderr
            assert "Traceback" not in done.stderr
    assert not any(p.name.endswith(".sqlite3") for p in store.rglob("*"))  # nothing was opened


def test_the_lock_goes_with_its_holder(tmp_path):
    from assistant.errors import ConfigError

    with (
        holding(tmp_path, "serve", exclusive=False),
        holding(tmp_path, "serve", exclusive=False),
        pytest.raises(ConfigError, match="in use by trialqa serve"),
        holding(tmp_path, "ingest", exclusive=True),
    ):
        pass
    with holding(tmp_path, "ingest", exclusive=True):  # free again once the servers are gone
        pass
