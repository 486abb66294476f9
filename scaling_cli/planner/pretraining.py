"""The ``pretraining`` section of a plan, and the inverse modes that size a run from a budget."""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli import defaults
from scaling_cli.catalog.fits import LOSS_CAVEAT, default_fit_name, find_fit
from scaling_cli.engine import pretraining as formulas
from scaling_cli.engine.attention_window import attended_layers
from scaling_cli.engine.data_constrained import constrained_loss
from scaling_cli.engine.scaling_laws import ParametricFit, lifetime_flops, lifetime_optimum
from scaling_cli.engine.types import whole
from scaling_cli.engine.uncertainty import median
from scaling_cli.errors import PlanError
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.costing import at_scale, training_time_and_cost
from scaling_cli.planner.data_constrained import data_constrained_figures, data_constrained_warnings
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.planner.test_time import query_shape
from scaling_cli.scenario.model import ModelSpec
from scaling_cli.scenario.pretraining import PretrainingSpec
from scaling_cli.scenario.root import Scenario

CONVENTION_6ND = "6·N_active·D (Kaplan et al. 2020 §2.1)"
#: What the GPU-hours cover: the calibrated efficiency predicts a final run (docs/CALIBRATION.md §1.2).
GPU_HOURS_SCOPE = (
    "the final pretraining run on the tokens given: no ablations, failed runs, extra annealing or context-extension "
    "stages, or post-training (published figures that cover more are marked includes_more in `scaling reference`)"
)
CONVENTION_PALM = "6·N_active·D + 12·L·H·Q·T·D attention (PaLM, Chowdhery et al. 2022 App. B; full context, not causal-halved)"


def solve_pretraining(scenario: Scenario, assumptions: Assumptions) -> Scenario:
    """Fill in ``model.params`` and/or ``pretraining.tokens`` from a ``pretraining.compute`` budget.

    The budget is the 6·N·D compute (attention FLOPs come on top when the architecture is known).
    compute alone -> the fit's compute-optimal (N, D); with tokens -> N = C/(6·D); with params ->
    D = C/(6·N_active). Solved values are recorded as assumptions.
    """
    run = scenario.pretraining
    if run is None or (run.compute is None and run.target_loss is None):
        return scenario
    law = find_fit(run.fit)
    model = scenario.model
    budget = run.compute
    if run.target_loss is not None:
        params, tokens, how = _size_for_loss(scenario, law, assumptions)
    elif model.params is None and run.tokens is None:
        params, tokens = law.optimal_allocation(budget)
        how = f"compute-optimal for {_num(budget)} FLOP with fit {law.name} ({law.source})"
    elif model.params is None:
        tokens = run.tokens
        params = formulas.dense_training_factor(budget, tokens)
        how = f"from pretraining.compute / (6 × pretraining.tokens) = {_num(budget)} / (6 × {_num(tokens)})"
    else:
        params = None
        tokens = formulas.dense_training_factor(budget, model.n_active)
        how = f"from pretraining.compute / (6 × active params) = {_num(budget)} / (6 × {_num(model.n_active)})"
    if params is not None:
        assumptions.add("model.params", _num_value(params), "params", f"solved: {how}")
        model = model.replace(params=params)
    if run.tokens is None:
        assumptions.add("pretraining.tokens", _num_value(tokens), "tokens", f"solved: {how}")
    return scenario.replace(model=model, pretraining=run.replace(tokens=tokens))


def inference_demand_tokens(scenario: Scenario) -> Any:
    """Tokens the model processes over its serving life: Σ workloads queries/day × days × (prompt
    prefills + tokens generated per query), the D_inference of Sardana et al. 2023 (2·N FLOP each)."""
    total: Any = 0.0
    for workload in scenario.test_time:
        shape = query_shape(workload)
        days = defaults.DAYS.value if workload.days is None else workload.days
        total = total + workload.queries_per_day * days * (shape.prefill_tokens() + shape.generated_tokens)
    return total


def _size_for_loss(scenario: Scenario, law: Any, assumptions: Assumptions) -> tuple[Any, Any, str]:
    """(N, D) reaching ``pretraining.target_loss``: the cheapest training run, or with
    ``sizing: lifetime`` the least 6·N·D + 2·N·D_inference (decided at central values)."""
    run = scenario.pretraining
    target = run.target_loss
    if run.sizing == "chinchilla":
        params, tokens = law.cheapest_for_loss(target)
        return params, tokens, f"cheapest training run reaching loss {_num(target)} with fit {law.name}"
    if not isinstance(law, ParametricFit):
        raise PlanError("pretraining.sizing", f"lifetime needs a parametric fit; {law.name} fixes tokens per parameter")
    demand = _num_value(inference_demand_tokens(scenario))
    assumptions.add(
        "pretraining.inference_demand_tokens",
        demand,
        "tokens",
        "Σ test_time workloads: queries/day × days × (prompt prefills + generated tokens); 2·N FLOP each (Sardana et al. 2023 §2)",
    )
    params, tokens = lifetime_optimum(law, _num_value(target), lambda n, d: lifetime_flops(n, d, demand))
    return params, tokens, f"least lifetime FLOP 6·N·D + 2·N·D_inf reaching loss {_num(target)} with fit {law.name} (Sardana et al. 2023)"


