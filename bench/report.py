"""What a run prints: progress lines, the tables of figures and the JSON of every figure."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.settings import BASELINE, FINCH, LABELS, OTHERS, PRISM, STEADY
from bench.wrk import ENDPOINTS, LoadResult


@dataclass
class Results:
    load: dict[str, dict[str, LoadResult]] = field(default_factory=dict)  # endpoint -> server
    launch_ms: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    load_average: float = 0.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ratio_value(finch: float | None, other: float | None) -> float | None:
    if finch is None or other is None or other == 0:
        return None
    return finch / other


def ratio(finch: float | None, other: float | None) -> str:
    value = ratio_value(finch, other)
    if value is None:
        return "-"
    return f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def report(results: Results, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    out: list[str] = []
    summary: dict[str, dict[str, Any]] = {}
    order = [FINCH, PRISM, STEADY, BASELINE]

    def add_summary(figure: str, values: Mapping[str, float | None], digits: int) -> None:
        finch = values.get(FINCH)
        entry: dict[str, Any] = {name: values.get(name) for name in order if name in values}
        for other in OTHERS:
            if other in values:
                entry[f"ratio_{other}"] = ratio_value(finch, values[other])
        summary[figure] = entry
        parts = [f"{n}={fmt(values.get(n), digits)}" for n in order if n in values]
        parts += [f"ratio_{o}={ratio(finch, values[o])}" for o in OTHERS if o in values]
        out_summary.append(f"SUMMARY {figure} " + " ".join(parts))

    out_summary: list[str] = []
    load_headers = [
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "sock err",
        "bytes/resp",
        "srv cores",
        "other cores",
        "finch-sandbox req/s ÷ this",
    ]
    for endpoint in ENDPOINTS:
        by_server = results.load.get(endpoint.key, {})
        if not by_server:
            continue
        finch = by_server.get(FINCH)
        rows = []
        for name in order:
            r = by_server.get(name)
            if r is None:
                continue
            bad = str(r.non2xx) + (f" ({r.first_bad_status})" if r.non2xx else "")
            rows.append(
                [
                    LABELS[name],
                    f"{r.rps:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    bad,
                    str(r.socket_errors),
                    f"{r.bytes_per_response:.0f}",
                    f"{r.server_cores:.2f}",
                    f"{r.other_cores:.2f}",
                    "-" if name == FINCH else ratio(finch.rps if finch else None, r.rps),
                ]
            )
        out.append(
            f"\n{endpoint.title}   (wrk -t2 -c{args.connections} -d{args.duration}s, "
            f"{sum(r.requests for r in by_server.values())} requests in all)"
        )
        out.append(table(load_headers, rows))
        for figure, attr, digits in (
            ("rps", "rps", 0),
            ("p50_ms", "p50_ms", 2),
            ("p99_ms", "p99_ms", 2),
        ):
            values = {n: getattr(r, attr) for n, r in by_server.items()}
            add_summary(f"{endpoint.key}_{figure}", values, digits)

    if results.launch_ms:
        medians = {n: statistics.median(s) for n, s in results.launch_ms.items()}
        rows = [
            [
                LABELS[n],
                f"{medians[n]:.0f}",
                f"{min(results.launch_ms[n]):.0f}",
                f"{max(results.launch_ms[n]):.0f}",
                "-" if n == FINCH else ratio(medians.get(FINCH), medians[n]),
            ]
            for n in order
            if n in medians
        ]
        out.append(f"\nLaunch to first 2xx answer, ms (median of {args.launches})")
        out.append(table(["server", "median", "min", "max", "finch-sandbox ÷ this"], rows))
        add_summary("launch_ms", medians, 0)

    if results.rss:
        rows = [
            [
                LABELS[n],
                results.rss[n]["process"],
                f"{results.rss[n]['idle_mb']:.1f}",
                f"{results.rss[n]['peak_mb']:.1f}",
                "-"
                if n == FINCH
                else ratio(results.rss.get(FINCH, {}).get("peak_mb"), results.rss[n]["peak_mb"]),
            ]
            for n in order
            if n in results.rss
        ]
        out.append("\nResident memory, MB (idle = once ready; peak = during its load runs)")
        out.append(table(["server", "process", "idle", "peak", "finch-sandbox ÷ this"], rows))
        add_summary("peak_rss_mb", {n: v["peak_mb"] for n, v in results.rss.items()}, 1)

    if results.notes:
        out.append("\nNotes:")
        out += [f"  {note}" for note in results.notes]
    if results.errors:
        out.append("\nErrors:")
        out += [f"  {name}: {text}" for name, text in results.errors.items()]
    out.append(
        "\nRatios are finch-sandbox ÷ the other server: for req/s higher is better for"
        " finch-sandbox, for ms and MB lower is."
    )
    out += out_summary
    data = {
        "load": {k: {n: vars(r) for n, r in by.items()} for k, by in results.load.items()},
        "launch_ms": results.launch_ms,
        "rss": results.rss,
        "summary": summary,
        "notes": results.notes,
        "errors": results.errors,
        "load_average_at_start": results.load_average,
    }
    return "\n".join(out), data
