"""The ``scaling`` command line: typer wiring and nothing else.

Each command parses its options, calls its use-case in ``scaling_cli.commands`` and hands the
result to ``render.emit``; domain errors become one line on stderr and a documented exit code
(``error_boundary``, ``main``). Only typer and the standard library are imported at module level;
each command imports its use-case when it runs, deferred for start-up speed (a test enforces this:
start-up time is completion latency and pipe latency).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

from scaling_cli import __version__
from scaling_cli.cli_options import (
    FitOption, ForceOption, FormatOption, OutputFormat, OutputOption, SamplesOption, ScenarioArgument, SchemaFormat, SeedOption, SetOption, Template,
)  # fmt: skip
from scaling_cli.defaults import MONTE_CARLO_SAMPLES, MONTE_CARLO_SEED
from scaling_cli.errors import ExitCode, InputError, ScalingError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="scaling",
    help="Plan the compute, GPU-hours, cost and energy of pretraining, post-training and test-time scaling.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
hardware_app = typer.Typer(help="Browse the accelerator catalog.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(hardware_app, name="hardware")


def _stderr(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _report(exc: ScalingError) -> None:
    if isinstance(exc, InputError):
        for problem in exc.problems:
            _stderr(str(problem))
    else:
        _stderr(f"error: {exc}")


def error_boundary(func: F) -> F:
    """Turn domain errors into one line per problem on stderr and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScalingError as exc:
            _report(exc)
            raise typer.Exit(int(exc.exit_code)) from None

    return wrapper  # type: ignore[return-value]


def _emit(result: Any, fmt: OutputFormat, output: str | None, force: bool) -> None:
    from scaling_cli.render.emit import emit

    emit(result, fmt.value, output, force)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"scaling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", callback=_version_callback, is_eager=True)] = False,
) -> None:
    """Plan AI compute across pretraining, post-training and test-time scaling."""


@app.command()
@error_boundary
def plan(
    scenario: ScenarioArgument = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    overrides: SetOption = None,
    samples: SamplesOption = MONTE_CARLO_SAMPLES,
    seed: SeedOption = MONTE_CARLO_SEED,
    fit: FitOption = None,
    brief: Annotated[bool, typer.Option("--brief", help="Only the headline (one 80x24 screen), not the breakdowns; JSON and CSV stay whole.")] = False,
) -> None:
    """Plan a scenario: FLOP, GPU-hours, wall-clock, cost and energy per phase, with P10-P90 bands.

    The table opens with the headline (per phase and in total, and the three laws' ratios); the
    breakdowns follow unless --brief."""
    from scaling_cli.commands.plan import brief as brief_of, plan_scenario

    result = plan_scenario(scenario, overrides or (), samples=samples, seed=seed, fit=fit)
    for warning in result.warnings:
        _stderr(f"warning: {warning}")
    _emit(brief_of(result) if brief else result, fmt, output, force)


@app.command()
@error_boundary
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files to check.", metavar="FILE...")],
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Check scenario files; problems are printed as FILE:LINE:COL: field: message. Exit 1 if any is invalid."""
    from scaling_cli.commands.validate import validate_files

    report = validate_files(files)
    if fmt is OutputFormat.table:
        for line in report.messages():
            _stderr(line)
    else:
        _emit(report, fmt, output, force)
    if not report.valid:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@app.command()
@error_boundary
def schema(
    fmt: Annotated[SchemaFormat, typer.Option("--format", "-f", help="Output format: json (the schema's only one).")] = SchemaFormat.json,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Print the JSON Schema (draft-07) of the scenario format, for editors and CI validators."""
    from scaling_cli.commands.schema import write_schema

    write_schema(output, force=force)


@app.command()
@error_boundary
def init(
    path: Annotated[str, typer.Argument(help="Where to write the starter scenario.")] = "my-model.scenario.yaml",
    template: Annotated[Template, typer.Option("--template", "-t", help="lifecycle (default: all three phases), pretraining, or reasoning-service.")] = Template.lifecycle,
    force: ForceOption = False,
) -> None:
    """Write a commented starter scenario to PATH (never overwrites without --force)."""
    from scaling_cli.commands.init import write_starter

    _stderr(write_starter(path, template.value, force=force))


