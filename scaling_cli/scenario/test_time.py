"""``test_time:`` — inference / reasoning workloads (test-time law). Defined by issue #5.

Until then each workload is accepted as a free mapping.
"""

from __future__ import annotations

from typing import Any

TestTimeWorkload = dict[str, Any]
