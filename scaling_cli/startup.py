"""Process-wide defaults the ``scaling`` entry point sets before anything heavy is imported."""

from __future__ import annotations

import os

#: Environment defaults set before anything heavy is imported, unless the user set them:
#: numpy's OpenBLAS starts one thread per core at import (tens of ms on a loaded machine) although
#: the planner does no linear algebra worth threading; pydantic scans every installed package's
#: entry points for plugins (``PYDANTIC_DISABLE_PLUGINS``, https://docs.pydantic.dev/latest/concepts/plugins/).
START_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYDANTIC_DISABLE_PLUGINS": "__all__"}


def quiet_start() -> None:
    """Apply ``START_ENVIRONMENT`` where the user has not set a value (README: Performance)."""
    for name, value in START_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
