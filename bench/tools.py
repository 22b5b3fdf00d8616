"""The mock servers' npm packages: installed into bench/.tools on first use, and their
versions (with the other tools') for the report."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from bench.report import log
from bench.settings import (
    NODE_MODULES,
    PRISM_JS,
    PRISM_PACKAGE,
    SPEC,
    STEADY_JS,
    STEADY_PACKAGE,
    TOOLS_DIR,
)


def ensure_tools(skip_mocks: bool) -> str | None:
    """Check wrk (and node/npm + the two mocks unless skipped); return the node executable."""
    if shutil.which("wrk") is None:
        print(
            "wrk is not on PATH. Install it, e.g.:  apt-get install -y wrk  (or brew install wrk)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if skip_mocks:
        return None
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print(
            "node and npm are needed for Prism and Steady (or pass --skip-mocks).", file=sys.stderr
        )
        raise SystemExit(2)
    if not SPEC.exists():
        print(f"OpenAPI file not found: {SPEC} (or pass --skip-mocks).", file=sys.stderr)
        raise SystemExit(2)
    if not PRISM_JS.exists() or not STEADY_JS.exists():
        TOOLS_DIR.mkdir(parents=True, exist_ok=True)
        log(f"npm install --prefix {TOOLS_DIR} {PRISM_PACKAGE} {STEADY_PACKAGE}")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(TOOLS_DIR),
                "--no-audit",
                "--no-fund",
                PRISM_PACKAGE,
                STEADY_PACKAGE,
            ],
            check=True,
            timeout=900,
        )
    if not PRISM_JS.exists() or not STEADY_JS.exists():
        print(f"npm install did not produce {PRISM_JS} and {STEADY_JS}", file=sys.stderr)
        raise SystemExit(2)
    return node


def package_version(package_dir: Path) -> str | None:
    try:
        return str(json.loads((package_dir / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def versions(node: str | None) -> dict[str, str | None]:
    def first_line(argv: list[str]) -> str | None:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        text = (done.stdout or done.stderr).strip()
        return text.splitlines()[0] if text else None

    import granian

    from finch_sandbox import __version__

    return {
        "finch_sandbox": __version__,
        "python": platform.python_version(),
        "granian": granian.__version__,
        "wrk": " ".join((first_line(["wrk", "-v"]) or "").split()[:2]) or None,
        "node": first_line([node, "--version"]) if node else None,
        "prism": package_version(NODE_MODULES / "@stoplight/prism-cli") if node else None,
        "steady": package_version(NODE_MODULES / "@stdy/cli") if node else None,
        "cpus": str(os.cpu_count()),
    }
