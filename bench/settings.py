"""Fixed settings of the benchmarks: where things are, the tools' packages, the API's
version and credentials, timeouts, and the servers' names."""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SPEC = Path(__file__).resolve().parents[2] / "shared/finch-api/openapi.yaml"
TOOLS_DIR = BENCH_DIR / ".tools"
NODE_MODULES = TOOLS_DIR / "node_modules"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
STEADY_PACKAGE = "@stdy/cli"
PRISM_JS = NODE_MODULES / "@stoplight/prism-cli/dist/index.js"
STEADY_JS = NODE_MODULES / "@stdy/cli/steady.js"
BASELINE_APP = BENCH_DIR / "baseline_app.py"
BASELINE_BODY_ENV = "BENCH_BASELINE_BODY"

API_VERSION = "2020-09-17"
CLIENT_ID, CLIENT_SECRET = "bench-client-id", "bench-client-secret"
EMPLOYEES = 20
READY_TIMEOUT = 90.0
OTHER_CORES_WARNING = 0.2
POLL_INTERVAL = 0.01

FINCH, PRISM, STEADY, BASELINE = "finch", "prism", "steady", "baseline"
LABELS = {
    FINCH: "finch-sandbox",
    PRISM: "prism",
    STEADY: "steady",
    BASELINE: "baseline (bare ASGI)",
}
OTHERS = (PRISM, STEADY, BASELINE)
