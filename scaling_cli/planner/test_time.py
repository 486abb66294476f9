"""The ``test_time`` section: per-query compute of each workload, its serving roofline and its fleet.

Formulas live in ``engine.test_time`` (FLOP per query, closed form) and ``engine.serving`` (decode
roofline, replica and batch); this module fills in defaults, records them as assumptions and turns
GPU-seconds per query into fleets, GPU-hours, dollars and energy (``engine.costing``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli import defaults, engine_defaults
from scaling_cli.engine import expert_parallel, pipeline, queueing, serving
from scaling_cli.engine import test_time as flops
from scaling_cli.engine.kv_cache import ACTIVATION_BYTES, BYTES_PER_ELEMENT
from scaling_cli.engine.types import whole
from scaling_cli.engine.uncertainty import Sampler, fingerprint
from scaling_cli.engine.units import BYTES_PER_GB
from scaling_cli.errors import PlanError
from scaling_cli.planner import fleet
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware, merge_hardware, model_size, resolve_hardware
from scaling_cli.planner.serving import ServingDefaults, served_model, serving_defaults, serving_device, serving_fabric
from scaling_cli.planner.test_time_accuracy import accuracy_figures, accuracy_warnings, planned_samples
from scaling_cli.scenario.root import Scenario
from scaling_cli.scenario.test_time import TestTimeWorkload

CONVENTION = (
    "forward only: 2·N_active per processed token + 4·L·(H·Q)·t attention for a token attending to t positions "
    "(causal), summed in closed form; verifier and process reward model at 2·N per token read (docs/DOMAIN.md §3)"
)


def _workload_hardware(index: int, workload: TestTimeWorkload, scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler) -> ResolvedHardware:
    """The scenario's hardware, or the workload's own block completed from it (serving figures only in assumptions)."""
    if workload.hardware is None:
        return hardware
    scope = f"test_time[{index}].hardware"
    scratch = Assumptions()
    resolved = resolve_hardware(merge_hardware(scenario.hardware, workload.hardware), scratch, sampler, scope=scope, size=model_size(scenario.model))
    for item in scratch.as_list():
        if item.key.rsplit(".", 1)[-1] in ("accelerator", "precision", "peak_flops", "price_per_hour", "power_w", "pue"):
            assumptions.add(item.key, item.value, item.unit, item.source)
    return resolved


def query_shape(workload: TestTimeWorkload) -> flops.QueryShape:
    search = workload.search
    return flops.QueryShape(
        prompt_tokens=workload.prompt_tokens,
        answer_tokens=workload.output_tokens,
        reasoning_tokens=workload.reasoning_tokens if search is None else search.steps * search.tokens_per_step,
        samples=planned_samples(workload),
        beams=1 if search is None else search.beam_width,
        rounds=1 + workload.revisions,
        prefix_caching=workload.prefix_caching,
    )


def _scoring_flops(workload: TestTimeWorkload, shape: flops.QueryShape) -> Any:
    """Verifier reads each sample (best-of-n); the process reward model reads every beam (search)."""
    total: Any = 0.0
    if workload.aggregation == "best_of_n" and workload.verifier_params is not None:
        total = total + flops.scoring_flops(workload.verifier_params, shape.scored_tokens(shape.samples))
    if workload.search is not None:
        total = total + flops.scoring_flops(workload.search.prm_params, shape.scored_tokens(shape.chains))
    return total


def _check_fits(index: int, workload: TestTimeWorkload, model: serving.ServedModel, device: serving.Device, gpus: Any, context: Any, accelerator: Any) -> None:
    """A replica that cannot hold the weights and one chain is bad input (point estimate only)."""
    if np.all(serving.fits(model, device, gpus, context)):
        return
    what = f"the model's {_figure(float(model.weight_bytes) / BYTES_PER_GB)} GB of weights plus the KV cache of one {_figure(float(context))}-token chain"
    if workload.gpus_per_replica is None:
        largest = 2.0**serving.MAX_REPLICA_EXPONENT * max(serving.REPLICA_MULTIPLES)
        raise PlanError(f"test_time[{index}]", f"no replica of up to {largest:,.0f} × {accelerator.name} can hold {what}")
    needed = serving.min_replica_gpus(model, device, context)
    raise PlanError(
        f"test_time[{index}].gpus_per_replica",
        f"{float(gpus):.0f} × {accelerator.name} cannot hold {what} (needs {float(needed):,.0f} GPUs per replica; omit gpus_per_replica to choose automatically)",
    )


def _serve_expert_parallel(
    index: int, workload: TestTimeWorkload, hw: ResolvedHardware, model: serving.ServedModel, device: serving.Device,
    request: serving.RequestShape, assumptions: Assumptions, check: bool,
) -> serving.ServingChoice:
    """A wide expert-parallel group (``engine/expert_parallel.py``); a dense model, or a group whose
    GPUs cannot hold their share of the weights plus one chain, is bad input."""
    field = f"test_time[{index}].expert_parallel"
    if model.experts is None:
        raise PlanError(field, "expert_parallel spreads routed experts over GPUs: give model.experts and model.top_k")
    group = float(workload.expert_parallel)
    if group > float(np.max(model.experts)):
        raise PlanError(field, f"expert_parallel {group:,.0f} exceeds the model's {float(np.max(model.experts)):,.0f} routed experts per layer (each GPU holds at least one)")
    fabric = serving_fabric(hw, assumptions, f"test_time[{index}]")
    choice = expert_parallel.serve_expert_parallel(model, device, fabric, request, group, workload.latency_target_seconds, step_target=workload.tpot_seconds)
    if check and not np.all(expert_parallel.fits(model, device, group, request.full_context)):
        share = float(np.max(expert_parallel.resident_weight_bytes(model, group))) / BYTES_PER_GB
        raise PlanError(
            field,
            f"one {hw.accelerator.name} of a {group:,.0f}-GPU group cannot hold its {_figure(share)} GB of weights (the dense part and "
            f"1/{group:,.0f} of the experts) plus the KV cache of one {_figure(float(np.max(request.full_context)))}-token chain; raise expert_parallel",
        )
    return choice


def _figure(value: float) -> str:
    """1,400 or 2e+290: digits beyond a double's precision are noise."""
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def _served(
    index: int, workload: TestTimeWorkload, scenario: Scenario, hw: ResolvedHardware, context: dict[str, Any], assumptions: Assumptions
) -> tuple[serving.ServedModel, serving.Device]:
    """The model and accelerator as the roofline sees them; a workload's own ``hardware.mfu`` sets the compute efficiency."""
    own_mfu = workload.hardware is not None and "mfu" in workload.hardware.given
    defaults: ServingDefaults = context["serving"]
    cap, kv_dtype = _engine_settings(index, workload, hw.precision, assumptions)
    device = serving_device(hw, hw.mfu if own_mfu else defaults.compute_efficiency, defaults.bandwidth_efficiency, cap, measured=own_mfu, engine=workload.engine)
    if device is None:
        raise PlanError(f"test_time[{index}]", f"the catalog has no memory size or bandwidth for {hw.accelerator.name}; serving cannot be planned")
    weight_dtype = workload.weight_dtype
    if weight_dtype is not None and BYTES_PER_ELEMENT[weight_dtype] > BYTES_PER_ELEMENT[hw.precision]:
        raise PlanError(
            f"test_time[{index}].weight_dtype",
            f"{weight_dtype} weights are wider than the matmul precision {hw.precision}: an engine stores the weights it multiplies in "
            f"{hw.precision} as {hw.precision} or narrower (omit weight_dtype, or set hardware.precision)",
        )
    model = served_model(scenario.model.params, scenario.model.n_active, defaults.architecture, hw.precision, kv_dtype, scenario.model, weight_dtype)
    return model, device


