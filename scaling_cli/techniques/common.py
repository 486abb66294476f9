"""What every post-training technique module shares: the group base class, field helpers, the
documented defaults, and the ``Technique`` record a module exports as ``TECHNIQUE``.

A technique module (``full_finetune.py``, ``rl.py``, ...) holds one technique whole: its scenario
spec (a ``DerivativeGroup`` subclass), its step builder, its one-line formula, its defaults with their
sources, its warnings, and whether it generates. Formulas themselves live in
``engine/post_training.py``, once each with their source (docs/DOMAIN.md §2).

Step builders and warnings read their inputs by attribute only (``group.tokens``,
``model.n_active``, ``model.layers``), so they work on any record with those names, not only on the
pydantic specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from scaling_cli.defaults import Default, Recorder
from scaling_cli.engine import post_training as formulas
from scaling_cli.engine.attention_window import attended_layers
from scaling_cli.engine.post_training import Step
from scaling_cli.scenario.fields import StrictModel, uncertain, user_error
from scaling_cli.scenario.ranges import Range

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: At least one: a sample count or a group size.
AtLeastOne = uncertain(ge=1)


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and not value.is_integer():
        raise user_error("whole_number", f"must be a whole number of models (got {value:g}); write a range {{low, high}} for an uncertain count")
    if isinstance(value, Range):
        for bound, figure in (("low", value.low), ("high", value.high), ("mode", value.mode)):
            if figure is not None and not float(figure).is_integer():
                raise user_error("whole_number", f"{bound} must be a whole number of models (got {figure:g})")
    return value


#: How many derivatives a group builds: a whole number, or a range when uncertain.
DerivativeCount = Annotated[uncertain(ge=0), AfterValidator(_whole_number)]


def hardware_field() -> Any:
    return Field(None, description="Accelerators for this group; unset fields come from the scenario's hardware, except its GPU count.")


def decode_mfu_field() -> Any:
    return Field(
        None,
        description="Decode utilization of generation steps, as a fraction of the dense peak; default: the serving roofline (batch, KV-cache reads, bandwidth).",
    )


def sample_tokens_field() -> Any:
    return Field(None, description="Mean length of one generated sample in tokens (sets the KV cache the decoder reads); default 1,024.")


def epochs_field() -> Any:
    return Field(1, description="Passes over the tokens.")


def recomputes(group: Any) -> bool:
    """``recompute_activations``, false on a record without it (builders read by attribute)."""
    return bool(getattr(group, "recompute_activations", False))


def recompute_field() -> Any:
    return Field(False, description="Activation recomputation: the backward reruns the forward, +2·N per trained token (8·N·D instead of 6·N·D).")


def sequence_length_field() -> Any:
    return Field(None, description="Tokens per training sequence; with model.layers and the attention width it adds attention FLOPs, 12·L·(H·Q)·T per token (PaLM App. B).")


def attention_flops(group: Any, model: Any, tokens: Any) -> Any:
    """Attention FLOP of training the scenario's model on ``tokens`` in the group's sequences
    (``engine.post_training.fine_tuning_attention``), 0 without the sequence length or architecture."""
    length = getattr(group, "sequence_length", None)
    return formulas.fine_tuning_attention(model_attention_layers(model, length), getattr(model, "attention_width", None), length, tokens)


def model_attention_layers(model: Any, seq_len: Any) -> Any:
    """The model's layers as its training attention term counts them at ``seq_len``: sliding-window
    layers at min(T, W) / T of a full one (``engine.attention_window.attended_layers``)."""
    return attended_layers(getattr(model, "layers", None), getattr(model, "attention_window", None), getattr(model, "windowed_layers", None), seq_len)


class DerivativeGroup(StrictModel):
    """What every group has; each technique narrows ``technique`` to its own tag and adds its fields,
    ending with ``hardware: HardwareSpec | None = hardware_field()`` (every group has it; declared by
    each technique so that it comes last in the JSON Schema)."""

    name: GroupName = Field(description="Shown in every output.")
    technique: str = Field(description="The technique's name; each technique's spec narrows it to its own literal.")
    count: DerivativeCount = Field(1, description="Derivative models built this way (whole number, or a range {low, high}); 0 switches the group off.")

    @model_validator(mode="after")
    def _no_deadline(self) -> DerivativeGroup:
        hardware = getattr(self, "hardware", None)
        if hardware is not None and "deadline_days" in hardware.model_fields_set:
            raise user_error("group_deadline", "deadline_days sizes the pretraining cluster; give a derivative group hardware.count instead", field="hardware.deadline_days")
        return self


# --- defaults ----------------------------------------------------------------------------------


#: ``Default`` (value, unit, source, key, prior) and ``Recorder`` are the project's one table of
#: defaults' types (``scaling_cli/defaults.py``); a technique's own defaults are records of it.
__all__ = ["Default", "Recorder"]


#: Mean length of one generated sample when distillation or synthetic data do not say.
SAMPLE_TOKENS = Default(
    1024,
    "tokens",
    "planning convention for chat-length samples (DeepSeek-R1's summaries average 689 tokens, arXiv 2501.12948); "
    "reasoning traces run 10-20x longer (DeepSeek-R1-0528: 12K-23K tokens per AIME question) - set sample_tokens",
    "post_training[].sample_tokens",
)
#: Calibration set of post-training quantization and one-shot pruning.
CALIBRATION_TOKENS = Default(
    128 * 2048,
    "tokens",
    "128 random 2,048-token segments of C4: GPTQ (Frantar et al. 2022, arXiv 2210.17323 §4), SparseGPT "
    "(Frantar & Alistarh 2023, arXiv 2301.00774 §4) and Wanda (Sun et al. 2023, arXiv 2306.11695 §4)",
    "post_training[].calibration_tokens",
)
MODEL_DEFAULT_SOURCE = "default: the scenario's model (model.active_params, else model.params)"
#: For the table of defaults: which fields default to the scenario's model (``model_default``).
TEACHER_PARAMS = Default("the scenario's model", "params", MODEL_DEFAULT_SOURCE, "post_training[].teacher_params")
GENERATOR_PARAMS = Default("the scenario's model", "params", MODEL_DEFAULT_SOURCE, "post_training[].generator_params")


def model_default(given: Any, model: Any, key: str, assumptions: Recorder) -> Any:
    """``given``, else the parameters per token of the scenario's model (the one being adapted)."""
    return Default(model.n_active, "params", MODEL_DEFAULT_SOURCE).unless(given, key, assumptions)