def _quantity(text: str) -> float:
    from scaling_cli.quantity import parse_quantity

    return parse_quantity(text)


def _count(text: str) -> int:
    from scaling_cli.quantity import parse_count

    return parse_count(text)


def _qty_option(help_text: str, *names: str) -> Any:
    return typer.Option(*names, parser=_quantity, metavar="QTY", help=help_text)


@app.command()
@error_boundary
def optimal(
    compute: Annotated[Optional[float], _qty_option("Training FLOP budget (6·N·D), e.g. 3e24.", "--compute")] = None,
    gpu_hours: Annotated[Optional[float], _qty_option("Budget in reserved GPU-hours, e.g. 2M.", "--gpu-hours")] = None,
    budget_usd: Annotated[Optional[float], _qty_option("Budget in US dollars, e.g. 10M.", "--budget-usd")] = None,
    gpus: Annotated[Optional[int], typer.Option("--gpus", parser=_count, metavar="N", help="GPUs available (with --days).")] = None,
    days: Annotated[Optional[float], _qty_option("Days available on --gpus GPUs.", "--days")] = None,
    params: Annotated[Optional[float], _qty_option("Fix the model size and solve the tokens, e.g. 70B.", "--params")] = None,
    tokens: Annotated[Optional[float], _qty_option("Fix the training tokens and solve the model size, e.g. 15T.", "--tokens")] = None,
    target_loss: Annotated[Optional[float], _qty_option("Find the cheapest (params, tokens) reaching this predicted loss.", "--target-loss")] = None,
    inference_tokens: Annotated[
        Optional[float], _qty_option("With --target-loss: lifetime inference tokens; minimizes training + inference (Sardana et al. 2023).", "--inference-tokens")
    ] = None,
    lifetime_objective: Annotated[
        str, typer.Option("--objective", help="With --inference-tokens: minimize lifetime 'flops' (default) or 'cost' (training + serving on the roofline).")
    ] = "flops",
    prompt_tokens: Annotated[Optional[float], _qty_option("With --objective cost: prompt tokens per request (default 70).", "--prompt-tokens")] = None,
    output_tokens: Annotated[Optional[float], _qty_option("With --objective cost: answer tokens per request (default 215).", "--output-tokens")] = None,
    fit: Annotated[Optional[str], typer.Option("--fit", help="Scaling-law fit: besiroglu2024 (default), hoffmann2022, hoffmann2022-exact, sardana2023, rule20, muennighoff2023.")] = None,
    unique_tokens: Annotated[
        Optional[float], _qty_option("Unique tokens available: the budget's best run under this data cap (Muennighoff et al. 2023), e.g. 5T.", "--unique-tokens")
    ] = None,
    accelerator: Annotated[str, typer.Option("--accelerator", help="Catalog id or alias.")] = "h100",
    precision: Annotated[Optional[str], typer.Option("--precision", help="Precision of the dense peak (default bf16).")] = None,
    mfu: Annotated[Optional[float], _qty_option("Model FLOPs utilization (default: calibrated).", "--mfu")] = None,
    goodput: Annotated[Optional[float], _qty_option("Goodput (default 0.90).", "--goodput")] = None,
    price: Annotated[Optional[float], _qty_option("USD per GPU-hour (default: catalog).", "--price")] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    samples: SamplesOption = MONTE_CARLO_SAMPLES,
    seed: SeedOption = MONTE_CARLO_SEED,
) -> None:
    """Compute-optimal params and tokens for a budget (FLOP, GPU-hours, USD or GPUs x days), or for a target loss."""
    from scaling_cli.commands.optimal import optimal as solve

    hardware = {"accelerator": accelerator, "precision": precision, "mfu": mfu, "goodput": goodput, "price_per_hour": price}
    result = solve(
        hardware=hardware, samples=samples, seed=seed, compute=compute, gpu_hours=gpu_hours, budget_usd=budget_usd, gpus=gpus, days=days,
        params=params, tokens=tokens, target_loss=target_loss, inference_tokens=inference_tokens, objective=lifetime_objective,
        prompt_tokens=prompt_tokens, output_tokens=output_tokens, fit=fit, unique_tokens=unique_tokens,
    )  # fmt: skip
    _emit(result, fmt, output, force)