def _engine_settings(index: int, workload: TestTimeWorkload, precision: str, assumptions: Assumptions) -> tuple[Any, str | None]:
    """The batch cap and KV-cache element: the workload's, else its engine's (``engine_defaults``,
    recorded as assumptions, as is how the engine admits requests); None leaves TensorRT-LLM's rules
    to ``planner.serving``."""
    cap, kv_dtype = workload.max_running_sequences, workload.kv_cache_dtype
    admission = engine_defaults.ENGINE_ADMISSION[workload.engine]
    if workload.engine == defaults.ENGINE.value:
        assumptions.use(admission)  # listed once for every workload on the default engine, as its other rules are
        return cap, kv_dtype
    scope = f"test_time[{index}]"
    assumptions.use(admission, f"{scope}.admission")
    if cap is None:
        cap = assumptions.use(engine_defaults.ENGINE_MAX_RUNNING_SEQUENCES[workload.engine], f"{scope}.max_running_sequences")
    if kv_dtype is None:
        assumptions.use(engine_defaults.ENGINE_KV_CACHE[workload.engine], f"{scope}.kv_cache_dtype")
        kv_dtype = precision if BYTES_PER_ELEMENT[precision] >= ACTIVATION_BYTES else "bf16"
    return cap, kv_dtype


