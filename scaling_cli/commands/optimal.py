"""``scaling optimal``: the model size and data that spend a budget best, under a named fit.

A budget arrives as FLOP, GPU-hours, dollars, or GPUs × days, and is turned into 6·N·D compute with
the same efficiency defaults as ``scaling plan`` (so the result plans back to the same numbers);
``--params``/``--tokens`` fix one side, ``--target-loss`` asks for the cheapest run reaching a loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from scaling_cli import defaults
from scaling_cli.catalog.fits import LOSS_CAVEAT, UnknownFit, find_fit
from scaling_cli.engine import costing, data_constrained
from scaling_cli.engine.data_constrained import constrained_loss, constrained_optimum
from scaling_cli.engine.pretraining import dense_forward_flops, dense_training_factor, dense_training_flops
from scaling_cli.engine.scaling_laws import ParametricFit, ScalingLaw, UnreachableLoss, lifetime_flops, lifetime_optimum
from scaling_cli.planner.lifetime import OBJECTIVES, LifetimeCost
from scaling_cli.engine.uncertainty import Sampler, band_settings
from scaling_cli.errors import ScalingError, UsageError
from scaling_cli.planner.plan import check_finite, to_plain
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.bands import add_bands
from scaling_cli.planner.costing import at_scale, training_time_and_cost
from scaling_cli.planner.hardware import ResolvedHardware, resolve_hardware
from scaling_cli.render import views
from scaling_cli.result import SCHEMA_VERSION, Assumption
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.scenario.inputs import freeze


@dataclass(frozen=True)
class OptimalRequest:
    """What the user asked: one budget (or a target loss), optional fixed side, hardware."""

    compute: float | None = None
    gpu_hours: float | None = None
    budget_usd: float | None = None
    gpus: int | None = None
    days: float | None = None
    params: float | None = None
    tokens: float | None = None
    target_loss: float | None = None
    inference_tokens: float | None = None
    objective: str = "flops"
    prompt_tokens: float | None = None
    output_tokens: float | None = None
    fit: str | None = None
    unique_tokens: float | None = None
    hardware: dict[str, Any] = field(default_factory=dict)

    def check_values(self) -> None:
        """Every figure in its range before anything is computed: a usage error naming the option."""
        for name in (*_POSITIVE, *_NON_NEGATIVE):
            value = getattr(self, name)
            if value is not None and (value < 0 or value == 0 and name in _POSITIVE):
                words = "greater than 0" if name in _POSITIVE else "greater than or equal to 0"
                raise UsageError(f"--{name.replace('_', '-')}: must be {words} (got {value:g})")
        if self.gpus is not None and self.gpus < 1:
            raise UsageError(f"--gpus: must be at least 1 (got {self.gpus})")
        price = self.hardware.get("price_per_hour")
        if price is not None and price < 0:
            raise UsageError(f"--price: must be greater than or equal to 0 (got {price:g})")
        if price == 0 and self.budget_usd is not None:
            raise UsageError("--price: a --budget-usd budget buys no GPU-hours at a price of 0; give the USD per GPU-hour")

    def budget_kind(self) -> str | None:
        self.check_values()
        kinds = [
            name
            for name, given in (
                ("compute", self.compute is not None),
                ("gpu_hours", self.gpu_hours is not None),
                ("budget_usd", self.budget_usd is not None),
                ("gpus_days", self.days is not None),
                ("target_loss", self.target_loss is not None),
            )
            if given
        ]
        if len(kinds) > 1:
            raise UsageError(f"give one budget, not several ({', '.join('--' + k.replace('_', '-') for k in kinds)})")
        if self.days is not None and self.gpus is None:
            raise UsageError("--days needs --gpus (the budget is GPUs × days)")
        if self.params is not None and self.tokens is not None:
            raise UsageError("--params and --tokens fix both sides: give one, or use `scaling plan`")
        if self.target_loss is not None and (self.params is not None or self.tokens is not None):
            raise UsageError("--target-loss chooses both params and tokens: drop --params/--tokens")
        if self.inference_tokens is not None and self.target_loss is None:
            raise UsageError("--inference-tokens needs --target-loss (the quality the model must reach)")
        if self.objective not in OBJECTIVES:
            raise UsageError(f"--objective {self.objective!r}: choose {' or '.join(OBJECTIVES)}")
        if self.unique_tokens is not None and (self.target_loss is not None or self.inference_tokens is not None):
            raise UsageError("--unique-tokens caps the data of a budget's run: give a budget (--compute, --gpu-hours, --budget-usd, --gpus with --days), not --target-loss")
        if self.inference_tokens is None and (self.objective != "flops" or self.prompt_tokens is not None or self.output_tokens is not None):
            raise UsageError("--objective, --prompt-tokens and --output-tokens apply to inference-aware sizing: give --inference-tokens")
        return kinds[0] if kinds else None


#: Options that must be above zero, and those that may be zero.
_POSITIVE = ("compute", "gpu_hours", "budget_usd", "days", "params", "tokens", "target_loss", "output_tokens", "unique_tokens")
_NON_NEGATIVE = ("inference_tokens", "prompt_tokens")
#: The command-line option of a hardware field, where their names differ.
_OPTION_OF = {"count": "--gpus", "price_per_hour": "--price"}


@dataclass
class OptimalResult:
    request: OptimalRequest
    law: ScalingLaw
    values: dict[str, Any]
    assumptions: list[Assumption]
    uncertainty: dict[str, Any] | None

    def tables(self) -> list[Any]:
        return views.optimal_tables(self)

    def csv_table(self) -> Any:
        return views.flat_csv_table(self.values, "optimal")

    def long_figures(self) -> tuple[dict[str, Any], str]:
        return {"optimal": self.values}, ""

    def to_dict(self) -> dict[str, Any]:
        inputs = {k: v for k, v in self.request.__dict__.items() if v is not None and k != "hardware"}
        return {
            "schema_version": SCHEMA_VERSION,
            "inputs": {**inputs, **self.request.hardware},
            "assumptions": [a.to_dict() for a in self.assumptions],
            "uncertainty": self.uncertainty,
            **self.values,
        }


def _hardware(request: OptimalRequest, assumptions: Assumptions, sampler: Sampler, size: tuple[Any, Any] | None = None) -> ResolvedHardware:
    spec_fields = {k: v for k, v in request.hardware.items() if v is not None}
    if request.gpus is not None:
        spec_fields["count"] = request.gpus
    try:
        spec = HardwareSpec.model_validate(spec_fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _OPTION_OF.get(str(first["loc"][0]), "--" + str(first["loc"][0]).replace("_", "-")) if first["loc"] else "hardware"
        raise UsageError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None
    return resolve_hardware(freeze(spec, sampler), assumptions, sampler, size=size)


def _compute_from_budget(kind: str | None, request: OptimalRequest, hardware: ResolvedHardware) -> Any:
    """The 6·N·D FLOP a budget buys: its reserved GPU-hours through the inverses in ``engine/costing.py``."""
    if kind == "compute":
        return request.compute
    if kind == "budget_usd":
        if hardware.price_per_hour is None:
            raise ScalingError(f"no price for {hardware.accelerator.id} in the catalog: give --price (USD per GPU-hour)")
        gpu_hours = costing.gpu_hours_bought(request.budget_usd, hardware.price_per_hour)
    elif kind == "gpus_days":
        gpu_hours = costing.gpu_hours_in(request.gpus, request.days)
    elif kind == "gpu_hours":
        gpu_hours = request.gpu_hours
    else:
        return None
    return costing.training_flops_bought(gpu_hours, hardware.peak_flops, hardware.mfu, hardware.goodput)


#: Fixed-point passes for the FLOP that --gpus × --days buy at scale (goodput depends on the run's length).
SCALE_PASSES = 8


def _at_count(request: OptimalRequest, hardware: ResolvedHardware) -> ResolvedHardware:
    """The hardware at ``--gpus`` for a run that fills ``--days``: the FLOP bought and the goodput of a run
    that long depend on each other, so iterate (``planner/costing.at_scale``, the plan's own rule)."""
    scaled = hardware
    for _ in range(SCALE_PASSES):
        flops = _compute_from_budget("gpus_days", request, scaled)
        scaled, _ = at_scale(flops, hardware)
    return scaled


def _lifetime_cost(request: OptimalRequest, hardware: ResolvedHardware) -> LifetimeCost:
    return LifetimeCost(
        hardware,
        request.inference_tokens or 0.0,
        defaults.REQUEST_TOKENS.value[0] if request.prompt_tokens is None else request.prompt_tokens,
        defaults.REQUEST_TOKENS.value[1] if request.output_tokens is None else request.output_tokens,
    )


def _allocate(law: ScalingLaw, kind: str | None, request: OptimalRequest, compute: Any, point_hardware: ResolvedHardware) -> tuple[Any, Any]:
    if kind == "target_loss":
        try:
            if request.inference_tokens is not None:
                if not isinstance(law, ParametricFit):
                    raise UsageError(f"--inference-tokens needs a parametric fit; {law.name} fixes tokens per parameter")
                cost = _lifetime_cost(request, point_hardware).objective(request.objective)
                return _no_worse_than_chinchilla(law, request.target_loss, lifetime_optimum(law, request.target_loss, cost), cost)
            return law.cheapest_for_loss(request.target_loss)
        except UnreachableLoss as exc:
            raise ScalingError(str(exc)) from None
    if request.params is not None:
        tokens = law.optimal_tokens(request.params) if compute is None else dense_training_factor(compute, request.params)
        return request.params, tokens
    if request.tokens is not None:
        params = law.optimal_params(request.tokens) if compute is None else dense_training_factor(compute, request.tokens)
        return params, request.tokens
    if compute is None:
        raise UsageError("give a budget (--compute, --gpu-hours, --budget-usd, or --gpus with --days), --target-loss, --params or --tokens")
    if request.unique_tokens is not None:
        return constrained_optimum(law, compute, request.unique_tokens)
    return law.optimal_allocation(compute)


def _model_size(law: ScalingLaw, kind: str | None, request: OptimalRequest) -> tuple[Any, Any]:
    """The model size the calibrated efficiency is read at: the budget buys compute at the
    efficiency of the model it buys, so iterate allocation and efficiency to their fixed point."""
    size: tuple[Any, Any] | None = None
    for _ in range(SIZING_ROUNDS):
        point_hardware = _hardware(request, Assumptions(), Sampler.point(), size)
        params, _ = _allocate(law, kind, request, _compute_from_budget(kind, request, point_hardware), point_hardware)
        if size is not None and abs(params / size[0] - 1) < 1e-12:
            break
        size = (params, params)
    assert size is not None
    return size


#: Rounds of the allocation/efficiency fixed point (it moves by well under 1% after three).
SIZING_ROUNDS = 30


def _no_worse_than_chinchilla(law: ParametricFit, target: float, chosen: tuple[Any, Any], cost: Any) -> tuple[Any, Any]:
    """The lifetime optimum, or the Chinchilla-optimal model of the same loss where the search's
    point is not cheaper (no or little inference: the two coincide, and float noise of the search
    must not show as a negative saving)."""
    chinchilla = law.cheapest_for_loss(target)
    lifetime = [float(np.asarray(cost(np.array([n]), np.array([d])))[0]) for n, d in (chosen, chinchilla)]
    return chosen if lifetime[0] < lifetime[1] else chinchilla


def _evaluate(request: OptimalRequest, law: ScalingLaw, sampler: Sampler, assumptions: Assumptions) -> dict[str, Any]:
    kind = request.budget_kind()
    size = _model_size(law, kind, request)
    hardware = _hardware(request, assumptions, sampler, size)
    # the choice itself is made at point values; samples only spread its time and cost
    point_hardware = hardware if sampler.is_point else _hardware(request, Assumptions(), Sampler.point(), size)
    if kind == "gpus_days":  # GPUs × days: MFU and goodput at that count and run length, as a plan of the answer has
        hardware, point_hardware = _at_count(request, hardware), _at_count(request, point_hardware)
    params, tokens = _allocate(law, kind, request, _compute_from_budget(kind, request, hardware), point_hardware)
    flops = dense_training_flops(params, tokens)
    spend = training_time_and_cost(flops, hardware)
    if kind == "gpus_days":
        spend["wall_clock_days"] = costing.wall_clock_days(spend["gpu_hours"], request.gpus)
    lifetime = {} if request.inference_tokens is None else _lifetime(law, request, params, tokens, flops, point_hardware, assumptions)
    capped = {} if request.unique_tokens is None else _data_cap(law, request.unique_tokens, params, tokens, flops)
    return {
        "params": params,
        "tokens": tokens,
        "tokens_per_param": tokens / params,
        "flops": flops,
        "loss": law.loss(params, tokens) if request.unique_tokens is None else constrained_loss(law, params, tokens, request.unique_tokens),
        **capped,
        "fit": law.name,
        "fit_source": law.source,
        "loss_note": LOSS_CAVEAT,
        "accelerator": hardware.accelerator.id,
        "mfu": hardware.mfu,
        "goodput": hardware.goodput,
        **spend,
        **lifetime,
    }


def _data_cap(law: ScalingLaw, unique: float, params: Any, tokens: Any, flops: Any) -> dict[str, Any]:
    """The data-constrained figures beside the allocation (Muennighoff et al. 2023, docs/DOMAIN.md §1.9):
    epochs and effective data, the unconstrained optimum's loss at the same compute, what 10× more
    compute would buy under the cap, the loss unlimited compute approaches, and the budget past which
    10× more compute buys under a tenth of what it would with unlimited unique data."""
    bigger = constrained_optimum(law, 10 * flops, unique)
    return {
        "unique_tokens": unique,
        "epochs": data_constrained.epochs(tokens, unique),
        "effective_tokens": data_constrained.effective_tokens(tokens, unique),
        "effective_params": data_constrained.effective_params(params, data_constrained.supported_params(law, tokens, unique)),
        "loss_unlimited_data": law.loss(*law.optimal_allocation(flops)),
        "gain_from_10x_compute": constrained_loss(law, params, tokens, unique) - constrained_loss(law, *bigger, unique),
        "loss_floor": data_constrained.loss_floor(law, unique),
        "saturation_flops": data_constrained.saturation_flops(law, unique),
    }


def _lifetime(
    law: ScalingLaw, request: OptimalRequest, params: Any, tokens: Any, flops: Any, hardware: ResolvedHardware, assumptions: Assumptions
) -> dict[str, Any]:
    """Lifetime FLOP (training + 2·N per inference token) and, with a price, lifetime dollars
    (training + serving on the roofline) of the inference-aware choice, beside the Chinchilla-optimal
    model of the same loss and what choosing the former saves (Sardana et al. 2023)."""
    demand = request.inference_tokens
    pricing = _lifetime_cost(request, hardware)
    if request.objective == "cost" or hardware.price_per_hour is not None:
        if request.prompt_tokens is None or request.output_tokens is None:
            assumptions.use(defaults.REQUEST_TOKENS, value=f"{pricing.prompt_tokens:g} + {pricing.output_tokens:g}")
    chin_params, chin_tokens = law.cheapest_for_loss(request.target_loss)

    def lifetime(n: Any, d: Any) -> dict[str, Any]:
        figures = {
            "inference_flops": dense_forward_flops(n, demand),
            "lifetime_flops": lifetime_flops(n, d, demand),
            "serving_gpu_hours": None,
            "lifetime_cost_usd": None,
        }
        if hardware.price_per_hour is not None:
            figures["serving_gpu_hours"] = pricing.serving_gpu_hours(n)
            figures["lifetime_cost_usd"] = pricing.usd(n, d)
        return figures

    chosen, chinchilla = lifetime(params, tokens), lifetime(chin_params, chin_tokens)
    key = "lifetime_cost_usd" if request.objective == "cost" else "lifetime_flops"
    return {
        "objective": request.objective,
        "inference_tokens": demand,
        **chosen,
        "chinchilla": {"params": chin_params, "tokens": chin_tokens, "tokens_per_param": chin_tokens / chin_params, "flops": dense_training_flops(chin_params, chin_tokens), **chinchilla},
        "saving_flops": chinchilla["lifetime_flops"] - chosen["lifetime_flops"],
        "saving_usd": None if chosen["lifetime_cost_usd"] is None else chinchilla["lifetime_cost_usd"] - chosen["lifetime_cost_usd"],
        "saving_fraction": 1 - chosen[key] / chinchilla[key],
    }


def solve_optimal(request: OptimalRequest, *, samples: int, seed: int) -> OptimalResult:
    try:
        law = find_fit(request.fit)
    except UnknownFit as exc:
        raise UsageError(f"--fit: {exc}") from None
    assumptions = Assumptions()
    with np.errstate(all="ignore"):  # an overflow or 0/0 is reported by check_finite, not as a numpy warning
        values = to_plain(_evaluate(request, law, Sampler.point(), assumptions))
        check_finite(values, "scaling optimal")
        if samples:
            values = to_plain(add_bands(values, _evaluate(request, law, Sampler(samples, seed), Assumptions()), prefix="optimal"))
    return OptimalResult(request, law, values, assumptions.as_list(), band_settings(samples, seed))


def optimal(*, hardware: dict[str, Any], samples: int, seed: int, **budget: Any) -> OptimalResult:
    """``scaling optimal`` from its options: ``budget`` holds the request's plain fields (``compute``,
    ``gpu_hours``, ``target_loss``, ...), ``hardware`` the accelerator options."""
    return solve_optimal(OptimalRequest(hardware=hardware, **budget), samples=samples, seed=seed)
