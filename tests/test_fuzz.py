"""Fuzzing (issue #8): random valid scenarios always plan to finite, non-negative figures; the same
with extreme magnitudes either plan or are refused at a line of the file; random mutations of the
example files never reach a traceback.

Both properties run a bounded, derandomized number of examples (no example database), so CI runs the
same cases every time and the module stays well under a minute on a 2-core machine. Raise the counts
locally with ``SCALING_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` to search harder.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scaling_cli.catalog.fits import fits
from scaling_cli.catalog.hardware import accelerators
from scaling_cli.errors import InputError
from scaling_cli.planner.plan import build_plan
from scaling_cli.render.emit import FORMATS, render
from scaling_cli.scenario.loading import validate_document
from scaling_cli.yaml_source import parse_yaml
from tests.conftest import CONFIGS

SCALE = int(os.environ.get("SCALING_FUZZ_EXAMPLES", "0")) or None
FUZZ = settings(
    max_examples=SCALE or 150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
MUTATION_FUZZ = settings(FUZZ, max_examples=SCALE or 200)
#: Monte Carlo samples per plan: enough to exercise every band, small enough to keep the module fast.
SAMPLES = 200

ACCELERATORS = [(a.id, tuple(a.precisions)) for a in accelerators()]
FITS = sorted(fits())


# --- strategies: valid scenarios ------------------------------------------------------------------


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats spread evenly over the decades between ``low`` and ``high``, rounded to 3 digits."""
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: float(f"{10**e:.3g}"))


def quantity(low: float, high: float, *, ranges: bool = True) -> st.SearchStrategy[Any]:
    """A number, sometimes written with a suffix, sometimes an uncertain range ``{low, high, dist}``."""
    number = log_uniform(low, high)
    plain = st.one_of(number, number.map(_with_suffix))
    if not ranges:
        return plain
    return st.one_of(plain, plain, plain, st.builds(_range, number, number, st.sampled_from(["uniform", "loguniform", "triangular", None])))


