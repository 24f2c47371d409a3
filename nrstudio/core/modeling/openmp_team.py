"""Running a call once in every thread of torch's OpenMP team (Linux, GNU OpenMP).

Torch's CPU operations (and the MKL products inside them) run on a team of OpenMP threads
that the calling thread starts at its first parallel operation and keeps. A setting that
lives in each thread, such as the CPU's flush-to-zero flag for denormal numbers, is
inherited by team threads started later, but the threads already started keep theirs: a
network trained after one large matrix product in the same thread took 12.3 s instead of
7.5 s (100 epochs of the paper protocol, 2 threads), because the team's second thread
computed with denormal numbers. :func:`on_every_team_thread` opens one OpenMP parallel
region through torch's own ``libgomp`` (``GOMP_parallel``, the entry the compiler emits
for ``#pragma omp parallel``) and runs the call in each of its threads.

Where torch has no ``libgomp`` of its own (other platforms, other builds) nothing is run
and False is returned; the flag then reaches only threads started after it is set.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable
from functools import cache


@cache
def _torch_libgomp() -> ctypes.CDLL | None:
    import torch

    found = sorted(glob.glob(os.path.join(os.path.dirname(torch.__file__), "lib",
                                          "libgomp*.so*")))
    if not found:
        return None
    try:
        lib = ctypes.CDLL(found[0])  # already loaded by torch: the same handle
        lib.GOMP_parallel.restype = None
        lib.GOMP_parallel.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint,
                                      ctypes.c_uint]
    except (OSError, AttributeError):
        return None
    return lib


_REGION = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def on_every_team_thread(call: Callable[[], object], threads: int) -> bool:
    """Run ``call()`` once in each of the ``threads`` threads of the calling thread's
    OpenMP team (the caller among them); False where torch's libgomp is not found."""
    lib = _torch_libgomp()
    if lib is None or threads < 1:
        return False

    def each(_data: int | None) -> None:
        call()

    region = _REGION(each)  # kept alive until the region has ended
    lib.GOMP_parallel(ctypes.cast(region, ctypes.c_void_p), None, threads, 0)
    return True
