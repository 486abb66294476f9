"""The ``model`` section of a plan: the parameters every phase uses and where they come from.

``model.params`` is the scenario's when it gives one, else counted from a complete architecture
(``engine/architecture.py``; the architecture given key by key or read from a config.json), else
solved by pretraining (``pretraining.compute``, ``target_loss``). ``active_params`` of a
mixture-of-experts model left out is counted from the architecture too. A given ``params`` more
than ``PARAMS_TOLERANCE`` away from its architecture's count is a warning at that key: attention
FLOPs, KV-cache bytes and memory follow the architecture while 6·N·D follows ``params``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.engine.uncertainty import median
from scaling_cli.scenario.inputs import Inputs

#: How far a given params (or active_params) may be from the architecture's count before a warning.
PARAMS_TOLERANCE = 0.10


def resolve_model(scenario: Inputs) -> Inputs:
    """The scenario with ``model.params`` (and a mixture-of-experts ``active_params``) counted from
    the architecture where the scenario leaves them out (``Scenario.params_from_architecture``)."""
    model = scenario.model
    counts = model.architecture_counts
    if counts is None:
        return scenario
    changes: dict[str, Any] = {}
    if scenario.params_from_architecture:
        changes["params"] = np.float64(counts.total)
    if model.experts is not None and model.active_params is None and (changes or model.params is not None):
        total = changes.get("params", model.params)
        changes["active_params"] = np.minimum(np.float64(counts.active), total)
    return scenario.replace(model=model.replace(**changes)) if changes else scenario


def model_section(scenario: Inputs, realized: Inputs) -> dict[str, Any]:
    """Parameters as planned (``realized``, after pretraining's sizing) and the architecture's own
    count beside them, with a sentence on where ``params`` comes from."""
    model = scenario.model
    counts = model.architecture_counts
    return {
        "params": realized.model.params,
        "active_params": realized.model.n_active,
        "params_source": params_source(scenario),
        "architecture_params": None if counts is None else counts.total,
        "architecture_active_params": None if counts is None else counts.active,
        "embedding_params": None if counts is None else counts.embedding,
        "attention_params": None if counts is None else counts.attention,
        "ffn_params": None if counts is None else counts.ffn,
        "config": None if model.config is None else model.config.path,
    }


def _num(value: Any) -> str:
    return f"{float(value) if np.ndim(value) == 0 else median(value):.4g}"


def params_source(scenario: Inputs) -> str:
    """How ``model.params`` was obtained, in words, with the architecture's count by part."""
    model = scenario.model
    counts = model.architecture_counts
    where = model.config.describe() if model.config is not None else "the model block's keys"
    if scenario.params_from_architecture:
        how, check = f"counted from the architecture ({where})", f": {breakdown(model)}"
    else:
        how = "given (model.params)" if "params" in model.given else "sized by pretraining (see the assumptions: model.params)"
        if counts is None:
            check = f"; no count from the architecture (it needs {', '.join(model.architecture_missing)})"
        else:
            check = f"; the architecture ({where}) counts {breakdown(model)}"
    active = ""
    if model.experts is not None and "active_params" not in model.given and counts is not None:
        active = f"; active_params counted from the architecture: {model.top_k} of {model.experts} routed experts per token" + (
            f" + {model.shared_experts} shared" if model.shared_experts else ""
        )
    return f"{how}{check}{active}"


def breakdown(model: Inputs) -> str:
    """``8.03e+09 = embeddings 1.051e+09 (untied: input and output head) + attention ... + ...``"""
    counts = model.architecture_counts
    attention = "latent (MLA)" if model.attention == "mla" else f"{model.kv_heads or model.heads} KV heads of {model.heads}"
    ffn = "gated: 3 matrices" if model.gated_ffn else "2 matrices"
    if model.experts is not None:
        ffn += f"; {model.experts} experts of {model.moe_ffn_dim or model.ffn_dim}" + (f", {model.dense_layers} dense layers" if model.dense_layers else "")
    tied = "tied: one matrix" if model.tied_embeddings else "untied: input and output head"
    total = f"{_num(counts.total)} = embeddings {_num(counts.embedding)} ({tied}) + attention {_num(counts.attention)} ({attention}) + feed-forward {_num(counts.ffn)} ({ffn})"
    if model.experts is not None:
        total += f", {_num(counts.active)} per token"
    return total + "; norms and biases not counted"


def model_warnings(scenario: Inputs, section: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for a given ``params`` or ``active_params`` more than 10% away from the
    architecture's count."""
    model = scenario.model
    found = []
    for field, counted in (("params", section.get("architecture_params")), ("active_params", section.get("architecture_active_params"))):
        given = getattr(model, field)
        if field not in model.given or given is None or counted is None or (field == "active_params" and model.experts is None):
            continue
        gap = float(median(given) if np.ndim(given) else given) / counted - 1.0
        if abs(gap) > PARAMS_TOLERANCE:
            found.append((f"model.{field}", (
                f"{_num(given)} disagrees by {gap:+.0%} with the {_num(counted)} its architecture counts ({model.layers} layers, d_model {model.d_model}; "
                f"model.params_source has the count by part): 6·N·D follows {field} while attention FLOPs, the KV cache and memory follow the "
                f"architecture; drop {field} to count it from the architecture, or correct the architecture"
            )))
    return found
