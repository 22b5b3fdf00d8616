"""Generation time of a large company in this tree against another revision, interleaved.

    .venv/bin/python -m bench.generation --against REV [--employees 10000] [--rounds 5]

Checks REV out into a temporary git worktree, then times `generate_company` for a company of
`--employees` people (seeded, with gusto's field support, as POST /sandbox/connections makes
it) in a fresh interpreter per measurement, alternating this tree and REV, so both trees run
in the same fast and slow spells of a shared machine. Only the call is timed, not the
interpreter's start or the imports. Prints each tree's median CPU time (the process's own
work, which other load on the machine disturbs much less than wall time) and wall time, and
the ratios.
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

REPO_ROOT = Path(__file__).resolve().parents[1]

# Runs inside the tree under test (PYTHONPATH); prints the seconds the call took.
_PROBE = """
import json, sys, time
from datetime import date
from finch_sandbox.services.generation import generate_company
from finch_sandbox.services.providers import ProviderCatalog
size, seed = int(sys.argv[1]), int(sys.argv[2])
fields = ProviderCatalog.load().supported_fields("gusto", "api")
started, cpu = time.perf_counter(), time.process_time()
company = generate_company(seed=seed, employee_size=size, today=date(2026, 11, 2),
                           supported_fields=fields)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "employees": len(company.employees),
                  "statements": sum(len(p.pay_statements) for p in company.payments)}))
"""


def measure(tree: Path, size: int, seed: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(size), str(seed)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {done.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="measurements of each (default 5)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="finch-generation-") as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(other), args.against],
            cwd=REPO_ROOT,
            check=True,
        )
        trees = {"this tree": REPO_ROOT, args.against: other}
        samples: dict[str, list[float]] = {label: [] for label in trees}
        cpu: dict[str, list[float]] = {label: [] for label in trees}
        try:
            for round_ in range(args.rounds):
                for label, tree in trees.items():
                    # The same seeds for both trees; another seed each round.
                    result = measure(tree, args.employees, seed=round_)
                    samples[label].append(result["seconds"])
                    cpu[label].append(result["cpu"])
                    print(
                        f"round {round_ + 1}: {label:>10}: {result['cpu']:.2f} s CPU, "
                        f"{result['seconds']:.2f} s wall "
                        f"({int(result['employees'])} employees, "
                        f"{int(result['statements'])} pay statements)",
                        file=sys.stderr,
                    )
        except RuntimeError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=REPO_ROOT, check=False
            )
    print(f"generate_company, {args.employees} employees, {args.rounds} rounds, median seconds:")
    for name, figures in (("CPU", cpu), ("wall", samples)):
        medians = {label: statistics.median(values) for label, values in figures.items()}
        for label, value in medians.items():
            spread = ", ".join(f"{v:.2f}" for v in figures[label])
            print(f"  {name:>4} {label:>10}: {value:.2f}  ({spread})")
        ratio = medians["this tree"] / medians[args.against]
        print(f"  {name:>4} ratio this tree / {args.against}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
