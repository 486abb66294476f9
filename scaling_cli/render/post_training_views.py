"""Table views of the ``post_training`` section (issue #4 may specialise them)."""

from __future__ import annotations

from typing import Any

from scaling_cli.render.model import Table
from scaling_cli.render.views import list_tables


def post_training_tables(section: dict[str, Any]) -> list[Table]:
    return list_tables("post_training", section)
