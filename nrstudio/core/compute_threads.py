"""How many threads the heavy numeric work uses, following what other programs leave free.

torch and the BLAS behind numpy split every operation over a fixed team of threads that spin
while they wait for each other. On a lab workstation where other programs keep cores busy
(instrument software, a browser, a spreadsheet), a team member that is not scheduled makes the
others spin: measured on 2 cores beside two CPU-bound programs, batched training took 6.5
times its quiet time with 2 threads and 1.6 times with 1. So the team is sized, about once a
second, to the cores that other programs leave idle (from ``/proc/stat``, Linux); where that
cannot be read, the libraries' defaults stay.

One governor serves the process (:data:`GOVERNOR`); every long function's check for Cancel
(:meth:`nrstudio.core.progress.Reporter.check`) also lets it look. It touches torch only once
torch is loaded, so the command line and the window do not import torch for it.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

PROC_STAT = "/proc/stat"


def _busy_and_total() -> tuple[int, int] | None:
    """All CPUs' busy and total jiffies since boot, or None where /proc/stat is absent."""
    try:
        with open(PROC_STAT, encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


def _own_jiffies() -> int:
    """CPU time of this process (all its threads) in clock ticks."""
    t = os.times()
    return round((t.user + t.system) * os.sysconf("SC_CLK_TCK"))


@dataclass
class ThreadGovernor:
    """Call :meth:`update` often (each epoch, each check for Cancel); at most every
    ``interval`` seconds it sets torch's thread count to the cores other programs leave
    free (at least 1, at most ``cores``)."""

    interval: float = 1.0
    cores: int = 0  # the team size found at the first look (torch's default)
    threads: int = 0
    _last: tuple[float, int, int, int] | None = None

    def update(self) -> int:
        torch = sys.modules.get("torch")
        if torch is None:
            return self.threads
        if not self.cores:
            self.cores = max(torch.get_num_threads(), 1)
        now = time.monotonic()
        # The first decision comes after a fifth of a second, so that a short run does not
        # spend its first second spinning.
        wait = self.interval if self.threads else min(self.interval, 0.2)
        if self._last is not None and now - self._last[0] < wait:
            return self.threads
        stat = _busy_and_total()
        if stat is None:
            return self.threads
        own = _own_jiffies()
        if self._last is not None:
            _, busy0, total0, own0 = self._last
            elapsed = stat[1] - total0
            if elapsed > 0:
                n_cpu = os.cpu_count() or 1
                others = max(stat[0] - busy0 - (own - own0), 0) / elapsed * n_cpu
                free = n_cpu - others
                want = int(min(max(round(free - 0.25), 1), self.cores))
                if want != self.threads:
                    torch.set_num_threads(want)
                    self.threads = want
        self._last = (now, stat[0], stat[1], own)
        return self.threads

    def allowed(self) -> int:
        """Threads that work outside torch (tree walks and fits) may use: the team size
        last chosen, or the CPU count before the governor has looked."""
        return max(1, self.threads or os.cpu_count() or 1)

    def restore(self) -> None:
        """Back to the team size found at the first look."""
        torch = sys.modules.get("torch")
        if torch is not None and self.threads and self.threads != self.cores:
            torch.set_num_threads(self.cores)
        self.threads = 0


GOVERNOR = ThreadGovernor()
