"""``post_training:`` — derivative-model groups (post-training law). Defined by issue #4.

Until then each group is accepted as a free mapping.
"""

from __future__ import annotations

from typing import Any

PostTrainingGroup = dict[str, Any]