def whole(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def _with_suffix(value: float) -> Any:
    for suffix, scale in (("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= scale:
            return f"{value / scale:.4g}{suffix}"
    return value


def _range(a: float, b: float, dist: str | None) -> dict[str, Any]:
    low, high = sorted((a, b))
    spec: dict[str, Any] = {"low": low, "high": high}
    if dist is not None:
        spec["dist"] = dist
    if dist == "triangular":
        spec["mode"] = float(f"{math.sqrt(low * high):.3g}") if low < high else low
        spec["mode"] = min(max(spec["mode"], low), high)
    return spec


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``None`` (the key is left out) or a value."""
    return st.one_of(st.none(), strategy)


def mapping(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of the given fields, leaving out those drawn as ``None``."""
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


@st.composite
def hardware(draw: st.DrawFn, *, deadline: bool = True, group: bool = False) -> dict[str, Any]:
    accelerator, precisions = draw(st.sampled_from(ACCELERATORS))
    spec = draw(
        mapping(
            mfu=optional(quantity(0.05, 0.7)),
            goodput=optional(quantity(0.3, 1.0)),
            price_per_hour=optional(st.one_of(st.just(0), quantity(0.1, 20))),
            pue=optional(quantity(1.0, 3.0)),
            carbon_kg_per_kwh=optional(st.one_of(st.just(0), quantity(0.01, 1.0))),
        )
    )
    if draw(st.booleans()):
        spec["accelerator"] = accelerator
        if draw(st.booleans()):
            spec["precision"] = draw(st.sampled_from(precisions))
    sizing = draw(st.sampled_from(["count", "deadline", None] if deadline and not group else ["count", None]))
    if sizing == "count":
        spec["count"] = draw(st.one_of(whole(1, 100_000), st.sampled_from(["8", "1K", "16K"])))
    elif sizing == "deadline":
        spec["deadline_days"] = draw(quantity(1, 1000))
    return spec


@st.composite
def model(draw: st.DrawFn, total: float | None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if total is not None:
        spec["params"] = draw(st.one_of(st.just(total), st.just(_with_suffix(total)), st.builds(_range, st.just(total), st.just(total * 1.5), st.none())))
        if draw(st.booleans()):
            spec["active_params"] = float(f"{total * draw(st.floats(0.02, 1.0)):.3g}")
    if draw(st.booleans()):
        heads = draw(st.sampled_from([8, 16, 32, 64, 128]))
        spec.update(layers=draw(whole(1, 128)), heads=heads, d_model=heads * draw(st.sampled_from([64, 128])))
        spec.update(draw(mapping(kv_heads=optional(st.sampled_from([h for h in (1, 2, 4, 8) if heads % h == 0])), vocab=optional(whole(1000, 256_000)), ffn_dim=optional(whole(256, 65_536)))))
        if draw(st.booleans()):
            spec["head_dim"] = draw(st.sampled_from([64, 128, 256]))
    return spec


@st.composite
def pretraining(draw: st.DrawFn, params: float | None) -> dict[str, Any]:
    """Two of params, tokens and compute, or compute alone; a budget is 6·N·D of a realistic run, so
    the size it implies stays realistic (1e26 FLOP over 1e8 tokens would be a 1.7e17-parameter model)."""
    tokens = draw(log_uniform(1e8, 1e14))
    given = draw(st.sampled_from(["tokens", "tokens", "compute"] if params is not None else ["tokens+compute", "compute"]))
    spec: dict[str, Any] = {}
    if "tokens" in given:
        spec["tokens"] = draw(st.one_of(st.just(tokens), st.just(_with_suffix(tokens)), st.builds(_range, st.just(tokens), st.just(tokens * 2), st.none())))
    if "compute" in given:
        size = params if params is not None else draw(log_uniform(1e7, 2e12))
        spec["compute"] = float(f"{6 * size * tokens:.3g}") if given != "compute" or params is not None else draw(log_uniform(1e18, 1e27))
    spec.update(draw(mapping(seq_len=optional(st.sampled_from([512, 2048, 8192, 131_072])), fit=optional(st.sampled_from(FITS)))))
    return spec


TOKENS = quantity(1e6, 1e12)
PARAMS = quantity(1e7, 1e12)
DECODE_MFU = optional(quantity(0.01, 0.3))


@st.composite
def rl_group(draw: st.DrawFn) -> dict[str, Any]:
    algorithm = draw(st.sampled_from(["ppo", "grpo", "dpo"]))
    spec: dict[str, Any] = {"algorithm": algorithm, "prompt_tokens": draw(quantity(0 + 1, 10_000)), "response_tokens": draw(quantity(1, 30_000))}
    if draw(st.booleans()):
        spec["prompts"] = draw(quantity(100, 1e7))
        spec.update(draw(mapping(epochs=optional(quantity(1, 5)))))
    else:
        spec.update(prompts_per_step=draw(quantity(8, 4096)), steps=draw(quantity(1, 10_000)))
    spec.update(draw(mapping(samples_per_prompt=optional(quantity(1 if algorithm == "ppo" else 2, 64)), reference_model=optional(st.booleans()))))
    if algorithm != "dpo":
        if draw(st.booleans()):
            spec["reward_model_params"] = draw(PARAMS)
        else:
            spec["verifiable_rewards"] = True
        spec.update(draw(mapping(updates_per_batch=optional(quantity(1, 4)), decode_mfu=DECODE_MFU)))
        if algorithm == "ppo":
            spec.update(draw(mapping(critic_params=optional(PARAMS))))
    return spec


@st.composite
def distillation_group(draw: st.DrawFn) -> dict[str, Any]:
    spec = draw(mapping(student_params=PARAMS, tokens=TOKENS, epochs=optional(quantity(1, 4)), teacher_params=optional(PARAMS)))
    work = draw(st.sampled_from(["generated", "labelled", "both"]))
    if work != "labelled":
        spec["teacher_generated_tokens"] = draw(TOKENS)
        spec.update(draw(mapping(decode_mfu=DECODE_MFU)))
    if work != "generated":
        spec["teacher_labelled_tokens"] = draw(TOKENS)
    return spec


@st.composite
def quantization_group(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"method": "ptq", **draw(mapping(calibration_tokens=optional(TOKENS)))}
    return {"method": "qat", "training_tokens": draw(TOKENS)}


TECHNIQUE_FIELDS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "full_finetune": mapping(tokens=TOKENS, epochs=optional(quantity(1, 5))),
    "lora": mapping(tokens=TOKENS, epochs=optional(quantity(1, 5)), rank=optional(st.sampled_from([4, 8, 16, 64, 256]))),
    "distillation": distillation_group(),
    "rl": rl_group(),
    "pruning": mapping(target_params=PARAMS, calibration_tokens=optional(TOKENS), retraining_tokens=optional(TOKENS)),
    "quantization": quantization_group(),
    "synthetic_data": mapping(generated_tokens=TOKENS, generator_params=optional(PARAMS), filter_params=optional(PARAMS), decode_mfu=DECODE_MFU),
    "best_of_n": mapping(prompts=quantity(10, 1e7), n=quantity(1, 64), prompt_tokens=quantity(1, 10_000), response_tokens=quantity(1, 10_000), reward_model_params=PARAMS, decode_mfu=DECODE_MFU),
}


@st.composite
def post_training_group(draw: st.DrawFn, index: int) -> dict[str, Any]:
    technique = draw(st.sampled_from(sorted(TECHNIQUE_FIELDS)))
    spec: dict[str, Any] = {"name": f"group-{index}", "technique": technique, **draw(TECHNIQUE_FIELDS[technique])}
    count = draw(optional(st.one_of(whole(0, 50_000), st.builds(lambda a, b: {"low": min(a, b), "high": max(a, b)}, whole(0, 1000), whole(0, 1000)))))
    if count is not None:
        spec["count"] = count
    if draw(st.booleans()):
        spec["hardware"] = draw(hardware(group=True))
    return spec


@st.composite
def workload(draw: st.DrawFn, index: int) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": f"workload-{index}",
        "queries_per_day": draw(quantity(1, 1e9)),
        "prompt_tokens": draw(st.one_of(st.just(0), quantity(1, 100_000))),
        "output_tokens": draw(quantity(1, 10_000)),
    }
    if draw(st.booleans()):
        spec["search"] = {"beam_width": draw(whole(1, 16)), "steps": draw(whole(1, 50)), "tokens_per_step": draw(quantity(10, 1000)), "prm_params": draw(PARAMS)}
    else:
        spec.update(draw(mapping(reasoning_tokens=optional(quantity(1, 50_000)))))
    if draw(st.booleans()):
        spec.update(aggregation="best_of_n", verifier_params=draw(PARAMS))
    spec.update(
        draw(
            mapping(
                days=optional(quantity(1, 3650)),
                samples=optional(whole(1, 64)),
                revisions=optional(whole(0, 3)),
                prefix_caching=optional(st.booleans()),
                peak_to_average=optional(quantity(1, 5)),
                latency_target_seconds=optional(quantity(0.1, 3600)),
                hardware=optional(hardware(deadline=False)),
            )
        )
    )
    return spec


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    has_pretraining = draw(st.booleans()) or draw(st.booleans())
    params = draw(log_uniform(1e7, 2e12)) if not has_pretraining or draw(st.integers(0, 3)) else None
    scenario: dict[str, Any] = {"name": "fuzz", "model": draw(model(params))}
    run = draw(pretraining(params)) if has_pretraining else None
    if draw(st.booleans()):
        scenario["hardware"] = draw(hardware(deadline=has_pretraining))
    if run is not None:
        scenario["pretraining"] = run
    groups = draw(st.integers(0, 3))
    if groups:
        scenario["post_training"] = [draw(post_training_group(i)) for i in range(groups)]
    workloads = draw(st.integers(0, 2))
    if workloads:
        scenario["test_time"] = [draw(workload(i)) for i in range(workloads)]
    return scenario


# --- property 1: a valid scenario plans to finite, non-negative figures ---------------------------


def numeric_leaves(tree: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in numeric_leaves(value, f"{path}.{key}" if path else str(key))]
    if isinstance(tree, list):
        return [leaf for index, value in enumerate(tree) for leaf in numeric_leaves(value, f"{path}[{index}]")]
    if isinstance(tree, (int, float)) and not isinstance(tree, bool):
        return [(path, tree)]
    return []


@FUZZ
@given(scenarios())
def test_valid_scenarios_plan_to_finite_non_negative_figures(scenario):
    text = yaml.safe_dump(scenario, sort_keys=False)
    try:
        plan = build_plan(validate_document(parse_yaml(text, "fuzz.yaml")), samples=SAMPLES)
    except InputError as exc:  # a deadline no GPU count meets is refused, located (goodput falls with scale)
        assert all(p.field == "hardware.deadline_days" for p in exc.problems), str(exc.problems)
        assume(False)
    document = plan.to_dict()
    leaves = numeric_leaves(document)
    assert leaves
    for path, value in leaves:
        assert math.isfinite(value) and value >= 0, f"{path} = {value}\n{text}"
    json.dumps(document, allow_nan=False)
    for fmt in FORMATS:
        assert render(plan, fmt)


# --- property 2: any finite magnitude plans or is refused, located --------------------------------

#: Doubles from the smallest denormal to the largest finite, and the integers around 2**63.
EXTREME = st.one_of(
    st.sampled_from([5e-324, 1e-308, 1e-300, 1e-30, 1e30, 1e60, 1e154, 1e300, 1.7976931348623157e308, 2**63 - 1, 2**63, 2**64, 10**30]),
    st.floats(min_value=5e-324, max_value=1.7976931348623157e308, allow_nan=False, allow_infinity=False),
)


@st.composite
def extreme_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with one to three numbers replaced by an extreme magnitude."""
    scenario = draw(scenarios())
    for _ in range(draw(st.integers(1, 3))):
        leaves = [path for path, _ in numeric_leaf_paths(scenario)]
        path = draw(st.sampled_from(leaves))
        parent = scenario
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(EXTREME)
    return scenario


def numeric_leaf_paths(tree: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """Paths of the numbers and quantity strings a scenario tree holds (names and switches excluded)."""
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in numeric_leaf_paths(value, (*path, key))]
    if isinstance(tree, list):
        return [leaf for index, value in enumerate(tree) for leaf in numeric_leaf_paths(value, (*path, index))]
    if isinstance(tree, (int, float)) and not isinstance(tree, bool) or isinstance(tree, str) and tree[:1].isdigit():
        return [(path, tree)]
    return []


@FUZZ
@given(extreme_scenarios())
def test_extreme_magnitudes_plan_or_are_refused_at_a_line(scenario):
    text = yaml.safe_dump(scenario, sort_keys=False)
    try:
        plan = build_plan(validate_document(parse_yaml(text, "fuzz.yaml")), samples=SAMPLES)
    except InputError as exc:
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml" and problem.line is not None and problem.column is not None, f"{problem}\n{text}"
            assert "\n" not in str(problem) and len(str(problem)) < 400, str(problem)
        return
    for path, value in numeric_leaves(plan.to_dict()):
        assert math.isfinite(value) and value >= 0, f"{path} = {value}\n{text}"
    for fmt in FORMATS:
        assert render(plan, fmt)


# --- property 3: a mutated example file never reaches a traceback ---------------------------------

EXAMPLES = [path.read_text(encoding="utf-8") for path in CONFIGS]
#: Replacement tokens: numbers at the edges, other types, YAML syntax, tags, anchors and aliases.
TOKENS_TO_INSERT = [
    "0", "-1", "1e400", "-1e-400", ".nan", ".inf", "1e308", "1e-308", "5e-324", "1" + "0" * 400, "1" + "0" * 5000, "70m", "7Q", "1_0",
    "true", "null", "~", "[]", "{}", "[1, 2]", "{low: 5, high: 1}", "{low: 0, high: 1e300, dist: loguniform}", "'", '"', "&a", "*a", "*b",
    "!!python/object/apply:os.system [ls]", "!!binary aGk=", "!!float x", "!!int x", "!!timestamp x", "2024-13-45", "!include x", "<<: *a",
    "- x", ": :", "? x", "|", ">", "%YAML 1.1", "---", "...", "#", "\t", "\x00", "\x1b", "\ufeff", "é", "\U0001f600", "\r", "\u2028",
]  # fmt: skip


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(EXAMPLES)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            lines = ["\n"]
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "value", "truncate"]))
        if kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "swap" and len(line) > 1:
            i = draw(st.integers(0, len(line) - 2))
            lines[index] = line[:i] + line[i + 1] + line[i] + line[i + 2 :]
        elif kind == "insert":
            at = draw(st.integers(0, len(line)))
            token = draw(st.one_of(st.sampled_from(TOKENS_TO_INSERT), st.text(max_size=4)))
            lines[index] = line[:at] + token + line[at:]
        elif kind == "indent":
            lines[index] = draw(st.sampled_from(["", " ", "   ", "\t", "      "])) + line.lstrip(" ")
        elif kind == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(TOKENS_TO_INSERT))}\n"
        elif kind == "truncate":
            lines = lines[:index]
    return "".join(lines)


LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<column>\d+): ")


@MUTATION_FUZZ
@given(text=mutated_example())
def test_mutated_examples_never_reach_a_traceback(text, cli, tmp_path):
    path = tmp_path / "mutated.scenario.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    for args in (("plan", str(path), "-f", "json", "--samples", str(SAMPLES), "-o", str(out)), ("validate", str(path))):
        result = cli(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), f"{args[0]}: {result.exception!r}\n{text}"
        assert result.exit_code in (0, 1), f"{args[0]} exited {result.exit_code}\n{result.stderr}\n{text}"
        assert "Traceback" not in result.stderr
        if result.exit_code == 1:
            first = result.stderr.splitlines()[0]
            assert LOCATED.match(first) and first.startswith(f"{path}:"), f"{args[0]}: unlocated: {first}\n{text}"
    if out.exists():
        json.loads(out.read_text(encoding="utf-8"))


# --- regressions: what the properties above found, as plain tests ---------------------------------


def _plan(text: str) -> Any:
    return build_plan(validate_document(parse_yaml(text, "regression.yaml")), samples=SAMPLES)


@pytest.mark.parametrize("phase", ["post_training:\n  - {name: sft, technique: full_finetune, tokens: 1B, hardware: {count: 8}}\n", "test_time:\n  - {name: chat, queries_per_day: 1K, prompt_tokens: 100, output_tokens: 100, hardware: {count: 8}}\n"])
def test_own_hardware_inherits_the_precision_of_an_accelerator_without_bf16(phase):
    """A V100 has no bf16: a group's or workload's own hardware took the H100's default (bf16) with
    the inherited V100 and raised CatalogLookupError; it inherits the scenario's fp16."""
    document = _plan("name: t\nhardware: {accelerator: v100}\nmodel: {params: 1B}\n" + phase).to_dict()
    section = document["post_training"]["derivatives"][0] if "post_training" in phase else document["test_time"]["workloads"][0]
    assert section["accelerator"] == "nvidia-v100-sxm2-32gb"


@pytest.mark.parametrize(
    "text, metric",
    [
        # 6·N·D underflows to 0: the deadline needs 0 GPUs and wall-clock is 0/0 (was ZeroDivisionError).
        ("name: t\nhardware: {deadline_days: 1}\nmodel: {params: 5e-324}\npretraining: {tokens: 100M}\n", "pretraining."),
        # compute 5e-324 over 1e8 tokens sizes a 0-parameter model: tokens per parameter is x/0.
        ("name: t\nmodel: {}\npretraining: {tokens: 100M, compute: 5e-324}\n", "pretraining."),
        # A 0-FLOP generation step took 0 seconds: its decode MFU was 0/0 (was ZeroDivisionError).
        ("name: t\nmodel: {params: 5e-324}\npost_training:\n  - {name: b, technique: best_of_n, prompts: 10, n: 1, prompt_tokens: 1, response_tokens: 1, reward_model_params: 10M, decode_mfu: 0.1}\n", "post_training.derivatives[0]."),
    ],
)
def test_magnitudes_that_underflow_to_zero_are_refused_not_divided_by(text, metric):
    with pytest.raises(InputError) as info:
        _plan(text)
    (problem,) = info.value.problems
    assert problem.field.startswith(metric) and problem.line is not None
    assert "the planned value is not a finite number" in problem.message


def test_bars_of_a_near_overflow_value_render():
    """BAR_WIDTH × 1.7e308 overflowed before the division by the largest bar (OverflowError in the table)."""
    groups = "post_training:\n  - {name: a, technique: full_finetune, tokens: 1.6e156}\n  - {name: b, technique: full_finetune, tokens: 1B}\n"
    plan = _plan("name: t\nmodel: {params: 1e150}\npretraining: {tokens: 1B}\n" + groups)  # 9.6e306 FLOP: finite
    for fmt in FORMATS:
        assert render(plan, fmt)


# --- property 4 (issue #17): random --set, --seed and --fit never reach a traceback ---------------

COMMAND_LINE_FUZZ = settings(FUZZ, max_examples=SCALE or 80)
#: --set values: every class of hostile value, as a user would type it.
SET_VALUES = [
    *TOKENS_TO_INSERT, "!!bool x", "!!binary aGk=", '"\\e]0;pwned\\a"', '"\\x1b]52;c;aGk=\\a"', '"a\\nb"', "a\x1b[31mb", "\u2028", "{low: 0.1, high: 0.3}",
    "{low: 1, high: 1e300}", "{target_loss: 1.5}", "{deadline_days: 1e-300}", "1e-300", "1.5", "x" * 300, "h100", "fp8", "rule20", "lora", "- 1",
]  # fmt: skip
SET_PATHS = [
    "name", "description", "model.params", "model.active_params", "model.layers", "model.1", "hardware.count", "hardware.deadline_days",
    "hardware.accelerator", "hardware.precision", "hardware.mfu", "pretraining", "pretraining.tokens", "pretraining.compute",
    "pretraining.target_loss", "pretraining.fit", "post_training", "post_training[0].count", "post_training[0].name",
    "post_training[0].hardware.deadline_days", "post_training[9].tokens", "test_time[0].hardware.deadline_days", "test_time[0].samples",
    "test_time[0].name", "nope", "model..params", "[0].x", "a-b", "",
]  # fmt: skip
SEEDS = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(["-1", "0", "1e3", "x", str(2**64), "", "1.5"]))
FIT_NAMES = st.sampled_from([*FITS, "kaplan2020", "", "RULE20", "besiroglu2024\x1b", "hoffmann2022 "])


@st.composite
def hostile_command_line(draw: st.DrawFn) -> list[str]:
    args = ["plan", str(draw(st.sampled_from(CONFIGS))), "--format", "json", "--samples", draw(st.sampled_from(["0", "50"]))]
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.one_of(st.sampled_from(SET_PATHS), st.text(max_size=6)))
        value = draw(st.one_of(st.sampled_from(SET_VALUES), st.text(max_size=6)))
        args += ["--set", f"{path}={value}"]
    if draw(st.booleans()):
        args += ["--seed", draw(SEEDS)]
    if draw(st.booleans()):
        args += ["--fit", draw(FIT_NAMES)]
    return args


