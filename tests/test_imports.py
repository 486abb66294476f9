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


def test_every_module_imports_first_so_there_is_no_import_cycle():
    """Each module of the package imported into a fresh set of ``scaling_cli`` modules: a cycle that
    only a lucky import order hides fails here (the probe clears the package between imports)."""
    probe = (
        "import importlib, pkgutil, sys\n"
        "import scaling_cli\n"
        "names = [m.name for m in pkgutil.walk_packages(scaling_cli.__path__, 'scaling_cli.')]\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'scaling_cli' or m.startswith('scaling_cli.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as exc:\n"
        "        failed.append(f'{name}: {exc}')\n"
        "print(len(names)); print('\\n'.join(failed))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert int(out[0]) > 50, "the probe found too few modules"
    failures = [line for line in out[1:] if line]
    assert not failures, "\n".join(failures)


def test_the_engine_never_imports_the_cli_layers():
    """The engine is pure arithmetic: no typer, rich, pydantic, scenario, planner or renderer."""
    loaded = _loaded_after("import pkgutil, importlib, scaling_cli.engine as e\nfor m in pkgutil.iter_modules(e.__path__): importlib.import_module('scaling_cli.engine.' + m.name)")
    assert not [m for m in loaded if m.split(".")[0] in ("typer", "rich", "pydantic") or m.startswith(("scaling_cli.scenario", "scaling_cli.planner", "scaling_cli.render", "scaling_cli.commands"))]
