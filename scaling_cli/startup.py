"""Process-wide defaults the ``scaling`` entry point sets before anything heavy is imported."""

from __future__ import annotations

import gc
import os

#: Environment defaults set before anything heavy is imported, unless the user set them:
#: numpy's OpenBLAS starts one thread per core at import (tens of ms on a loaded machine) although
#: the planner does no linear algebra worth threading; pydantic scans every installed package's
#: entry points for plugins (``PYDANTIC_DISABLE_PLUGINS``, https://docs.pydantic.dev/latest/concepts/plugins/).
START_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYDANTIC_DISABLE_PLUGINS": "__all__"}


#: The cyclic garbage collector's thresholds for a run (https://docs.python.org/3/library/gc.html#gc.set_threshold;
#: CPython's are 700, 10, 10). A big plan allocates millions of dicts, floats and arrays that live
#: until it is written (a plan's trees hold no cycles), and each youngest-generation collection
#: re-examines the survivors: with these, the 10,000-group plan of ``benchmarks/big_plans.py`` spends
#: ~0.4 s less CPU time; a single plan or a sweep is not measurably changed.
GC_THRESHOLDS = (100_000, 50, 100)


def quiet_start() -> None:
    """Apply ``START_ENVIRONMENT`` where the user has not set a value, and ``GC_THRESHOLDS`` (README: Performance)."""
    for name, value in START_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    gc.set_threshold(*GC_THRESHOLDS)
