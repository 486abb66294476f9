"""Names, units and labels of every metric key in a plan (the JSON contract's vocabulary).

Keys carry their unit where it is not obvious (``cost_usd``, ``energy_mwh``, ``wall_clock_days``);
values are raw SI numbers. Renderers use this table for labels and units; the README documents it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    label: str
    unit: str
    #: How a table shows it: "sci" (1.23e24), "si" (1.23M), "int" (2,048), "frac" (0.383),
    #: "fine" (1.9312, for small differences such as losses), "usd", "text".
    style: str = "si"


METRICS: dict[str, Metric] = {
    "params": Metric("Parameters (total)", "params"),
    "active_params": Metric("Active parameters per token", "params"),
    "tokens": Metric("Training tokens", "tokens"),
    "tokens_per_param": Metric("Tokens per active parameter", "", "frac"),
    "flops": Metric("Compute", "FLOP", "sci"),
    "flops_6nd": Metric("  of which 6·N·D", "FLOP", "sci"),
    "attention_flops": Metric("  of which attention", "FLOP", "sci"),
    "flops_convention": Metric("FLOP convention", "", "text"),
    "loss": Metric("Predicted loss", "nats/token", "fine"),
    "count": Metric("GPUs", "GPUs", "int"),
    "post_training_to_pretraining": Metric("Post-training ÷ pretraining compute", "×", "frac"),
    "test_time_to_pretraining": Metric("Test-time ÷ pretraining compute", "×", "frac"),
    "test_time_flops_per_day": Metric("Test-time compute per day", "FLOP/day", "sci"),
    "crossover_day": Metric("Day serving compute overtakes pretraining", "day", "frac"),
    "inference_tokens": Metric("Lifetime inference tokens", "tokens"),
    "inference_flops": Metric("Inference compute (2·N per token)", "FLOP", "sci"),
    "lifetime_flops": Metric("Lifetime compute (training + inference)", "FLOP", "sci"),
    "saving_flops": Metric("Saving against Chinchilla-optimal", "FLOP", "sci"),
    "saving_fraction": Metric("Saving against Chinchilla-optimal", "fraction", "frac"),
    "fit": Metric("Scaling-law fit", "", "text"),
    "loss_note": Metric("Loss units", "", "text"),
    "deadline_days": Metric("Deadline", "days", "frac"),
    "accelerator": Metric("Accelerator", "", "text"),
    "precision": Metric("Precision", "", "text"),
    "mfu": Metric("MFU", "fraction", "frac"),
    "goodput": Metric("Goodput", "fraction", "frac"),
    "productive_gpu_hours": Metric("Productive GPU-hours", "GPU-h"),
    "gpu_hours": Metric("GPU-hours (reserved)", "GPU-h"),
    "gpus": Metric("GPUs", "GPUs", "int"),
    "wall_clock_days": Metric("Wall-clock", "days", "frac"),
    "cost_usd": Metric("Cost", "USD", "usd"),
    "energy_mwh": Metric("Energy (with PUE)", "MWh", "frac"),
    "co2_tonnes": Metric("CO2e", "t", "frac"),
    "min_gpus_for_memory": Metric("Min GPUs to hold training state", "GPUs", "int"),
}


# --- post-training metrics (issue #4) ---------------------------------------------------------
POST_TRAINING_METRICS: dict[str, Metric] = {
    "derivative_groups": Metric("Derivative groups", "groups", "int"),
    "derivative_models": Metric("Derivative models", "models"),
    "ratio_to_pretraining": Metric("Ecosystem ratio (÷ pretraining compute)", "×", "frac"),
    "technique": Metric("Technique", "", "text"),
    "formula": Metric("Formula", "", "text"),
    "flops_per_model": Metric("Compute per derivative", "FLOP", "sci"),
    "decode_mfu": Metric("Decode utilization", "fraction", "frac"),
    "wall_clock_days_per_model": Metric("Wall-clock per derivative", "days", "frac"),
}
POST_TRAINING_BANDED: frozenset[str] = frozenset({"ratio_to_pretraining", "wall_clock_days_per_model"})

# --- test-time metrics (issue #5) ------------------------------------------------------------
TEST_TIME_METRICS: dict[str, Metric] = {  # in the reading order of the per-workload table
    "queries_per_day": Metric("Queries per day", "queries/day"),
    "prompt_tokens": Metric("Prompt tokens", "tokens"),
    "reasoning_tokens": Metric("Reasoning tokens per sample", "tokens"),
    "output_tokens": Metric("Answer tokens per sample", "tokens"),
    "samples": Metric("Samples per query", "samples", "int"),
    "parallel_chains": Metric("Chains decoded side by side", "chains", "int"),
    "chain_tokens": Metric("Serial chain length", "tokens"),
    "context_tokens": Metric("Longest context", "tokens"),
    "generated_tokens_per_query": Metric("Tokens generated per query", "tokens"),
    "flops_per_query": Metric("Compute per query", "FLOP", "sci"),
    "single_pass_flops_per_query": Metric("Single-pass compute per query", "FLOP", "sci"),
    "multiplier_vs_single_pass": Metric("Multiplier vs single pass", "×", "frac"),
    "scoring_flops_per_query": Metric("  of which verifier / PRM", "FLOP", "sci"),
    "kv_cache_bytes_per_token": Metric("KV cache per token", "bytes"),
    "gpus_per_replica": Metric("GPUs per replica", "GPUs", "int"),
    "batch_size": Metric("Batch (running sequences)", "sequences", "int"),
    "max_batch_in_memory": Metric("Largest batch in memory", "sequences", "int"),
    "replicas_per_query": Metric("Replicas one query spans", "replicas", "int"),
    "decode_bound": Metric("Decode bound by", "", "text"),
    "decode_step_seconds": Metric("Decode step", "s", "frac"),
    "tokens_per_second_per_gpu": Metric("Decode throughput per GPU", "tokens/s", "frac"),
    "latency_seconds": Metric("Latency per query", "s", "frac"),
    "latency_target_seconds": Metric("Latency target", "s", "frac"),
    "gpu_seconds_per_query": Metric("GPU-seconds per query", "GPU-s", "frac"),
    "gpus_needed": Metric("GPUs for the average load", "GPUs", "int"),
    "peak_to_average": Metric("Peak-to-average load", "×", "frac"),
    "gpus_needed_peak": Metric("GPUs for the peak load", "GPUs", "int"),
    "gpu_hours_per_day": Metric("GPU-hours per day (peak fleet)", "GPU-h", "frac"),
    "cost_per_query_usd": Metric("Cost per query", "USD", "usd"),
    "cost_per_day_usd": Metric("Cost per day", "USD", "usd"),
    "days": Metric("Days served", "days", "frac"),
    "queries": Metric("Queries served", "queries"),
}
TEST_TIME_BANDED: frozenset[str] = frozenset(
    {
        "decode_step_seconds",
        "tokens_per_second_per_gpu",
        "latency_seconds",
        "gpu_seconds_per_query",
        "gpus_needed",
        "gpus_needed_peak",
        "gpu_hours_per_day",
        "cost_per_query_usd",
        "cost_per_day_usd",
    }
)

# ---------------------------------------------------------------------------------------------
METRICS.update(POST_TRAINING_METRICS)
METRICS.update(TEST_TIME_METRICS)

#: Metrics that always carry ``_p10`` / ``_p90`` bands (time, money and energy follow efficiency).
BANDED = frozenset({"productive_gpu_hours", "gpu_hours", "wall_clock_days", "cost_usd", "energy_mwh", "co2_tonnes"}) | POST_TRAINING_BANDED | TEST_TIME_BANDED


def metric(key: str) -> Metric:
    """The metric for ``key``; unknown keys get a label made from the key itself."""
    return METRICS.get(key) or Metric(key.replace("_", " ").capitalize(), "")
