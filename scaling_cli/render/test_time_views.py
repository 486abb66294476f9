"""Table views of the ``test_time`` section (issue #5 may specialise them)."""

from __future__ import annotations

from typing import Any

from scaling_cli.render.model import Table
from scaling_cli.render.views import list_tables


def test_time_tables(section: dict[str, Any]) -> list[Table]:
    return list_tables("test_time", section)
