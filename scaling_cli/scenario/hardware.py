"""``hardware:`` — which accelerator, how many, how efficiently, and what an hour of it costs."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from scaling_cli import defaults
from scaling_cli.catalog.hardware import PRECISION_KEYS, CatalogLookupError, find_accelerator
from scaling_cli.errors import shown
from scaling_cli.scenario.fields import Fraction, NonNegativeQuantity, PositiveCount, PositiveQuantity, StrictModel, uncertain, user_error



class HardwareSpec(StrictModel):
    """The accelerators a phase runs on. Unset figures come from the catalog and calibration."""

    accelerator: str = Field(
        defaults.ACCELERATOR.value,
        description="Catalog id or alias (case-insensitive), e.g. nvidia-h100-sxm5-80gb, h100, a100-80gb, tpu-v5p.",
    )
    precision: str | None = Field(
        None,
        validate_default=True,
        description=f"Matmul precision whose dense peak is used: {', '.join(PRECISION_KEYS)}. Default bf16 (fp16 where the accelerator has no bf16).",
    )
    count: PositiveCount | None = Field(None, description="Number of accelerators (GPUs/TPU chips).")
    deadline_days: PositiveQuantity | None = Field(None, description="Finish pretraining within this many days: the plan sizes the GPU count (instead of count).")
    mfu: Fraction | None = Field(None, description="Model FLOPs utilization in (0, 1]; default: calibrated per accelerator class.")
    goodput: Fraction | None = Field(None, description="Fraction of reserved time spent on productive training; default: from the GPU count and run length for pretraining (Young/Daly), else 0.90.")
    price_per_hour: NonNegativeQuantity | None = Field(None, description="USD per accelerator-hour; default: the catalog's indicative price.")
    pue: uncertain(ge=1, le=5) | None = Field(None, description="Data-centre power usage effectiveness (>= 1); default 1.2.")
    carbon_kg_per_kwh: NonNegativeQuantity | None = Field(None, description="Grid carbon intensity in kg CO2e per kWh; CO2 is reported only when set.")

    @field_validator("accelerator")
    @classmethod
    def _known_accelerator(cls, value: str) -> str:
        try:
            return find_accelerator(value).id
        except CatalogLookupError as exc:
            raise user_error("unknown_accelerator", str(exc)) from None

    @field_validator("precision")
    @classmethod
    def _precision_available(cls, value: str | None, info: ValidationInfo) -> str | None:
        accelerator: Any = info.data.get("accelerator")
        if value is None:
            if accelerator is None:
                return None
            return find_accelerator(accelerator).default_precision
        value = value.strip().lower()
        if value not in PRECISION_KEYS:
            raise user_error("unknown_precision", f"unknown precision {shown(value)}; valid: {', '.join(PRECISION_KEYS)}")
        if accelerator is not None:
            try:
                find_accelerator(accelerator).peak_flops(value)
            except CatalogLookupError as exc:
                raise user_error("precision_unavailable", str(exc)) from None
        return value

    @model_validator(mode="after")
    def _count_or_deadline(self) -> HardwareSpec:
        if self.count is not None and self.deadline_days is not None:
            raise user_error("count_and_deadline", "give count or deadline_days, not both (a deadline sizes the GPU count)", field="deadline_days")
        return self