def _pipeline_stages(index: int, device: serving.Device, choice: serving.ServingChoice, assumptions: Assumptions) -> Any:
    """Pipeline stages of the chosen replica (``engine/pipeline.py``), said in the assumptions when above 1."""
    stages = pipeline.stages(device, choice.gpus)
    if np.max(stages) > 1:
        per_stage = whole(pipeline.tensor_parallel(device, choice.gpus))
        note = f"the replica exceeds the {device.scale_up_domain:g}-GPU scale-up domain: {per_stage} tensor-parallel GPUs per stage; "
        assumptions.use(defaults.PIPELINE_STAGES, f"test_time[{index}].pipeline_stages", value=whole(stages), source=note + defaults.PIPELINE_STAGES.source)
    return whole(stages)


def _kv_transfer_seconds(
    workload: TestTimeWorkload, model: serving.ServedModel, choice: serving.ServingChoice, shape: flops.QueryShape, hw: ResolvedHardware, assumptions: Assumptions, index: int
) -> Any:
    """Disaggregated serving moves each prompt's KV cache from the prefill pool to the decode pool:
    the prompt's KV bytes over the replica's scale-out NICs (one per GPU; the catalog's fabric)."""
    if not workload.disaggregated:
        return 0.0
    nic = serving_fabric(hw, assumptions, f"test_time[{index}]").scale_out_bandwidth
    return model.kv_bytes(shape.prompt_tokens) / (nic * choice.gpus)


@dataclass(frozen=True)
class ServingSetup:
    """A workload as the serving model sees it: its hardware, model, device and request."""

    hw: ResolvedHardware
    model: serving.ServedModel
    device: serving.Device
    shape: flops.QueryShape
    request: serving.RequestShape
    scoring: Any


def serving_setup(index: int, workload: TestTimeWorkload, scenario: Scenario, context: dict[str, Any], assumptions: Assumptions, sampler: Sampler) -> ServingSetup:
    """The hardware, model, device and request of workload ``index`` (shared by the plan and ``scaling frontier``)."""
    hw = _workload_hardware(index, workload, scenario, context["hardware"], assumptions, sampler)
    model, device = _served(index, workload, scenario, hw, context, assumptions)
    shape = query_shape(workload)
    n_active, layers, width = scenario.model.n_active, model.architecture.layers, model.architecture.attention_width
    scoring = _scoring_flops(workload, shape)
    prefill = flops.prefill_flops(shape, n_active, layers, width, model.architecture.window)
    request = serving.RequestShape(shape.prompt_tokens, shape.chains, shape.chain_tokens, shape.prefix_caching, prefill + scoring, prefill)
    return ServingSetup(hw, model, device, shape, request, scoring)


