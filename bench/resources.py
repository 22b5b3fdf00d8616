"""What a process tree uses: resident memory (sampled, and the kernel's high-water mark) and
CPU time, from /proc."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime, all threads


@dataclass(frozen=True)
class CpuSnapshot:
    """Busy CPU seconds of the whole machine, of a server's process tree, of this script, and
    of this script's reaped children (wrk), at one instant."""

    at: float
    machine: float
    server: float
    own: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSnapshot:
        import resource

        try:
            with open("/proc/stat") as fh:
                ticks = [int(v) for v in fh.readline().split()[1:]]
            # user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
            machine = (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK
        except (OSError, ValueError, IndexError):
            machine = 0.0
        server = sum(_process_cpu_seconds(p) for p in process_tree(server_pid))
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        return cls(time.perf_counter(), machine, server, own)

    def cores_since(self, before: CpuSnapshot) -> tuple[float, float]:
        """(server cores, other cores) averaged between `before` and this snapshot."""
        elapsed = self.at - before.at
        if elapsed <= 0:
            return 0.0, 0.0
        server = self.server - before.server
        other = (self.machine - before.machine) - server - (self.own - before.own)
        return server / elapsed, max(other, 0.0) / elapsed


class RssSampler:
    """Peak resident memory of a server's process tree: the largest sum of VmRSS seen every
    50 ms, or the kernel's own high-water mark (VmHWM) of the server process if that is larger."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.idle_kb = sum(_status_kb(p, "VmRSS") for p in process_tree(pid))
        self.peak_kb = self.idle_kb
        self.names = sorted({process_name(p) for p in process_tree(pid)})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            tree = process_tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS") for p in tree))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmHWM"))
