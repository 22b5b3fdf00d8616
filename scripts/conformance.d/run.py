"""scripts/conformance: fetch the finch-api source distribution (cached), start a server
(unless TEST_API_BASE_URL names one), and run the SDK's tests/api_resources against it with
conformance_plugin.py re-applying scenario.json before each test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = ROOT / ".finch-sandbox" / "conformance"
# The credentials the SDK's test suite uses (its tests/conftest.py).
CLIENT_ID = "4ab15e51-11ad-49f4-acae-f343b7794375"
CLIENT_SECRET = "My Client Secret"


def sdk_tests() -> Path:
    """The SDK's source tree for the installed finch-api version, downloaded once."""
    wanted = version("finch-api")
    tree = CACHE / f"finch_api-{wanted}"
    if (tree / "tests" / "api_resources").is_dir():
        return tree
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"finch_api-{wanted}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", f"finch-api=={wanted}", "-d", str(CACHE)],
            check=True,
        )  # fmt: skip
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, filter="data")
    return tree


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "FINCH_SANDBOX_CLIENT_ID": CLIENT_ID,
        "FINCH_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
        "FINCH_SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'conformance.db'}",
        "FINCH_SANDBOX_JOB_DURATION": "0",
        "FINCH_SANDBOX_PORT": str(port),
    }
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "finch-sandbox"), "serve"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited; see {workdir / 'server.log'}")
        try:
            if httpx.get(f"{base}/providers", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s")


def main(argv: list[str]) -> int:
    include_async = "--async" in argv
    passthrough = [a for a in argv if a != "--async"]
    tree = sdk_tests()
    with tempfile.TemporaryDirectory(prefix="finch-conformance-") as tmp:
        base = os.environ.get("TEST_API_BASE_URL")
        server = None
        if not base:
            server, base = start_server(Path(tmp))
        env = {
            **os.environ,
            "TEST_API_BASE_URL": base,
            "FINCH_SANDBOX_SCENARIO_FILE": os.environ.get(
                "FINCH_SANDBOX_SCENARIO_FILE", str(HERE / "scenario.json")
            ),
            "FINCH_SANDBOX_CLIENT_ID": os.environ.get("FINCH_SANDBOX_CLIENT_ID", CLIENT_ID),
            "FINCH_SANDBOX_CLIENT_SECRET": os.environ.get(
                "FINCH_SANDBOX_CLIENT_SECRET", CLIENT_SECRET
            ),
            "PYTHONPATH": os.pathsep.join([str(HERE), str(tree)]),
        }
        command = [
            sys.executable, "-m", "pytest", "tests/api_resources",
            "-p", "conformance_plugin",
            # The SDK's config runs pytest-xdist (-n auto); one process keeps the fixed
            # token's connection to one test at a time.
            "-o", "addopts=--tb=short", "-q", "-p", "no:cacheprovider",
            # Webhook signature checks run offline in the SDK; no server takes part.
            "--ignore", "tests/api_resources/test_webhooks.py",
        ]  # fmt: skip
        # pytest keeps only the last -k: the caller's is combined with ours.
        selection = [] if include_async else ["not TestAsync"]
        rest = []
        args = iter(passthrough)
        for arg in args:
            if arg == "-k":
                selection.append(f"({next(args)})")
            else:
                rest.append(arg)
        if selection:
            command += ["-k", " and ".join(selection)]
        try:
            return subprocess.run([*command, *rest], cwd=tree, env=env).returncode
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