def assert_clean_refusal(result: Any, path: str | None, args: Any) -> None:
    """Exit 0, 1 or 2 and never a traceback; bad input (1) is one line per problem, located in the
    file or on the --set that caused it."""
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{result.exception!r}\n{args}"
    assert result.exit_code in (0, 1, 2), f"exit {result.exit_code}\n{result.stderr}\n{args}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, f"{result.stderr}\n{args}"
    if result.exit_code == 1:
        first = result.stderr.splitlines()[0]
        located = LOCATED.match(first) and (path is None or first.startswith(f"{path}:"))
        assert located or first.startswith(("--set: ", "error: ", "scaling optimal: ")), f"unlocated: {first}\n{args}"
        assert len(first) < 600 and "\x1b" not in result.stderr, f"{first!r}\n{args}"


@COMMAND_LINE_FUZZ
@given(args=hostile_command_line())
def test_random_set_seed_and_fit_on_the_examples_never_reach_a_traceback(args, cli, tmp_path):
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    result = cli(*args, "--output", str(out))
    assert_clean_refusal(result, None, args)
    if result.exit_code == 0:
        json.loads(out.read_text(encoding="utf-8"), parse_constant=lambda name: pytest.fail(f"{name} in JSON\n{args}"))


# --- property 5 (issue #17): an example with hostile values in its tree never reaches a traceback --

