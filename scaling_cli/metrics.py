"""The metric registry: every figure a result holds, keyed by its full path pattern.

``post_training.derivatives[].gpu_hours`` names one figure wherever it appears; its ``Metric`` says
how to label it, its unit, how a table shows the number, whether it always carries a P10-P90 band,
and what it means. Tables, CSV, Markdown, ``compare``, ``sweep``, the bands and the README's JSON key
tables all read this one registry (``tests/test_metrics.py`` checks that every path a plan prints is
here and that the README agrees).

Values are raw SI numbers (FLOP, hours, USD, MWh); keys carry their unit where it is not obvious
(``cost_usd``, ``energy_mwh``, ``wall_clock_days``). The path grammar is ``scaling_cli/tree.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaling_cli.tree import strip_band


@dataclass(frozen=True)
class Metric:
    path: str
    label: str
    unit: str
    #: How a table shows it: "sci" (1.23e24), "si" (1.23M), "int" (2,048), "frac" (0.383),
    #: "fine" (1.9312, for small differences such as losses), "usd", "text".
    style: str = "si"
    #: Always carries ``_p10`` / ``_p90`` (time, money and energy follow the uncertain efficiency);
    #: any other figure gets them only when a scenario range moves it.
    banded: bool = False
    meaning: str = ""


#: (key, label, unit, style, banded, meaning) rows; a block is registered under one or more prefixes.
Row = tuple[str, str, str, str, bool, str]

#: GPU-hours, days, money and energy of a phase, group, step or workload (``engine/costing.py``).
COST_BLOCK: list[Row] = [
    ("productive_gpu_hours", "Productive GPU-hours", "GPU-h", "si", True, "FLOP ÷ (peak × efficiency × 3600): hours spent computing"),
    ("gpu_hours", "GPU-hours (reserved)", "GPU-h", "si", True, "reserved (billed) hours = productive ÷ goodput; compare with model cards"),
    ("gpus", "GPUs", "GPUs", "int", False, "the hardware's `count`, or `null`"),
    ("wall_clock_days", "Wall-clock", "days", "frac", True, "reserved GPU-hours ÷ GPUs ÷ 24, or `null` without a GPU count"),
    ("cost_usd", "Cost", "USD", "usd", True, "reserved GPU-hours × price, or `null` without a price"),
    ("energy_mwh", "Energy (with PUE)", "MWh", "frac", True, "reserved GPU-hours × board power × PUE, or `null` without a power figure"),
    ("co2_tonnes", "CO2e", "t", "frac", True, "energy × grid intensity, or `null` without an intensity"),
]


def _pick(block: list[Row], *keys: str) -> list[Row]:
    return [row for row in block if row[0] in keys]


SUMS = ("productive_gpu_hours", "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes")

MODEL: list[Row] = [
    ("params", "Parameters (total)", "params", "si", False, "total parameters every phase uses: `model.params`, else counted from the architecture, else sized by pretraining"),
    ("active_params", "Active parameters per token", "params", "si", False, "parameters used per token: `model.active_params`, else counted from the architecture (mixture-of-experts), else `params`"),
    ("params_source", "Parameters from", "", "text", False, "where `params` comes from, and the architecture's count by part"),
    ("architecture_params", "Counted from the architecture", "params", "si", False, "embeddings + attention + feed-forward of the architecture (engine/architecture.py), or `null` when it is incomplete"),
    ("architecture_active_params", "  of which used per token", "params", "si", False, "the same with the routed experts a token uses (= `architecture_params` for dense models)"),
    ("embedding_params", "  embeddings", "params", "si", False, "vocab × d_model, twice when the output head is untied"),
    ("attention_params", "  attention", "params", "si", False, "Q, K, V and output projections of every layer (grouped-query or latent)"),
    ("ffn_params", "  feed-forward", "params", "si", False, "dense layers and every expert (3 matrices gated, 2 otherwise) and the routers"),
    ("config", "config.json", "", "text", False, "`model.config` as given, or `null`"),
]

PRETRAINING: list[Row] = [
    ("params", "Parameters (total)", "params", "si", False, "total parameters"),
    ("active_params", "Active parameters per token", "params", "si", False, "parameters used per token (N_active; = params for dense models)"),
    ("tokens", "Training tokens", "tokens", "si", False, "training tokens D"),
    ("tokens_per_param", "Tokens per active parameter", "", "frac", False, "tokens ÷ active parameters"),
    ("flops", "Compute", "FLOP", "sci", False, "model FLOPs: `flops_6nd` + `attention_flops` (when the architecture and `seq_len` are known)"),
    ("flops_6nd", "  of which 6·N·D", "FLOP", "sci", False, "6·N_active·D"),
    ("attention_flops", "  of which attention", "FLOP", "sci", False, "PaLM's 12·L·H·Q·T·D, or `null`"),
    ("flops_convention", "FLOP convention", "", "text", False, "which of the two conventions was used"),
    ("loss", "Predicted loss", "nats/token", "fine", False, "predicted loss L(N_active, D) under the named fit; with `unique_tokens`, L(N', D') from the effective figures below"),
    ("unique_tokens", "Unique tokens available", "tokens", "si", False, "`pretraining.unique_tokens`, or `null` (every token unique)"),
    ("epochs", "Epochs over the unique data", "epochs", "frac", False, "tokens ÷ unique tokens; `null` without `unique_tokens`"),
    ("effective_tokens", "Effective tokens D'", "tokens", "si", False, "U_D + U_D·R*_D·(1 − e^(−R_D/R*_D)), R_D = epochs − 1, R*_D = 15.39 (Muennighoff et al. 2023 §3)"),
    ("effective_params", "Effective parameters N'", "params", "si", False, "active parameters with those beyond the unique data's compute-optimal size decayed, R*_N = 5.31"),
    ("loss_if_unique", "Loss if every token were unique", "nats/token", "fine", False, "L(N_active, D): what repetition costs is `loss` − this"),
    ("data_law", "Data-constrained law", "", "text", False, "the law and constants behind the effective figures"),
    ("fit", "Scaling-law fit", "", "text", False, "the fit behind `loss`"),
    ("loss_note", "Loss units", "", "text", False, "the units caveat of `loss`"),
    ("accelerator", "Accelerator", "", "text", False, "catalog id of the accelerator"),
    ("precision", "Precision", "", "text", False, "whose dense peak the efficiency is measured against"),
    ("mfu", "MFU", "fraction", "frac", False, "model FLOPs utilization used (given or calibrated)"),
    ("goodput", "Goodput", "fraction", "frac", False, "share of reserved time that is productive: given, from the GPU count and run length, or the flat default without a count"),
    ("goodput_basis", "Goodput from", "", "text", False, "how `goodput` was set: given, derived (engine/reliability.py), or the flat default"),
    ("goodput_checkpoint", "  lost to checkpoint writes", "fraction", "frac", False, "share of reserved time blocked writing checkpoints, δ/τ ÷ (1 + Σ); `null` unless derived"),
    ("goodput_lost_work", "  lost to recomputed work", "fraction", "frac", False, "share redone after interruptions, τ/(2M) ÷ (1 + Σ); `null` unless derived"),
    ("goodput_restart", "  lost to restarts", "fraction", "frac", False, "share spent restarting and re-warming, (R/M + R/T) ÷ (1 + Σ); `null` unless derived"),
    ("job_mtbf_hours", "Mean time between interruptions", "h", "frac", False, "24 ÷ (GPUs × interruptions per GPU-day); `null` unless derived"),
    ("checkpoint_interval_minutes", "Checkpoint interval (Young/Daly)", "min", "frac", False, "√(2 × checkpoint write × MTBF); `null` unless derived"),
    ("interruptions", "Expected interruptions", "", "frac", False, "reserved wall-clock ÷ MTBF over the run; `null` unless derived"),
    ("scale_efficiency", "Scale efficiency (in MFU)", "fraction", "frac", False, "1 ÷ (1 + k × GPUs): exposed communication at a fixed batch, multiplied into a calibrated MFU; `null` without a count or with a given MFU"),
    ("deadline_days", "Deadline", "days", "frac", False, "`hardware.deadline_days`, or `null`"),
    *COST_BLOCK,
    ("min_gpus_for_memory", "Min GPUs to hold training state", "GPUs", "int", False, "⌈16 bytes × total params ÷ HBM per GPU⌉, fully sharded"),
    ("gpu_hours_scope", "GPU-hours cover", "", "text", False, "what the GPU-hours estimate: the final pretraining run only"),
]

POST_TRAINING: list[Row] = [
    ("derivative_groups", "Derivative groups", "groups", "int", False, "groups in the scenario"),
    ("derivative_models", "Derivative models", "models", "si", False, "derivatives in all (sum of `count`)"),
    ("flops", "Compute", "FLOP", "sci", False, "sum over the groups"),
    ("ratio_to_pretraining", "Ecosystem ratio (÷ pretraining compute)", "×", "frac", True, "`flops` ÷ `pretraining.flops`; `null` without a pretraining section"),
    *_pick(COST_BLOCK, *SUMS),
]

DERIVATIVE: list[Row] = [
    ("name", "Group", "", "text", False, "the group's name"),
    ("technique", "Technique", "", "text", False, "the group's technique"),
    ("count", "Count", "models", "si", False, "derivatives built this way"),
    ("formula", "Formula", "", "text", False, "the technique's FLOP formula"),
    ("accelerator", "Accelerator", "", "text", False, "catalog id of the group's accelerator"),
    ("flops_per_model", "FLOP per model", "FLOP", "sci", False, "FLOP of one derivative"),
    ("flops", "FLOP (group)", "FLOP", "sci", False, "`flops_per_model` × `count`"),
    ("ratio_to_pretraining", "× pretraining", "×", "frac", True, "the group's `flops` ÷ `pretraining.flops`"),
    ("mfu", "MFU", "fraction", "frac", False, "training efficiency of the group's hardware"),
    ("decode_mfu", "Decode utilization", "fraction", "frac", False, "effective decode utilization of its generation steps; `null` without generation"),
    ("replica_gpus", "GPUs per generation replica", "GPUs", "int", False, "GPUs of one replica of its generation steps on the serving roofline; `null` without"),
    ("rollout_gpus", "GPUs that generate (RL)", "GPUs", "int", False, "RL: the group's GPUs (colocated) or its inference engine's (split); `null` otherwise"),
    ("longest_response_tokens", "Expected longest response per RL step", "tokens", "si", False, "E[max] of one synchronous step's prompts × samples response lengths; `null` for one fixed length"),
    *_pick(COST_BLOCK, *SUMS, "gpus"),
    ("wall_clock_days_per_model", "Days per model", "days", "frac", True, "days one derivative takes on the group's `gpus`, or `null` without a count"),
    ("expected_reward", "Expected reward (RL curve)", "reward", "frac", False, "RL with `reward_curve`: the reward at the GPU-hours per model (Khatri et al. 2025 Eq. 1), else `null`"),
    ("target_reward", "Target reward", "reward", "frac", False, "the group's `target_reward`, or `null`"),
    ("gpu_hours_for_target_reward", "GPU-hours per model for the target reward", "GPU-h", "si", False, "the RL compute `target_reward` needs on the curve, else `null`"),
]

STEP: list[Row] = [
    ("step", "Step", "", "text", False, "e.g. `rollout_generation`, `reward_scoring`, `policy_training`"),
    ("kind", "Kind", "", "text", False, "`training`, `forward`, `generation`, `sync` (weight sync) or `idle` (waiting: `rollout_tail`, split placement's `idle`)"),
    ("params", "Params", "params", "si", False, "parameters of the model this step runs"),
    ("tokens", "Tokens per model", "tokens", "si", False, "tokens the step processes for one derivative"),
    ("flops_per_model", "FLOP per model", "FLOP", "sci", False, "the step's FLOP for one derivative"),
    ("flops", "FLOP (group)", "FLOP", "sci", False, "× the group's `count`"),
    *_pick(COST_BLOCK, "gpu_hours", "cost_usd", "energy_mwh"),
]

TEST_TIME: list[Row] = [
    ("queries", "Queries served", "queries", "si", False, "queries over every workload's `days`"),
    ("flops", "Compute", "FLOP", "sci", False, "sum over the workloads and their `days`"),
    *_pick(COST_BLOCK, "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes"),
    ("flops_convention", "FLOP convention", "", "text", False, "how a query's FLOP are counted"),
]

WORKLOAD: list[Row] = [  # in the reading order of the workload table: the query, its compute, serving, fleet and bill
    ("name", "Workload", "", "text", False, "the workload's name"),
    ("accelerator", "Accelerator", "", "text", False, "catalog id of the serving accelerator"),
    ("precision", "Precision", "", "text", False, "matmul precision of serving (whose peak times compute)"),
    ("weight_dtype", "Weights stored as", "", "text", False, "element the weights are held and read in: `weight_dtype`, else the precision"),
    ("queries_per_day", "Queries per day", "queries/day", "si", False, "average queries per day"),
    ("prompt_tokens", "Prompt tokens", "tokens", "si", False, "prompt per query"),
    ("reasoning_tokens", "Reasoning tokens per sample", "tokens", "si", False, "thinking tokens per sample and attempt"),
    ("output_tokens", "Answer tokens per sample", "tokens", "si", False, "final answer per sample"),
    ("samples", "Samples per query", "samples", "int", False, "parallel samples per query: as given, or with `target_accuracy` the fewest reaching it"),
    ("aggregation", "Aggregation of samples", "", "text", False, "`majority_vote`, `best_of_n` or `oracle` (right if any sample is)"),
    ("pass_rate", "Pass rate of one sample (mean over queries)", "fraction", "frac", False, "`pass_rate`, averaged over its spread across queries; `null` without it"),
    ("verifier_accuracy", "Verifier accuracy", "fraction", "frac", False, "best_of_n: how often the verifier judges a sample correctly, or `null`"),
    ("expected_accuracy", "Expected accuracy", "fraction", "frac", False, "mean over queries of the chance a query is answered right with `samples` (docs/DOMAIN.md §3.5); its P10-P90 is the spread over queries"),
    ("accuracy_limit", "Accuracy with unlimited samples", "fraction", "frac", False, "what the aggregation tends to: share of solvable queries (oracle), of queries right more often than wrong (vote), the verifier's precision (best_of_n)"),
    ("target_accuracy", "Target accuracy", "fraction", "frac", False, "the workload's `target_accuracy`, or `null`"),
    ("parallel_chains", "Chains decoded side by side", "chains", "int", False, "k = samples × beams"),
    ("chain_tokens", "Serial chain length", "tokens", "si", False, "C = rounds × (reasoning + answer)"),
    ("context_tokens", "Longest context", "tokens", "si", False, "P + C"),
    ("generated_tokens_per_query", "Tokens generated per query", "tokens", "si", False, "k × C"),
    ("flops_per_query", "Compute per query", "FLOP", "sci", False, "compute of one query"),
    ("single_pass_flops_per_query", "Single-pass compute per query", "FLOP", "sci", False, "compute of one plain answer"),
    ("multiplier_vs_single_pass", "Multiplier vs single pass", "×", "frac", False, "`flops_per_query` ÷ `single_pass_flops_per_query`"),
    ("scoring_flops_per_query", "  of which verifier / PRM", "FLOP", "sci", False, "verifier and process-reward-model share of `flops_per_query`"),
    ("kv_cache_bytes_per_token", "KV cache per token", "bytes", "si", False, "per token of context, one copy"),
    ("gpus_per_replica", "GPUs per replica", "GPUs", "int", False, "GPUs of one tensor-parallel replica, or of the expert-parallel group"),
    ("pipeline_stages", "Pipeline stages", "stages", "int", False, "stages of a replica larger than one scale-up (NVLink) domain, tensor-parallel within each; 1 within it; `null` under expert parallelism"),
    ("expert_parallel", "Expert-parallel group", "GPUs", "int", False, "GPUs the routed experts are spread over (data-parallel attention), or `null`"),
    ("batch_size", "Batch (running sequences)", "sequences", "int", False, "sequences decoded together (by the whole expert-parallel group)"),
    ("max_batch_in_memory", "Largest batch in memory", "sequences", "int", False, "the most that fit beside the weights"),
    ("replicas_per_query", "Replicas one query spans", "replicas", "int", False, "replicas one query's chains occupy"),
    ("decode_bound", "Decode bound by", "", "text", False, "`compute` when most of a decode step at that batch runs at the FLOP limit (matmuls, attention), else `memory bandwidth`"),
    ("decode_step_seconds", "Decode step", "s", "frac", True, "time of one decode step"),
    ("tokens_per_second_per_gpu", "Decode throughput per GPU", "tokens/s", "frac", True, "output tokens per second per GPU"),
    ("latency_seconds", "Latency per query", "s", "frac", True, "prefill and scoring + chain tokens × step time"),
    ("latency_target_seconds", "Latency target", "s", "frac", False, "the workload's target, or `null`"),
    ("gpu_seconds_per_query", "GPU-seconds per query", "GPU-s", "frac", True, "GPU time one query costs"),
    ("gpus_needed", "GPUs for the average load", "GPUs", "int", True, "whole replicas for the average load"),
    ("peak_to_average", "Peak-to-average load", "×", "frac", False, "peak ÷ average load"),
    ("gpus_needed_peak", "GPUs for the peak load", "GPUs", "int", True, "whole replicas for the peak load (and for `ttft_p95_seconds`, when given)"),
    ("prefill_gpus_peak", "  of which prefill pool", "GPUs", "int", True, "disaggregated: the prefill pool at the peak, else `null`"),
    ("decode_gpus_peak", "  of which decode pool", "GPUs", "int", True, "disaggregated: the decode pool at the peak, else `null`"),
    ("gpu_hours_per_day", "GPU-hours per day (peak fleet)", "GPU-h", "frac", True, "the peak fleet for a day"),
    ("cost_per_query_usd", "Cost per query", "USD", "usd", True, "`null` without a price"),
    ("cost_per_day_usd", "Cost per day", "USD", "usd", True, "`null` without a price"),
    ("days", "Days served", "days", "frac", False, "days the workload runs"),
    ("queries", "Queries served", "queries", "si", False, "queries per day × days"),
    ("flops", "Compute", "FLOP", "sci", False, "over the workload's `days`"),
    ("gpu_hours", "GPU-hours (reserved)", "GPU-h", "si", True, "the peak fleet over the workload's `days`"),
    *_pick(COST_BLOCK, "cost_usd", "energy_mwh", "co2_tonnes"),
    ("ttft_seconds", "Time to first token", "s", "frac", True, "prefill alone: max(compute, one read of the weights) + all-reduces + step overhead"),
    ("ttft_busy_seconds", "Time to first token at a busy replica", "s", "frac", True, "median for a request arriving while its replica decodes: `ttft_seconds` + half a scheduling round (`scheduler_steps` decode steps); no wait for a slot (`ttft_seconds` under disaggregation)"),
    ("tpot_seconds", "Time per output token", "s", "frac", True, "one decode step at the chosen batch"),
    ("tpot_at_peak_seconds", "Time per output token at peak", "s", "frac", True, "the decode step stretched by prefill sharing the GPUs at the peak: TPOT ÷ (1 − prefill share × utilization); disaggregated: TPOT"),
    ("ttft_p50_seconds", "Time to first token, P50 at peak", "s", "frac", True, "median wait for a slot (M/G/c) + half the scheduling round in progress + prefill, at the peak on the planned fleet; `null` without `ttft_p95_seconds`"),
    ("ttft_p95_seconds", "Time to first token, P95 at peak", "s", "frac", True, "95th-percentile wait for a slot + 0.95 of the scheduling round in progress + prefill at the peak on the planned fleet; `null` without `ttft_p95_seconds`"),
    ("slot_utilization_at_peak", "Slot utilization at peak", "fraction", "frac", True, "offered load ÷ slots of the queue that sets the time to first token (the prefill pool when disaggregated)"),
    ("ttft_p95_target_seconds", "TTFT P95 target", "s", "frac", False, "the workload's service level, or `null`"),
    ("tpot_target_seconds", "TPOT target", "s", "frac", False, "the workload's service level, or `null`"),
    ("output_tokens_per_second_per_gpu", "Output tokens/s per GPU (prefill included)", "tokens/s", "frac", True, "generated tokens per query ÷ GPU-seconds per query"),
    ("prefill_tokens_per_second_per_gpu", "Prefill throughput per GPU", "tokens/s", "frac", True, "prompt tokens per GPU-second of prefill at load (its FLOP, plus all-to-alls under expert parallelism); `null` without a prompt"),
    ("usd_per_million_input_tokens", "Cost per million input tokens", "USD", "usd", True, "prefill and scoring GPU-seconds per prompt token × price; `null` without a price"),
    ("usd_per_million_output_tokens", "Cost per million output tokens", "USD", "usd", True, "decode GPU-seconds per generated token × price; `null` without a price"),
]

PHASES = ("pretraining", "post_training", "test_time")

TOTAL: list[Row] = [
    ("flops", "Compute", "FLOP", "sci", False, "sum over the phases present"),
    *_pick(COST_BLOCK, "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes"),
    *[(f"shares.{phase}", f"Share of FLOP: {phase}", "fraction", "frac", False, "the phase's share of the FLOP (absent phases 0; they add up to 1)") for phase in PHASES],
    *[(f"cost_shares.{phase}", f"Share of cost: {phase}", "fraction", "frac", False, "the phase's share of the cost (`null` when a phase has no cost)") for phase in PHASES],
    ("post_training_to_pretraining", "Post-training ÷ pretraining compute", "×", "frac", False, "post-training ÷ pretraining FLOP"),
    ("test_time_to_pretraining", "Test-time ÷ pretraining compute", "×", "frac", False, "test-time (over each workload's `days`) ÷ pretraining FLOP"),
    ("test_time_flops_per_day", "Test-time compute per day", "FLOP/day", "sci", False, "Σ workloads FLOP per query × queries per day"),
    ("crossover_day", "Day serving compute overtakes pretraining", "day", "frac", False, "the day cumulative test-time FLOP exceeds pretraining FLOP, `null` if never within the workloads' days"),
]

OPTIMAL: list[Row] = [
    *_pick(PRETRAINING, "params", "tokens", "tokens_per_param", "flops", "loss", "fit", "loss_note", "accelerator", "mfu", "goodput"),
    ("fit_source", "Fit source", "", "text", False, "the paper behind the fit"),
    *COST_BLOCK,
    *_pick(PRETRAINING, "unique_tokens", "epochs", "effective_tokens", "effective_params"),
    ("loss_unlimited_data", "Loss with unlimited unique data", "nats/token", "fine", False, "the unconstrained optimum's loss at the same compute; `null` without `--unique-tokens`"),
    ("gain_from_10x_compute", "Loss bought by 10× more compute", "nats/token", "fine", False, "this loss − the data-capped optimum's at 10× the compute"),
    ("loss_floor", "Loss floor on this data", "nats/token", "fine", False, "the loss unlimited compute approaches: L(U_N·(1 + R*_N), U·(1 + R*_D))"),
    ("saturation_flops", "Compute past which more stops helping", "FLOP", "sci", False, "the budget beyond which 10× more compute buys under a tenth of the loss it buys with unlimited unique data"),
    ("objective", "Objective", "", "text", False, "`flops` or `cost`: what the lifetime optimum minimizes"),
    ("inference_tokens", "Lifetime inference tokens", "tokens", "si", False, "tokens served over the model's life"),
    ("inference_flops", "Inference compute (2·N per token)", "FLOP", "sci", False, "2·N × `inference_tokens`"),
    ("lifetime_flops", "Lifetime compute (training + inference)", "FLOP", "sci", False, "6·N·D + 2·N·D_inf"),
    ("serving_gpu_hours", "Serving GPU-hours", "GPU-h", "si", False, "GPU-hours to serve `inference_tokens` on the roofline"),
    ("lifetime_cost_usd", "Lifetime cost", "USD", "usd", False, "training + serving cost"),
    ("saving_flops", "Lifetime compute saved vs Chinchilla-optimal", "FLOP", "sci", False, "lifetime FLOP saved against the Chinchilla-optimal model of the same loss"),
    ("saving_usd", "Lifetime cost saved vs Chinchilla-optimal", "USD", "usd", False, "lifetime dollars saved against it"),
    ("saving_fraction", "Saving (share of the objective's lifetime figure)", "fraction", "frac", False, "the saving as a share of its lifetime figure"),
]

CHINCHILLA: list[Row] = [
    *_pick(OPTIMAL, "params", "tokens", "tokens_per_param", "flops", "inference_flops", "lifetime_flops", "serving_gpu_hours", "lifetime_cost_usd"),
]

REFERENCE_RUN: list[Row] = [
    ("name", "Run", "", "text", False, "the published run"),
    ("hardware", "Hardware", "", "text", False, "its accelerators as published"),
    ("listed_in", "Listed in", "", "text", False, "the bundled file it comes from"),
    ("reported_flops", "Reported FLOP", "FLOP", "sci", False, "training FLOP as published"),
    ("predicted_flops", "6ND FLOP", "FLOP", "sci", False, "6·N_active·D"),
    ("flops_error", "FLOP error", "fraction", "frac", False, "6ND ÷ reported − 1"),
    ("reported_gpu_hours", "Reported GPU-h", "GPU-h", "si", False, "GPU-hours as published"),
    ("gpu_hours", "GPU-h", "GPU-h", "si", True, "the planner's prediction"),
    ("gpu_hours_error", "GPU-h error", "fraction", "frac", False, "predicted ÷ reported − 1"),
    ("in_band", "In band", "", "text", False, "whether the reported figure lies in P10-P90"),
    ("efficiency_class", "Efficiency class", "", "text", False, "the calibration class of its accelerator"),
    ("precision", "Precision", "", "text", False, "the precision of the peak"),
    ("note", "Note", "", "text", False, "why a run is left out of the fit"),
    ("size_group", "Size group", "", "text", False, "under 20B, 20B-100B or 100B and over active parameters"),
    ("architecture", "Architecture", "", "text", False, "dense or moe"),
    ("scope", "Scope", "", "text", False, "final_run, or includes_more when the published hours cover more than the final pretraining run"),
]

REFERENCE_SUMMARY: list[Row] = [
    ("runs_with_gpu_hours", "Runs with GPU-hours", "runs", "int", False, "runs with reported GPU-hours"),
    ("gpu_hours_median_abs_error", "Median |GPU-h error|", "fraction", "frac", False, "median absolute GPU-hour error"),
    ("gpu_hours_band_coverage", "Band coverage", "fraction", "frac", False, "share of runs whose reported GPU-hours lie in P10-P90"),
    ("gpu_hours_band_median_width", "Median band width", "×", "frac", False, "median P90 ÷ P10"),
    ("runs_with_flops", "Runs with FLOP", "runs", "int", False, "runs with reported FLOP"),
    ("flops_median_abs_error", "Median |FLOP error|", "fraction", "frac", False, "median absolute 6ND error"),
]

_BLOCKS: list[tuple[str, list[Row]]] = [
    ("model", MODEL),
    ("pretraining", PRETRAINING),
    ("post_training", POST_TRAINING),
    ("post_training.derivatives[]", DERIVATIVE),
    ("post_training.derivatives[].steps[]", STEP),
    ("test_time", TEST_TIME),
    ("test_time.workloads[]", WORKLOAD),
    ("total", TOTAL),
    ("optimal", OPTIMAL),
    ("optimal.chinchilla", CHINCHILLA),
    ("reference.runs[]", REFERENCE_RUN),
    ("reference.summary", REFERENCE_SUMMARY),
]


def _build() -> dict[str, Metric]:
    registry: dict[str, Metric] = {}
    for prefix, rows in _BLOCKS:
        for key, label, unit, style, banded, meaning in rows:
            path = f"{prefix}.{key}"
            registry[path] = Metric(path, label, unit, style, banded, meaning)
    return registry


REGISTRY: dict[str, Metric] = _build()


def metric(path: str) -> Metric:
    """The metric at a path pattern (a band key ``..._p10`` resolves to its figure's metric).

    An unregistered path is a gap the registry test catches; here it gets a label from its key, so
    output never fails for want of a label.
    """
    found = REGISTRY.get(path) or REGISTRY.get(strip_band(path))
    if found is not None:
        return found
    key = strip_band(path.rsplit(".", 1)[-1])
    return Metric(path, key.replace("_", " ").capitalize(), "")


def under(prefix: str) -> list[Metric]:
    """The metrics registered directly under ``prefix`` (e.g. ``test_time.workloads[]``), in order."""
    start = prefix + "."
    return [m for path, m in REGISTRY.items() if path.startswith(start) and "[]" not in path[len(start) :]]


def is_banded(path: str) -> bool:
    """True when the figure at ``path`` always carries a P10-P90 band."""
    found = REGISTRY.get(path)
    return found is not None and found.banded
