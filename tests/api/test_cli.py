"""The ``trialqa`` command, run as a real subprocess."""

import json

import pytest

from tests.conftest import CORPUS, run_cli

# The CLI tests need one document, not the whole corpus (the server tests ingest that).
SEED = CORPUS / "linker-smm1-interview.txt"

pytestmark = pytest.mark.slow


def test_help_teaches():
    done = run_cli("--help", store=CORPUS)
    assert done.returncode == 0
    for word in ("ingest", "ask", "search", "documents", "serve", "examples:", "TRIALQA_"):
        assert word in done.stdout


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    """The CLI's own store (the live server has another; Chroma folders are not shared)."""
    store = tmp_path_factory.mktemp("cli-store")
    assert run_cli("ingest", str(SEED), store=store).returncode == 0
    return store


def test_ingest_summary_ask_json_and_documents(tmp_path):
    store = tmp_path / "store"
    first = run_cli("ingest", str(SEED), store=store)
    assert first.returncode == 0, first.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 failed; 9 chunks written in" in first.stdout
    again = run_cli("ingest", str(SEED), store=store)
    assert "0 added, 0 updated, 1 unchanged, 0 failed; 0 chunks written" in again.stdout

    asked = run_cli(
        "ask", "What is the NCT number of LINKER-SMM1?", "--json", "--k", "4", store=store
    )
    assert asked.returncode == 0, asked.stderr
    body = json.loads(asked.stdout)
    assert set(body) == {
        "question",
        "answer",
        "abstained",
        "citations",
        "calculations",
        "conversation_id",
        "composer",
        "warnings",
        "verdict",
        "decision",
        "standalone_question",
        "table",
    }
    assert "NCT05955508" in body["answer"]

    listed = run_cli("documents", store=store)
    assert listed.stdout.startswith("linker-smm1-interview\t9 chunks")


def test_readable_answer_has_numbered_citations(cli_store):
    done = run_cli("ask", "What was the CRS rate in LINKER-SMM1?", store=cli_store)
    assert done.returncode == 0
    assert "42%" in done.stdout and "[1]" in done.stdout and "chars " in done.stdout


@pytest.mark.parametrize(
    "args",
    [("ask", ""), ("ask", "   "), ("ask", "x" * 3000)],
)
def test_bad_questions_exit_non_zero_with_one_line(cli_store, args):
    done = run_cli(*args, store=cli_store)
    assert done.returncode == 1
    assert done.stderr.startswith("trialqa: error:") and done.stderr.count("\n") == 1


def test_bad_files_are_reported_and_the_store_is_unchanged(tmp_path, cli_store):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x00\x01binary\x00" * 100)
    before = run_cli("documents", store=cli_store).stdout
    done = run_cli("ingest", str(bad), store=cli_store)
    assert done.returncode == 1
    assert (
        "failed: scan.txt: looks like binary data" in done.stderr and "Traceback" not in done.stderr
    )
    assert "1 failed" in done.stdout
    assert run_cli("documents", store=cli_store).stdout == before


def test_bad_setting_is_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TRIALQA_RETRIEVAL__K": "0"}
    done = subprocess.run([sys.executable, "-m", "api", "documents"], env=env, cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith(
        "trialqa: error: invalid setting: retrieval.k"
    )


def test_k_below_one_is_refused(cli_store):
    done = run_cli("ask", "What was the response rate?", "--k", "0", store=cli_store)
    assert done.returncode == 1 and done.stderr == "trialqa: error: k must be at least 1\n"


def test_busy_port_is_one_line(cli_store):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        done = run_cli("serve", "--port", port, store=cli_store, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"trialqa: error: cannot listen on 127.0.0.1:{port}")


def test_store_path_that_is_a_file_is_one_line(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    done = run_cli("documents", store=afile)
    assert done.returncode == 1 and "is a file, not a folder" in done.stderr


def test_output_cut_short_by_the_reader_is_not_a_traceback(cli_store):
    import subprocess
    import sys

    from tests.conftest import ROOT, cli_env

    command = [sys.executable, "-m", "api", "ask", "What was the CRS rate in LINKER-SMM1?"]
    with subprocess.Popen(command, env=cli_env(cli_store), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:  # fmt: skip
        proc.stdout.close()  # like `| head -0`: the reader has gone before the answer
        stderr = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert "Traceback" not in stderr