PARSED_EXAMPLES = [yaml.safe_load(text) for text in EXAMPLES]
#: Values a tree node is replaced with: every type, the magnitudes at the edges, control characters
#: (yaml.safe_dump writes them as escapes), ranges that are not ranges.
HOSTILE_NODES = st.one_of(
    st.sampled_from([
        -1, 0, 0.5, 1.5, 5e-324, 1e-300, 1e300, 1.7976931348623157e308, 2**53 + 1, 2**64, 10**400, "", " ", "7Q", "70m", "1e400", ".nan",
        "\x1b]0;pwned\x07", "a\nb", "tab\there", "\u2028", "\u202e", True, None, [], {}, [1, 2], {"low": 0.1, "high": 0.3}, {"low": 5, "high": 1},
        {"low": 0, "high": 1e300, "dist": "loguniform"}, {"deadline_days": 1e-300}, {"count": 1.5}, "x" * 1000,
    ]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)  # fmt: skip


def tree_paths(tree: Any, path: tuple = ()) -> list[tuple]:
    """Every node's path below the root (mappings, lists and leaves)."""
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    return [p for key, value in children for p in [(*path, key), *tree_paths(value, (*path, key))]]


@st.composite
def structurally_mutated_example(draw: st.DrawFn) -> Any:
    tree = copy.deepcopy(draw(st.sampled_from(PARSED_EXAMPLES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = tree_paths(tree)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(HOSTILE_NODES))  # a copy: the sampled [] and {} are shared between examples
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["", "1.5", "x.y", "\x1b", "count", "deadline_days", "hardware"]))] = copy.deepcopy(draw(HOSTILE_NODES))
    return tree


@MUTATION_FUZZ
@given(tree=structurally_mutated_example())
def test_examples_with_hostile_values_never_reach_a_traceback(tree, cli, tmp_path):
    path = tmp_path / "mutated.scenario.yaml"
    path.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    result = cli("plan", str(path), "--format", "json", "--samples", "50", "--output", str(out))
    assert_clean_refusal(result, str(path), path.read_text(encoding="utf-8"))
    assert result.exit_code in (0, 1)
    if result.exit_code == 0:
        json.loads(out.read_text(encoding="utf-8"))
