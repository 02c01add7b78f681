"""Every command run as a user types it: the real CLI in a subprocess, from a working directory
of its own, with relative paths (one with a space), ``~``, and from another directory.

The first build of the quick start once failed with a relative --out only (MkDocs read the
relative docs_dir against its config file); every other test passed absolute paths.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import G7_BASELINE as BASELINE, _seed_cache

DOCS = ("g7-hiroshima-principles", "g7-hiroshima-code")
OUT = "my out"            # relative, with a space


def govkb(cwd: Path, *args, env=None, timeout=600):
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def work(subset_mirror, tmp_path_factory):
    """A working directory holding a two-document mirror (``mirror/``) and a build of it into
    ``my out/`` made with relative paths only."""
    cwd = tmp_path_factory.mktemp("user")
    subset_mirror(cwd / "mirror", DOCS)
    (cwd / "baseline.yaml").write_text(BASELINE, encoding="utf-8")
    _seed_cache(cwd / OUT)
    rc, out, err = govkb(cwd, "build", "--mirror", "mirror", "--out", OUT, "--baseline", "baseline.yaml")
    assert rc == 0, err + out
    return cwd


def test_build_with_relative_paths_publishes_everything(work):
    out = work / OUT
    assert (out / "site" / "index.html").is_file()
    assert (out / "export" / "provisions.jsonl").is_file()
    ids = {json.loads(l)["doc_id"] for l in (out / "export" / "provisions.jsonl").open()}
    assert ids == set(DOCS)
    # nothing was written next to the config file's relative idea of the paths
    assert not list(work.glob(f"{OUT}/.site-src/{OUT}*"))


def test_build_summary_says_where_the_site_is_and_how_to_open_it(work):
    rc, out, err = govkb(work, "build", "--mirror", "mirror", "--out", OUT, "--baseline", "baseline.yaml", "-q")
    assert rc == 0, err
    text = out + err
    assert "open the site: govkb site serve --out 'my out'" in text


def test_nightly_and_snapshots_with_relative_out(work):
    rc, out, err = govkb(work, "nightly", "--mirror", "mirror", "--out", OUT, "--baseline", "baseline.yaml", "-q")
    assert rc in (0, 3), err + out
    rc, out, err = govkb(work, "snapshots", "list", "--out", OUT, "--json")
    assert rc == 0, err
    snaps = [json.loads(l) for l in out.splitlines()]
    assert snaps and any(s["current"] for s in snaps)
    assert all(Path(s["path"]).is_absolute() and (work / OUT) in Path(s["path"]).parents for s in snaps)


def test_reading_commands_with_relative_out(work):
    rc, out, err = govkb(work, "search", "content authentication", "--out", OUT, "-k", "3")
    assert rc == 0, err
    assert "Hiroshima" in out and "source: https://" in out
    rc, out, err = govkb(work, "show", "g7-hiroshima-code/action-7", "--out", OUT)
    assert rc == 0, err
    assert "Action 7" in out and "content authentication" in out.lower()
    rc, out, err = govkb(work, "align", "g7-hiroshima-code/action-7", "--doc", "g7-hiroshima-principles",
                         "-k", "2", "--out", OUT)
    assert rc == 0, err
    assert "Principle" in out


def test_same_result_from_another_directory_and_with_tilde(work):
    sub = work / "elsewhere"
    sub.mkdir(exist_ok=True)
    rc, out, err = govkb(sub, "show", "g7-hiroshima-code/action-7", "--out", f"../{OUT}", "--json")
    assert rc == 0, err
    assert json.loads(out)["id"] == "g7-hiroshima-code/action-7"
    rc, out, err = govkb(sub, "show", "g7-hiroshima-code/action-7", "--out", f"~/{OUT}", "--json",
                         env={"HOME": str(work)})
    assert rc == 0, err
    assert json.loads(out)["id"] == "g7-hiroshima-code/action-7"


def test_site_build_with_relative_out(work):
    rc, out, err = govkb(work, "site", "build", "--out", OUT, "--no-search")
    assert rc == 0, err
    assert "Site built" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(cwd: Path, *args) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "govkb.cli", *args, "--port", str(port)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, port


def _get(url: str, deadline: float = 60) -> tuple[int, bytes]:
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.3)


@pytest.mark.parametrize("command,path,expect", [
    (("site", "serve"), "/", b"govkb"),
    (("serve-api",), "/health", b'"status"'),
])
def test_servers_with_relative_out(work, command, path, expect):
    proc, port = _serve(work, *command, "--out", OUT)
    try:
        status, body = _get(f"http://127.0.0.1:{port}{path}")
        assert status == 200 and expect in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_site_serve_answers_unknown_paths_with_the_sites_404_page(work):
    proc, port = _serve(work, "site", "serve", "--out", OUT)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/no/such/page/")
        assert status == 404 and b"404" in body and b"govkb" in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("command", [("site", "serve"), ("serve-api",)])
def test_busy_port_is_one_clear_line(work, command):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        rc, out, err = govkb(work, *command, "--out", OUT, "--port", str(port), timeout=60)
    assert rc == 1
    assert f"port {port} is already in use" in err and "--port" in err
    assert "Traceback" not in err and "uvicorn" not in err.lower()