@app.command()
@error_boundary
def sweep(
    scenario: ScenarioArgument = None,
    varies: Annotated[Optional[list[str]], typer.Option("--vary", help="PATH=START:STOP[:N][:log] or PATH=a,b,c (repeatable; several form a grid).", metavar="PATH=SPEC")] = None,
    objective: Annotated[Optional[str], typer.Option("--objective", help="Metric path to optimize, e.g. pretraining.cost_usd.", metavar="METRIC")] = None,
    maximize: Annotated[bool, typer.Option("--maximize/--minimize", help="Direction of the objective (default: minimize).")] = False,
    where: Annotated[Optional[list[str]], typer.Option("--where", help="Constraint METRIC<=VALUE (also <, >=, >, ==, !=); repeatable.", metavar="COND")] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Best points to show; 0 = every point (for CSV).")] = 10,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
    overrides: SetOption = None,
    samples: Annotated[int, typer.Option("--samples", min=0, max=100_000, help="Monte Carlo samples per point for P10-P90 bands (default 0: none).")] = 0,
    seed: SeedOption = MONTE_CARLO_SEED,
) -> None:
    """Evaluate the plan over a grid of inputs in one vectorized pass; rank, filter and report the best points."""
    from scaling_cli.commands.sweep import sweep_scenario
    from scaling_cli.progress import ProgressBar

    with ProgressBar(fmt is not OutputFormat.json and sys.stderr.isatty()) as progress:
        result = sweep_scenario(
            scenario, overrides or (), varies or (), objective=objective, maximize=maximize, where=where or (),
            top=top, samples=samples, seed=seed, progress=progress,
        )  # fmt: skip
    _emit(result, fmt, output, force)


@app.command()
@error_boundary
def frontier(
    scenario: ScenarioArgument = None, fmt: FormatOption = OutputFormat.table, output: OutputOption = None, force: ForceOption = False, overrides: SetOption = None,
    workload: Annotated[Optional[str], typer.Option("--workload", "-w", help="Workload by name (default: the first).", metavar="NAME")] = None,
    accelerator: Annotated[Optional[list[str]], typer.Option("--accelerator", "-a", help="Accelerator (repeatable), or 'all' for the catalog.", metavar="NAME")] = None,
) -> None:
    """Tokens/s per GPU against tokens/s per user for every replica size and batch the planner weighs: the Pareto frontier."""
    from scaling_cli.commands.frontier import frontier as frontier_of

    _emit(frontier_of(scenario, overrides or (), workload=workload, accelerator=accelerator or ()), fmt, output, force)


@app.command()
@error_boundary
def levers(scenario: ScenarioArgument = None, fmt: FormatOption = OutputFormat.table, output: OutputOption = None, force: ForceOption = False, overrides: SetOption = None) -> None:
    """Where the next dollar goes: each lever's capability gain (loss, accuracy) per extra dollar, serving included."""
    from scaling_cli.commands.levers import levers as levers_of

    _emit(levers_of(scenario, overrides or ()), fmt, output, force)


