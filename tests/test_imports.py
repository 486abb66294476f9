"""Start-up discipline: the CLI module loads no heavy library until a command needs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.yaml"))

HEAVY = ("numpy", "yaml", "pydantic", "rich.console", "rich.table", "scaling_cli.planner", "scaling_cli.scenario")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_the_cli_loads_nothing_heavy():
    loaded = _loaded_after("import scaling_cli.cli")
    assert not [m for m in HEAVY if m in loaded]


def _loaded_by_command(*args: str) -> set[str]:
    """Modules loaded by one command run in-process with its output going to a pipe (not a terminal)."""
    return _loaded_after(
        "import io, contextlib\n"
        "from scaling_cli.cli import app\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        f"        app({list(args)!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
    )


def test_json_plan_does_not_load_rich():
    loaded = _loaded_by_command("plan", "--format", "json")
    assert "numpy" in loaded  # the command really ran
    assert "rich.console" not in loaded and "rich.table" not in loaded


@pytest.mark.parametrize("args", [["plan"], ["plan", "--brief"], ["validate", str(CONFIGS[0])], ["sweep", "--vary", "model.params=10B:70B:3", "--top", "2"], ["compare", str(CONFIGS[0]), str(CONFIGS[1])], ["hardware", "list"]])
def test_plain_output_into_a_pipe_never_loads_rich(args):
    """Off a terminal the table is plain text: rich (~150 ms of start-up) is for terminals only."""
    loaded = _loaded_by_command(*args)
    assert [m for m in loaded if m.startswith("scaling_cli.commands.")]  # the command really ran
    assert not [m for m in loaded if m == "rich" or m.startswith("rich.")]


@pytest.mark.parametrize("args", [["hardware", "list", "-f", "json"], ["hardware", "show", "h100"], ["init", "-", "--force"], ["--version"]])
def test_commands_without_a_scenario_build_no_scenario_models_and_load_no_numpy(args):
    loaded = _loaded_by_command(*args)
    assert not [m for m in loaded if m == "numpy" or m.startswith(("scaling_cli.scenario", "scaling_cli.techniques", "scaling_cli.planner"))]


def test_scenario_models_are_built_when_first_used_not_at_import():
    """Importing the scenario format defines its models without building their validators (pydantic's
    ``defer_build``): a command builds the one tree it validates, once, and nothing else."""
    probe = (
        "import scaling_cli.scenario.loading\n"
        "from scaling_cli.scenario.fields import StrictModel\n"
        "def every(cls):\n"
        "    for sub in cls.__subclasses__():\n"
        "        yield sub\n"
        "        yield from every(sub)\n"
        "models = set(every(StrictModel))\n"
        "print(len(models), sum(bool(m.__pydantic_complete__) for m in models))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 10, "the probe found too few models"
    assert out[1] == "0", f"{out[1]} of {out[0]} scenario models were built at import"


def test_validate_draws_no_monte_carlo_samples(cli, monkeypatch):
    """``validate`` plans each file at its point values: no sampler with draws is ever made."""
    from scaling_cli.engine import uncertainty

    sizes = []
    original = uncertainty.Sampler.__init__

    def record(self, size=None, seed=uncertainty.DEFAULT_SEED, **options):
        sizes.append(size)
        original(self, size, seed, **options)

    monkeypatch.setattr(uncertainty.Sampler, "__init__", record)
    result = cli("validate", *map(str, CONFIGS))
    assert result.exit_code == 0, result.stderr
    assert sizes and all(size is None for size in sizes)  # point samplers only
    assert cli("plan", str(CONFIGS[0]), "-f", "json").exit_code == 0
    assert any(size for size in sizes)  # the probe sees plan's Monte Carlo sampler


def test_the_entry_point_sets_thread_and_plugin_defaults_only_where_the_user_has_not():
    """``main`` asks OpenBLAS for one thread and pydantic for no plugin discovery before numpy or a
    model loads, and leaves a value the user set alone."""
    probe = (
        "import os, sys\n"
        "sys.argv = ['scaling', '--version']\n"
        "from scaling_cli.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'], os.environ['PYDANTIC_DISABLE_PLUGINS'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")}
    unset = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env).stdout.split()
    assert unset[-3:] == ["1", "1", "__all__"]
    mine = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={**env, "OPENBLAS_NUM_THREADS": "4", "PYDANTIC_DISABLE_PLUGINS": "logfire"}).stdout.split()
    assert mine[-3:] == ["4", "1", "logfire"]


def test_main_raises_the_collectors_thresholds():
    """A run keeps its trees until it writes them: the cyclic collector's youngest generation is
    collected every 100,000 allocations, not CPython's 700 (``startup.GC_THRESHOLDS``)."""
    probe = "import gc, sys\nsys.argv = ['scaling', '--version']\nfrom scaling_cli.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\nprint(*gc.get_threshold())\n"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert shown[-3:] == ["100000", "50", "100"]


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


def test_a_json_plan_loads_no_masked_arrays_and_no_table_views():
    """A plan written as JSON draws no table (``render.views``) and takes its quantiles and medians
    without numpy's ``np.quantile``/``np.median``/``np.unique``, which load ``numpy.ma`` (~10 ms)."""
    loaded = _loaded_by_command("plan", str(CONFIGS_BY_NAME["frontier-dense.scenario.yaml"]), "--format", "json")
    assert "scaling_cli.planner.plan" in loaded  # the command really ran
    assert "scaling_cli.render.views" not in loaded
    # numpy before 2.0 loads numpy.ma on `import numpy` itself: only what the planner adds counts
    if "numpy.ma" not in _loaded_after("import numpy\n"):
        assert "numpy.ma" not in loaded


CONFIGS_BY_NAME = {path.name: path for path in CONFIGS}
