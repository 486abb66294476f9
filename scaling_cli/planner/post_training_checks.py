"""Checks of a planned ``post_training`` section (docs/DOMAIN.md §2): legal but suspicious inputs
each technique flags, training state that does not fit a group's GPUs (like pretraining's memory
check), and generation replicas larger than the GPUs that generate. Printed on stderr and listed in
JSON ``warnings``.
"""

from __future__ import annotations

from typing import Any

from scaling_cli.catalog.hardware import find_accelerator
from scaling_cli.engine import post_training as formulas
from scaling_cli.engine import pretraining as pretraining_formulas
from scaling_cli.scenario.ranges import central
from scaling_cli.scenario.root import Scenario
from scaling_cli.techniques.common import ModelSize
from scaling_cli.techniques.registry import TECHNIQUES


def post_training_warnings(scenario: Scenario, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious post-training inputs, printed on stderr and listed in JSON ``warnings``."""
    size = _model_size(scenario, sections)
    return [
        *(
            f"post_training[{index}] ({group.name}): {message}"
            for index, group in enumerate(scenario.post_training)
            for message in TECHNIQUES[group.technique].warnings(group, scenario.model, size)
        ),
        *memory_warnings(sections, size, [getattr(group, "base_bits", formulas.BF16_BITS) for group in scenario.post_training]),
        *replica_warnings(sections),
    ]


def replica_warnings(sections: dict[str, Any]) -> list[str]:
    """Groups whose GPUs that generate (an RL group's rollout GPUs, else all of its GPUs) are fewer
    than one generation replica needs to hold the generator's weights and one full-length sequence."""
    found = []
    for index, group in enumerate((sections.get("post_training") or {}).get("derivatives") or []):
        replica = group.get("replica_gpus")
        available = group.get("rollout_gpus") if group.get("rollout_gpus") is not None else group.get("gpus")
        if replica is not None and available is not None and replica > available:
            where = "rollout GPUs" if group.get("rollout_gpus") is not None and group.get("rollout_gpus") != group.get("gpus") else "GPUs"
            found.append(
                f"post_training[{index}] ({group['name']}): one generation replica needs at least {int(replica):,} GPUs to hold the weights "
                f"and a full-length sequence, but the group has {int(available):,} {where}: it does not fit"
            )
    return found


def memory_warnings(sections: dict[str, Any], size: ModelSize, base_bits: list[float] | None = None) -> list[str]:
    """Groups whose GPUs cannot hold their training state fully sharded: 16 bytes per trained
    parameter (ZeRO §3), per frozen one the bytes of its ``base_bits`` (2 for LoRA's bf16 base, 0.5
    for QLoRA's 4-bit one; ``formulas.frozen_base_bytes_per_param``), like pretraining's memory
    check. A step that trains the scenario's model (its active parameters) holds all of its total
    parameters (every expert of a mixture-of-experts)."""
    found = []
    for index, group in enumerate((sections.get("post_training") or {}).get("derivatives") or []):
        bits = formulas.BF16_BITS if base_bits is None else base_bits[index]
        memory = find_accelerator(group["accelerator"]).memory_bytes
        if group.get("gpus") is None or memory is None:
            continue
        needed = max(
            (
                int(pretraining_formulas.min_gpus_for_training_state(_held(step["params"], size), memory, _state_bytes(step, bits)))
                for step in group.get("steps") or []
                if step["kind"] == formulas.TRAINING
            ),
            default=0,
        )
        if needed > group["gpus"]:
            found.append(
                f"post_training[{index}] ({group['name']}): its training state needs at least {needed:,} GPUs fully sharded, "
                f"but the group has {group['gpus']:,}: it does not fit"
            )
    return found


def _held(params: float, size: ModelSize) -> float:
    """Parameters in memory for a step over ``params`` active ones: the model's total when it is the scenario's."""
    return size.total if size.active is not None and size.total is not None and params == size.active else params


def _state_bytes(step: dict[str, Any], base_bits: float) -> float:
    frozen = step["step"] == "frozen_base"
    return formulas.frozen_base_bytes_per_param(base_bits) if frozen else pretraining_formulas.TRAINING_STATE_BYTES_PER_PARAM


def _model_size(scenario: Scenario, sections: dict[str, Any]) -> ModelSize:
    """(active, total) parameters of the scenario's model, from the file or the pretraining plan."""
    model = scenario.model
    if model.params is not None:
        return ModelSize(central(model.n_active), central(model.params))
    pretraining = sections.get("pretraining") or {}
    return ModelSize(pretraining.get("active_params"), pretraining.get("params"))