def _num_value(value: Any) -> Any:
    return float(value) if np.ndim(value) == 0 else median(value)


def _num(value: Any) -> str:
    return f"{_num_value(value):.4g}"


def plan_pretraining(model: ModelSpec, spec: PretrainingSpec, hardware: ResolvedHardware, assumptions: Assumptions | None = None) -> dict[str, Any]:
    tokens = spec.tokens
    dense = formulas.dense_training_flops(model.n_active, tokens)
    width = model.attention_width
    if model.layers is not None and width is not None and spec.seq_len is not None:
        layers = attended_layers(model.layers, model.attention_window, model.windowed_layers, spec.seq_len)
        attention = formulas.attention_training_flops(layers, width, spec.seq_len, tokens)
        convention = CONVENTION_PALM
    else:
        attention = None
        convention = CONVENTION_6ND + "; attention term omitted (needs model.layers, d_model or heads, and pretraining.seq_len)"
    flops = dense if attention is None else dense + attention
    # One convention with the calibration: the calibrated efficiency is 6·N·D ÷ (hours × peak) of
    # published runs (their attention share folded in), so it times 6·N·D; a given MFU is PaLM's
    # model-FLOPs utilization, attention included, so it times every model FLOP.
    timed = flops if hardware.mfu_given else dense
    convention += "; GPU-hours from " + ("all model FLOPs at the given MFU (PaLM's definition)" if hardware.mfu_given else "6·N·D, the count the calibrated efficiency is fitted on")
    law = find_fit(spec.fit)
    if assumptions is not None and spec.fit is None:
        assumptions.use(defaults.FIT, value=law.name, source=f"default scaling-law fit ({law.source})")
    deadline = hardware.deadline_days
    hardware, scale = at_scale(timed, hardware, assumptions)
    memory = hardware.accelerator.memory_bytes
    min_gpus = None if memory is None else formulas.min_gpus_for_training_state(model.params, memory)
    repeated = data_constrained_figures(law, model.n_active, tokens, spec.unique_tokens)
    loss = law.loss(model.n_active, tokens) if spec.unique_tokens is None else constrained_loss(law, model.n_active, tokens, spec.unique_tokens)
    return {
        "params": model.params,
        "active_params": model.n_active,
        "tokens": tokens,
        "tokens_per_param": tokens / model.n_active,
        "flops": flops,
        "flops_6nd": dense,
        "attention_flops": attention,
        "flops_convention": convention,
        "loss": loss,
        **repeated,
        "fit": law.name,
        "loss_note": LOSS_CAVEAT + ("; for mixture-of-experts the dense fit is evaluated at the active parameters" if model.active_params is not None else ""),
        "accelerator": hardware.accelerator.id,
        "precision": hardware.precision,
        "mfu": hardware.mfu,
        "goodput": hardware.goodput,
        **scale,
        "deadline_days": deadline,
        **training_time_and_cost(timed, hardware),
        "gpu_hours_scope": GPU_HOURS_SCOPE,
        "min_gpus_for_memory": whole(min_gpus),
    }


__all__ = ["plan_pretraining", "solve_pretraining", "default_fit_name"]


#: Tokens per parameter beyond which a plan is flagged: Sardana et al. 2023 trained up to 10,000.
MAX_TOKENS_PER_PARAM = 10_000
#: Training FLOP that Epoch AI projects feasible by 2030, power and chip supply permitting (Sevilla et
#: al. 2024, "Can AI Scaling Continue Through 2030?"); ~5,000x Llama 3.1 405B's 3.8e25.
MAX_FEASIBLE_FLOPS = 2e29
#: MFU above this is beyond any published training run (MegaScale 55.2%, PaLM 46.2%; docs/DOMAIN.md §1).
MAX_PLAUSIBLE_MFU = 0.7


def pretraining_warnings(section: dict[str, Any] | None) -> list[str]:
    """Legal but suspicious pretraining plans (point values)."""
    if section is None:
        return []
    warnings = []
    ratio = section["tokens_per_param"]
    if ratio < 1:
        warnings.append(f"pretraining: {ratio:.2g} tokens per active parameter is below 1: the model sees less data than it has parameters")
    elif ratio > MAX_TOKENS_PER_PARAM:
        warnings.append(
            f"pretraining: {ratio:,.0f} tokens per active parameter is beyond the 10,000 studied by Sardana et al. 2023; scaling-law losses are extrapolations there"
        )
    if section["flops"] > MAX_FEASIBLE_FLOPS:
        warnings.append(
            f"pretraining: {section['flops']:.3g} FLOP is beyond the 2e29 that Epoch AI projects feasible by 2030 (Sevilla et al. 2024): check the magnitudes of model.params and pretraining.tokens"
        )
    if section["mfu"] > MAX_PLAUSIBLE_MFU:
        warnings.append(f"pretraining: MFU {section['mfu']:.2f} is above any published training run (MegaScale 0.552, PaLM 0.462)")
    gpus, needed = section.get("gpus"), section.get("min_gpus_for_memory")
    if gpus is not None and needed is not None and needed > gpus:
        warnings.append(
            f"pretraining: training state (16 bytes/param) needs at least {needed:,} GPUs fully sharded, but the plan has {gpus:,}: the model does not fit"
        )
    return warnings + data_constrained_warnings(section)