def test_time_context(scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler) -> dict[str, Any]:
    """What every workload of a plan shares: the scenario's hardware, the serving defaults, the peak-to-average draw."""
    context: dict[str, Any] = {"hardware": hardware, "serving": serving_defaults(scenario.model, sampler, assumptions)}
    if any(w.peak_to_average is None for w in scenario.test_time):
        context["peak_to_average"] = assumptions.sample(defaults.PEAK_TO_AVERAGE, sampler, "test_time.peak_to_average", low=1.0)
    return context


def _plan_workload(index: int, workload: TestTimeWorkload, scenario: Scenario, context: dict[str, Any], assumptions: Assumptions, sampler: Sampler) -> dict[str, Any]:
    setup = serving_setup(index, workload, scenario, context, assumptions, sampler)
    hw, model, device, shape, request, scoring = setup.hw, setup.model, setup.device, setup.shape, setup.request, setup.scoring
    n_active, layers, width = scenario.model.n_active, model.architecture.layers, model.architecture.attention_width
    window = model.architecture.window
    per_query = flops.policy_flops(shape, n_active, layers, width, window) + scoring
    single = flops.single_pass_flops(shape.prompt_tokens, shape.answer_tokens, n_active, layers, width, window)
    if workload.expert_parallel is not None:
        choice = _serve_expert_parallel(index, workload, hw, model, device, request, assumptions, sampler.is_point)
    else:
        choice = _serve(context, model, device, request, workload)
        if sampler.is_point and np.ndim(choice.gpus) == 0:  # a single plan; sweeps keep a clamped batch of 1
            _check_fits(index, workload, model, device, choice.gpus, request.full_context, hw.accelerator)
    days = workload.days if workload.days is not None else defaults.DAYS.value
    if workload.days is None:
        assumptions.use(defaults.DAYS, f"test_time[{index}].days")
    peak_to_average = workload.peak_to_average if workload.peak_to_average is not None else context["peak_to_average"]
    if shape.samples != workload.samples:
        assumptions.add(f"test_time[{index}].samples", shape.samples, "samples", f"chosen: the fewest whose expected accuracy reaches target_accuracy {workload.target_accuracy:g} ({workload.aggregation}; docs/DOMAIN.md §3.5)")
    return {
        "name": workload.name,
        "accelerator": hw.accelerator.id,
        "precision": hw.precision,
        "weight_dtype": workload.weight_dtype or hw.precision,
        "queries_per_day": workload.queries_per_day,
        "days": days,
        "queries": workload.queries_per_day * days,
        "prompt_tokens": shape.prompt_tokens,
        "output_tokens": shape.answer_tokens,
        "reasoning_tokens": shape.reasoning_tokens,
        "samples": shape.samples,
        **accuracy_figures(index, workload, shape.samples, sampler),
        "parallel_chains": shape.chains,
        "chain_tokens": shape.chain_tokens,
        "context_tokens": request.full_context,
        "generated_tokens_per_query": shape.generated_tokens,
        "flops_per_query": per_query,
        "single_pass_flops_per_query": single,
        "multiplier_vs_single_pass": per_query / single,
        "scoring_flops_per_query": scoring,
        "flops": per_query * workload.queries_per_day * days,
        "kv_cache_bytes_per_token": model.kv_bytes_per_token,
        "gpus_per_replica": whole(choice.gpus),
        "pipeline_stages": None if workload.expert_parallel is not None else _pipeline_stages(index, device, choice, assumptions),
        "expert_parallel": workload.expert_parallel,
        "batch_size": whole(choice.batch),
        "max_batch_in_memory": whole(choice.max_batch),
        "replicas_per_query": whole(choice.replicas_per_request),
        "decode_bound": "compute" if np.mean(choice.compute_bound) > 0.5 else "memory bandwidth",
        "decode_step_seconds": choice.step_seconds,
        "tokens_per_second_per_gpu": choice.tokens_per_second_per_gpu,
        "latency_seconds": choice.latency_seconds,
        "latency_target_seconds": workload.latency_target_seconds,
        **fleet.fleet_and_bill(workload, choice, hw, fleet.Load(peak_to_average, days, shape.chains, _kv_transfer_seconds(workload, model, choice, shape, hw, assumptions, index))),
        **_shared_latency_and_token_prices(context, workload, shape, choice, hw),
    }