# --- the record --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSize:
    """Central (active, total) parameters of the scenario's model, ``None`` where unknown: what
    warnings compare a group's sizes with."""

    active: Any
    total: Any


#: ``steps(group, model, scope, assumptions)``: one derivative's passes over data; ``model`` is the
#: scenario's ``model`` block, ``scope`` the key prefix of the defaults it lists (``post_training[i]``).
StepBuilder = Callable[[Any, Any, str, Recorder], list[Step]]
#: ``warnings(group, model, size)``: legal but suspicious inputs, each a sentence without location.
WarningCheck = Callable[[Any, Any, ModelSize], list[str]]


def never_generates(group: Any) -> bool:
    return False


def always_generates(group: Any) -> bool:
    return True


def no_warnings(group: Any, model: Any, size: ModelSize) -> list[str]:
    return []


@dataclass(frozen=True)
class Technique:
    """One post-training technique, as its module exports it (``TECHNIQUE``)."""

    #: the ``technique:`` tag of its groups; the spec's ``technique`` literal
    name: str
    spec: type[DerivativeGroup]
    steps: StepBuilder
    #: one line for tables and JSON ``formula``; the sources are in ``engine/post_training.py``
    formula: str
    #: place in every list of techniques (JSON Schema, error messages, README table)
    order: int
    #: True when a group decodes (generation steps, timed on the serving roofline unless the
    #: group gives ``decode_mfu``)
    generates: Callable[[Any], bool] = never_generates
    warnings: WarningCheck = no_warnings