@app.command()
@error_boundary
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario files; the first is the baseline.", metavar="SCENARIO...")],
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Plan several scenarios side by side, with differences and ratios to the first."""
    from scaling_cli.commands.compare import compare_scenarios

    _emit(compare_scenarios(list(scenarios)), fmt, output, force)


@app.command()
@error_boundary
def plot(
    scenario: ScenarioArgument = None,
    out: Annotated[str, typer.Option("--out", "-o", help="Picture to write: FILE.svg or FILE.png.", metavar="FILE")] = ...,  # type: ignore[assignment]
    force: ForceOption = False,
    overrides: SetOption = None,
) -> None:
    """Draw the lifecycle breakdown, the loss-vs-compute frontier and cumulative compute over time (needs the [plot] extra)."""
    from scaling_cli.commands.plot import plot_scenario

    _stderr(plot_scenario(scenario, out, overrides or (), force=force))


@app.command()
@error_boundary
def report(
    scenario: ScenarioArgument = None, output: OutputOption = None, force: ForceOption = False, overrides: SetOption = None,
    samples: SamplesOption = MONTE_CARLO_SAMPLES, seed: SeedOption = MONTE_CARLO_SEED, fit: FitOption = None,
) -> None:
    """Write the plan as one self-contained HTML page (tables with P10-P90, charts, assumptions, the scenario) to share or print to PDF."""
    from scaling_cli.commands.report import report_scenario

    for line in report_scenario(scenario, overrides or (), samples=samples, seed=seed, fit=fit, output=output, force=force).messages():
        _stderr(line)


@app.command()
@error_boundary
def reference(
    in_sample: Annotated[bool, typer.Option("--in-sample", help="Predict each run with the full fit instead of leaving it out.")] = False,
    serving: Annotated[bool, typer.Option("--serving", help="The serving model against published inference throughput, TTFT and TPOT instead.")] = False,
    post_training: Annotated[bool, typer.Option("--post-training", help="The planner against published post-training jobs (fine-tuning, RL) instead.")] = False,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The planner against published training runs: predicted vs reported FLOP and GPU-hours, and band coverage."""
    if post_training:
        from scaling_cli.commands.reference_post_training import post_training_reference

        _emit(post_training_reference(), fmt, output, force)
        return
    if serving:
        from scaling_cli.commands.reference_serving import serving_reference

        _emit(serving_reference(), fmt, output, force)
        return
    from scaling_cli.commands.reference import reference_report

    _emit(reference_report(leave_one_out=not in_sample), fmt, output, force)


@hardware_app.command("list")
@error_boundary
def hardware_list(fmt: FormatOption = OutputFormat.table, output: OutputOption = None, force: ForceOption = False) -> None:
    """List every accelerator: dense peaks, memory, bandwidth, power, indicative price, aliases."""
    from scaling_cli.commands.hardware import hardware_list as catalog

    _emit(catalog(), fmt, output, force)


@hardware_app.command("show")
@error_boundary
def hardware_show(
    accelerator: Annotated[str, typer.Argument(help="Catalog id or alias, e.g. h100.", metavar="ID")],
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show one accelerator with every figure and its sources."""
    from scaling_cli.commands.hardware import hardware_show as one

    _emit(one(accelerator), fmt, output, force)


def main() -> None:
    """Console-script entry point: the CLI plus Ctrl-C and internal-error handling.

    Domain errors are handled per command (``error_boundary``); an operating-system error (a device
    that fails, a file that cannot be opened) is bad input, exit 1; anything else is a bug, reported in
    one line with exit code 70 unless ``SCALING_DEBUG`` is set, which shows the traceback."""
    from scaling_cli.output import guard_stdout
    from scaling_cli.startup import quiet_start

    quiet_start()  # before numpy or a pydantic model loads
    guard_stdout()
    try:
        app()
    except KeyboardInterrupt:
        _stderr("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
    except OSError as exc:
        if os.environ.get("SCALING_DEBUG"):
            raise
        _stderr(f"error: {exc.filename + ': ' if isinstance(exc.filename, str) else ''}{exc.strerror or exc}")
        sys.exit(int(ExitCode.BAD_INPUT))
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if os.environ.get("SCALING_DEBUG"):
            raise
        _stderr(f"internal error: {type(exc).__name__}: {exc} (a bug in scaling-cli; rerun with SCALING_DEBUG=1 for the traceback and please report it)")
        sys.exit(int(ExitCode.INTERNAL))