def _once(context: dict[str, Any], kind: str, arguments: tuple[Any, ...], compute: Any) -> Any:
    """``compute(*arguments)`` once per plan for each distinct ``arguments`` (bit for bit, by
    ``fingerprint``), remembered under ``kind``; computed every time when they cannot be keyed."""
    key = fingerprint(arguments, context.setdefault("fingerprints", {}))
    if key is None:
        return compute(*arguments)
    known = context.setdefault(kind, {})
    if key not in known:
        known[key] = compute(*arguments)
    return known[key]


def _serve(context: dict[str, Any], model: serving.ServedModel, device: serving.Device, request: serving.RequestShape, workload: TestTimeWorkload) -> serving.ServingChoice:
    """``serving.serve_requests`` once per distinct request of a plan: workloads that differ only in
    their demand (queries, days, peak) share one replica and batch choice and its arrays of samples."""
    arguments = (model, device, request, workload.latency_target_seconds, workload.gpus_per_replica, workload.tpot_seconds)
    return _once(context, "choices", arguments, lambda *a: serving.serve_requests(*a[:5], step_target=a[5]))


def _shared_latency_and_token_prices(context: dict[str, Any], workload: TestTimeWorkload, shape: flops.QueryShape, choice: serving.ServingChoice, hw: ResolvedHardware) -> dict[str, Any]:
    """``_latency_and_token_prices`` once per distinct serving choice, shape and price: workloads that
    differ only in demand get the same arrays (their bands then share one sort)."""
    arguments = (choice, shape.prompt_tokens, shape.generated_tokens, hw.price_per_hour, workload.disaggregated, workload.scheduler_steps)
    return _once(context, "latencies", arguments, _latency_and_token_prices)


def _latency_and_token_prices(choice: serving.ServingChoice, prompt_tokens: Any, generated_tokens: Any, price_per_hour: Any, disaggregated: bool, scheduler_steps: Any) -> dict[str, Any]:
    """Time to first token, time per output token, generated tokens per GPU-second (prefill
    included), and the price of a million input and output tokens: the GPU-seconds of the prefill
    (and scoring) priced per prompt token, the rest per generated token, at the GPU-hour price."""
    decode_gpu_seconds = choice.gpu_seconds_per_request - choice.upfront_gpu_seconds
    price = None if price_per_hour is None else price_per_hour / 3600.0 * 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        per_input = None if price is None else np.where(prompt_tokens > 0, choice.upfront_gpu_seconds / prompt_tokens * price, 0.0)
    return {
        "ttft_seconds": choice.ttft_seconds,
        "ttft_busy_seconds": choice.ttft_seconds + (0.0 if disaggregated else queueing.round_wait_quantile(scheduler_steps, choice.step_seconds, 0.5)),
        "tpot_seconds": choice.step_seconds,
        "output_tokens_per_second_per_gpu": generated_tokens / choice.gpu_seconds_per_request,
        "prefill_tokens_per_second_per_gpu": None if np.all(prompt_tokens == 0) else prompt_tokens / choice.prefill_gpu_seconds,
        "usd_per_million_input_tokens": per_input,
        "usd_per_million_output_tokens": None if price is None else decode_gpu_seconds / generated_tokens * price,
    }


def _total(workloads: list[dict[str, Any]], key: str) -> Any:
    """Sum over workloads, or ``None`` when any workload lacks the figure."""
    values = [w[key] for w in workloads]
    return None if any(v is None for v in values) else sum(values)


