"""Launch time of this tree against another revision, interleaved in one run.

    .venv/bin/python -m bench.launch --against REV [--launches 8] [--json results.json]

Checks REV out into a temporary git worktree, then launches `python -m finch_sandbox serve`
from each tree in turn (this one, REV, this one, ...) on a fresh SQLite data directory, with
this interpreter and its installed dependencies, and times launch -> first 2xx to
`GET /providers` as `bench.compare` does. Interleaving puts both trees in the same fast and
slow spells of a shared machine, which separate runs minutes apart do not. REV must run on the
dependencies installed here (a revision that needs a package since removed fails to start, and
its log says which).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.compare import measure_launches
from bench.processes import Processes
from bench.report import log
from bench.servers import ServerKind, finch_kind
from bench.settings import REPO_ROOT


def tree_kind(name: str, tree: Path, work: Path) -> ServerKind:
    base = finch_kind(lambda: Path(tempfile.mkdtemp(dir=work)) / "data")
    return ServerKind(
        name,
        lambda port: [sys.executable, "-m", "finch_sandbox", "serve", "--port", str(port)],
        lambda: {**base.env(), "PYTHONPATH": str(tree)},
        cwd=tree,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--launches", type=int, default=8, help="launches of each (default 8)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.launches < 1:
        parser.error("--launches must be at least 1")
    with tempfile.TemporaryDirectory(prefix="finch-launch-") as tmp:
        work = Path(tmp)
        other = work / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(other), args.against],
            cwd=REPO_ROOT,
            check=True,
        )
        procs = Processes(work)
        samples: dict[str, list[float]] = {"this tree": [], args.against: []}
        kinds = {
            "this tree": tree_kind("this-tree", REPO_ROOT, work),
            args.against: tree_kind("other-tree", other, work),
        }
        try:
            log(f"{args.launches} rounds: this tree, then {args.against}")
            for _ in range(args.launches):
                for label, kind in kinds.items():
                    samples[label].extend(measure_launches(procs, kind, 1))
        except RuntimeError as exc:
            log(f"FAILED: {exc}")
            return 1
        finally:
            procs.stop_all()
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=REPO_ROOT, check=False
            )
    medians = {label: statistics.median(values) for label, values in samples.items()}
    for label, values in samples.items():
        print(
            f"{label:>12}: median {medians[label]:.0f} ms  "
            f"(min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"
        )
    ratio = medians["this tree"] / medians[args.against]
    print(
        f"SUMMARY launch_ms this={medians['this tree']:.0f} "
        f"against={medians[args.against]:.0f} ratio={ratio:.2f}x"
    )
    if args.json:
        args.json.write_text(json.dumps({"against": args.against, "samples": samples}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
