"""Lifetime cost of a model: training plus serving it (Sardana, Doubov, Frankle 2023).

Two objectives for inference-aware sizing:
- ``flops``: 6·N·D_train + 2·N·D_inference (Sardana et al. 2023 §2), the paper's formulation;
- ``cost``: dollars, with training at the calibrated training efficiency (GPU-hours = FLOP ÷ (peak ×
  MFU × 3600) ÷ goodput) and serving timed by the serving roofline (``engine.serving``, the same as
  test-time) for requests of a given prompt and answer length, at the accelerator's price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from scaling_cli import defaults
from scaling_cli.engine import costing, serving
from scaling_cli.engine.pretraining import dense_forward_flops, dense_training_flops
from scaling_cli.engine.scaling_laws import lifetime_flops
from scaling_cli.engine.uncertainty import median
from scaling_cli.engine.units import SECONDS_PER_HOUR
from scaling_cli.errors import ScalingError
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.planner.serving import served_model, serving_device

OBJECTIVES = ("flops", "cost")


@dataclass(frozen=True)
class LifetimeCost:
    """Prices training and serving for a model of N parameters trained on D tokens."""

    hardware: ResolvedHardware
    inference_tokens: float
    prompt_tokens: float = defaults.REQUEST_TOKENS.value[0]
    output_tokens: float = defaults.REQUEST_TOKENS.value[1]

    def _price(self) -> float:
        price = self.hardware.price_per_hour
        if price is None:
            raise ScalingError(f"no price for {self.hardware.accelerator.id} in the catalog: give --price to minimize cost")
        return median(price)

    def training_usd(self, params: Any, tokens: Any) -> Any:
        hw = self.hardware
        hours = costing.training_gpu_hours(dense_training_flops(params, tokens), hw.peak_flops, median(hw.mfu), median(hw.goodput))
        return costing.cost_usd(hours, self._price())

    def serving_gpu_hours(self, params: Any) -> Any:
        """GPU-hours to serve ``inference_tokens`` as requests of prompt + answer tokens on the cheapest
        replica and batch (a dense model of ``params`` with the documented approximate architecture)."""
        device = serving_device(self.hardware, defaults.COMPUTE_EFFICIENCY.value, defaults.BANDWIDTH_EFFICIENCY.value, engine=defaults.ENGINE.value)
        if device is None:
            raise ScalingError(f"the catalog has no memory size or bandwidth for {self.hardware.accelerator.name}: the serving cost cannot be timed")
        n = np.asarray(params, dtype=float)
        model = served_model(n, n, serving.approximate_architecture(n), self.hardware.precision)
        request = serving.RequestShape(self.prompt_tokens, 1, self.output_tokens, True, dense_forward_flops(n, self.prompt_tokens))
        choice = serving.serve_requests(model, device, request)
        requests = self.inference_tokens / (self.prompt_tokens + self.output_tokens)
        return requests * choice.gpu_seconds_per_request / SECONDS_PER_HOUR

    def serving_usd(self, params: Any) -> Any:
        return costing.cost_usd(self.serving_gpu_hours(params), self._price())

    def usd(self, params: Any, tokens: Any) -> Any:
        return self.training_usd(params, tokens) + self.serving_usd(params)

    def objective(self, name: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        if name == "cost":
            return self.usd
        return lambda n, d: lifetime_flops(n, d, self.inference_tokens)