def plan_test_time(scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler) -> dict[str, Any] | None:
    """Every workload's per-query compute, serving figures and fleet, and their totals over ``days``."""
    if not scenario.test_time:
        return None
    context = test_time_context(scenario, hardware, assumptions, sampler)
    if any("prefix_caching" not in w.given for w in scenario.test_time):
        assumptions.use(defaults.PREFIX_CACHING)
    workloads = [_plan_workload(i, w, scenario, context, assumptions, sampler) for i, w in enumerate(scenario.test_time)]
    return {
        "queries": sum(w["queries"] for w in workloads),
        "flops": sum(w["flops"] for w in workloads),
        "gpu_hours": sum(w["gpu_hours"] for w in workloads),
        "cost_usd": _total(workloads, "cost_usd"),
        "energy_mwh": _total(workloads, "energy_mwh"),
        "co2_tonnes": _total(workloads, "co2_tonnes"),
        "flops_convention": CONVENTION,
        "workloads": workloads,
    }


def test_time_warnings(scenario: Scenario, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious test-time inputs, printed on stderr and listed in JSON ``warnings``."""
    section = sections.get("test_time")
    if not section:
        return []
    warnings = []
    for index, (workload, out) in enumerate(zip(scenario.test_time, section["workloads"])):
        label = f"test_time[{index}] ({workload.name})"
        target = out["latency_target_seconds"]
        if target is not None and out["latency_seconds"] > target * (1 + 1e-9):
            warnings.append(
                f"{label}: latency {_seconds(out['latency_seconds'])} exceeds latency_target_seconds {_seconds(target)} even at the "
                f"fastest batch and replica (time to first token {_seconds(out['ttft_seconds'])}, then {_seconds(out['tpot_seconds'])} "
                f"per token); the serial chain of {out['chain_tokens']:,.0f} tokens sets a floor"
            )
        if workload.ttft_p95_seconds is not None and out["ttft_seconds"] >= workload.ttft_p95_seconds:
            warnings.append(
                f"{label}: ttft_p95_seconds {_seconds(workload.ttft_p95_seconds)} is below the time to first token of one request "
                f"alone ({_seconds(out['ttft_seconds'])}); the fleet is sized for a queueing delay of a tenth of that (P95 "
                f"{_seconds(out['ttft_p95_seconds'])}); a shorter prompt or a larger replica lowers the floor"
            )
        if workload.tpot_seconds is not None and out["tpot_seconds"] > workload.tpot_seconds * (1 + 1e-9):
            warnings.append(
                f"{label}: tpot_seconds {_seconds(workload.tpot_seconds)} is out of reach: the fastest decode step is "
                f"{_seconds(out['tpot_seconds'])} (batch {out['batch_size']:,}, {out['gpus_per_replica']:,} GPUs per replica)"
            )
        elif workload.tpot_seconds is not None and out["tpot_at_peak_seconds"] > workload.tpot_seconds * (1 + 1e-9):
            warnings.append(
                f"{label}: at the peak load prefill stretches each decode step to {_seconds(out['tpot_at_peak_seconds'])}, beyond "
                f"tpot_seconds {_seconds(workload.tpot_seconds)}; disaggregated: true serves prefill on GPUs of its own"
            )
        if "aggregation" in workload.given and out["samples"] == 1 and workload.target_accuracy is None:
            warnings.append(f"{label}: aggregation {workload.aggregation} has no effect with samples: 1")
        warnings.extend(accuracy_warnings(label, workload, out))
        if out["context_tokens"] > LONG_CONTEXT:
            warnings.append(
                f"{label}: a chain reaches {out['context_tokens']:,.0f} tokens of context, beyond the 128K window of "
                "Llama 3.1 and DeepSeek-V3; check the model can hold it (revisions keep earlier attempts in context)"
            )
        count = workload.hardware.count if workload.hardware is not None else None
        if count is not None and out["gpus_needed_peak"] > count:
            warnings.append(f"{label}: the peak load needs {out['gpus_needed_peak']:,} GPUs but hardware.count is {count:,}")
    return warnings


def _seconds(value: float) -> str:
    """1.56 s, 0.001 s, 2,400 s: three significant figures, never rounded to 0."""
    return f"{value:,.0f} s" if value >= 1000 else f"{value:.3g} s"


#: Context length above which a warning is given: 128K, the window of Llama 3.1 (arXiv 2407.21783) and DeepSeek-V3.
LONG_CONTEXT = 131072
