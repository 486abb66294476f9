"""Type aliases for engine functions that accept scalars or numpy arrays."""

from __future__ import annotations

from typing import Union

import numpy as np

ArrayLike = Union[float, np.ndarray]
