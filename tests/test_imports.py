"""Start-up discipline: the CLI module loads no heavy library until a command needs it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "yaml", "pydantic", "rich.console", "rich.table", "scaling_cli.planner", "scaling_cli.scenario")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_the_cli_loads_nothing_heavy():
    loaded = _loaded_after("import scaling_cli.cli")
    assert not [m for m in HEAVY if m in loaded]


def test_json_plan_does_not_load_rich():
    loaded = _loaded_after(
        "import io, contextlib\n"
        "from scaling_cli.cli import app\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        "        app(['plan', '--format', 'json'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert "numpy" in loaded  # the command really ran
    assert "rich.console" not in loaded and "rich.table" not in loaded
