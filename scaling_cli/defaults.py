"""The one table of defaults: every value a plan uses when the scenario does not say, with its unit,
its prior (a log-normal spread where the default is uncertain) and its source.

Planner code takes these records, never a bare literal, and records each one it uses in the plan's
*Assumptions* (``Default.unless`` or ``planner.assumptions.Assumptions.use``), so the table, the
assumptions a plan prints and the README's defaults table (generated from ``table()``, checked by
``tests/test_defaults.py``) cannot disagree. A post-training technique keeps its own defaults in its
module (``scaling_cli/techniques``), as records of the same type; ``table()`` lists them too.

Defaults the catalog holds per accelerator (peak FLOP/s, memory, power, price) and the calibrated
training efficiency (``docs/CALIBRATION.md``) are listed here by where they come from.

This module is light (the CLI imports it at start-up): data and a dataclass, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Recorder(Protocol):
    """Where a used default is listed (``planner.assumptions.Assumptions``)."""

    def add(self, key: str, value: Any, unit: str, source: str) -> None: ...


@dataclass(frozen=True)
class Default:
    """A value the plan uses when the scenario does not say, with its unit and source.

    ``key`` is where it applies (``hardware.pue``, ``test_time[].days``); ``log_sigma`` > 0 makes it
    a log-normal prior with that median, sampled for the P10-P90 bands.
    """

    value: Any
    unit: str
    source: str
    key: str = ""
    log_sigma: float = 0.0

    def unless(self, given: Any, key: str, assumptions: Recorder) -> Any:
        """``given`` when the scenario set it, else this default, listed under ``key``."""
        if given is not None:
            return given
        assumptions.add(key, self.value, self.unit, self.source)
        return self.value


# --- Monte Carlo -------------------------------------------------------------------------------
#: Monte Carlo samples behind every P10-P90 band. The standard error of a sample quantile is
#: sqrt(p(1-p)/n) / φ(z_p) standard deviations: 0.024σ at n = 5,000, i.e. under 0.5% of a P10 or P90
#: for the calibrated efficiency spread (σ ≈ 0.15-0.2 in log space), at a quarter of 20,000's cost.
MONTE_CARLO_SAMPLES = 5_000
#: Fixed seed so bands are reproducible from run to run (any value would do).
MONTE_CARLO_SEED = 20221104

# --- hardware ----------------------------------------------------------------------------------
ACCELERATOR = Default("nvidia-h100-sxm5-80gb", "", "default accelerator (no hardware.accelerator given)", "hardware.accelerator")
PRECISION = Default("bf16", "", "default: bf16, or fp16 where the accelerator has no bf16", "hardware.precision")
PEAK_FLOPS = Default("catalog", "FLOP/s", "the accelerator's dense peak at the precision, from the catalog (`scaling hardware show ID`)", "hardware.peak_flops")
GOODPUT = Default(
    0.90,
    "fraction",
    "Llama 3 (arXiv 2407.21783) Sec 3.3.4: 'higher than 90% effective training time' on 16K H100s, with 419 unexpected interruptions in 54 days; "
    "used without a GPU count (with one, goodput follows from the count and the run's length, engine/reliability.py)",
    "hardware.goodput",
)
#: Spread of goodput when the scenario gives MFU but not goodput: log-normal σ, capped at 1.
GOODPUT_SPREAD = Default(
    GOODPUT.value,
    "fraction",
    "goodput spread (log-normal σ 0.10, P10-P90 ≈ 0.79-1.0): Llama 3 reports >90% effective training time (§3.3.4); "
    "PaLM's whole-run 30.8% against 46.2% MFU implies 0.67; LLaMA-65B's whole-run 47.7% equals its 47.6% steady throughput",
    "hardware.goodput (when only mfu is given)",
    log_sigma=0.10,
)
#: Goodput from the GPU count and run length (engine/reliability.py), used when hardware.count is known
#: and hardware.goodput is not given; GOODPUT above is the fallback without a count.
FAILURE_RATE = Default(
    419 / (54 * 16384),
    "interruptions/GPU-day",
    "Llama 3 (arXiv 2407.21783) Sec 3.3.4: 419 unexpected interruptions in a 54-day snapshot on 16,384 H100s "
    "(~78% confirmed hardware) = 419 ÷ (54 × 16,384) = 4.74e-4; one every 3.1 h. Meta's research clusters fare worse: "
    "Kokolis et al. 2024 (arXiv 2410.21680) project a 1.8 h MTTF at 16,384 A100s (8.1e-4)",
    "reliability.failures_per_gpu_day",
)
CHECKPOINT_SECONDS = Default(
    6.3,
    "s",
    "training time one checkpoint blocks with asynchronous distributed checkpointing: 'an average of 148.8 seconds to 6.3 "
    "seconds' for a 7B model; the post puts the time lost per checkpoint under 30 s, often about 6 s (PyTorch blog, 'Reducing "
    "Model Checkpointing Times by Over 10x with PyTorch Distributed Asynchronous Checkpointing', 2024, "
    "https://pytorch.org/blog/reducing-checkpointing-times/)",
    "reliability.checkpoint_seconds",
)
RESTART_SECONDS = Default(
    600.0,
    "s",
    "restart and re-warm per interruption (detect, replace the node, relaunch, load the checkpoint): a planning value under "
    "the bound Llama 3 Sec 3.3.4 implies - over 90% effective training time with 466 interruptions in 54 days leaves at most "
    "10% × 54 × 24 h ÷ 466 = 16.7 min per interruption for restart and lost work together; automated recovery reaches 150 s "
    "on 4,800 devices (FlashRecovery, arXiv 2509.03047)",
    "reliability.restart_seconds",
)
SCALE_COMMUNICATION = Default(
    2 / (39 * 8192),
    "per GPU",
    "k of the scale efficiency 1 ÷ (1 + k·N) at a fixed global batch: Llama 3 (arXiv 2407.21783) Table 4, 43% BF16 MFU on "
    "8,192 H100s and 41% on 16,384 at the same 16M-token batch, (1 + 16,384k) ÷ (1 + 8,192k) = 43/41",
    "reliability.scale_communication",
)
MFU = Default(
    "calibrated",
    "fraction",
    "whole-run efficiency of the accelerator's class fitted on published runs ÷ goodput (docs/CALIBRATION.md)",
    "hardware.mfu",
)
PRICE = Default("catalog", "USD/GPU-h", "the catalog's indicative price (a range is sampled uniformly for the band)", "hardware.price_per_hour")
POWER = Default("catalog", "W", "vendor max board power, from the catalog", "hardware.power_w")
PUE = Default(
    1.2,
    "",
    "default; OLMo 2 reports PUE 1.2 and 1.12 for its H100 clusters (arXiv 2501.00656 Table 19), "
    "Epoch AI uses 1.1 for hyperscalers and 1.25 otherwise (Cottier et al. 2024, arXiv 2405.21015)",
    "hardware.pue",
)

# --- pretraining -------------------------------------------------------------------------------
FIT = Default("besiroglu2024", "", "default scaling-law fit (the catalog's default, data/fits.yaml)", "pretraining.fit")

# --- serving (test-time workloads and post-training generation) ---------------------------------
ARCHITECTURE = Default(
    "derived",
    "",
    "derived (model gives no full architecture): N_active ≈ 12·L·d² (Kaplan et al. 2020 Table 1) with d = 128·L "
    "(Llama 3 Table 3: d/L 102-130; GPT-3 175B: 128), head_dim 128 and 8 KV heads (every Llama 3 size)",
    "serving.architecture",
)
GENERATION = Default(
    "serving roofline",
    "",
    "serving roofline (engine/serving.py, the same as test-time): decode step = max(matmul compute, weight reads) + "
    "max(attention compute, KV-cache reads) at the largest batch that fits (up to the batch cap; RL rollouts at the batch in flight) on the smallest tensor-parallel replica that holds the model; "
    "prefill at the serving compute efficiency",
    "post_training.generation",
)
#: The serving model's nine free constants (compute efficiency, its format exponent and decode share,
#: bandwidth efficiency, step overhead, GEMM half-fill in tokens and in width, all-reduce bandwidth share
#: and per-call time) are fitted together on the bundled serving
#: measurements by benchmarks/fit_serving.py (coordinate descent on the mean over the two sources of
#: mean |ln(predicted ÷ measured)|, every figure within 2×). They are effective values: they also
#: absorb what the roofline leaves out (docs/CALIBRATION.md §4).
SERVING_FIT_SOURCE = (
    "fitted on 291 published inference figures (the 47 cases of scaling_cli/data/serving_measurements.yaml and 244 cells of "
    "scaling_cli/data/trtllm_v017_throughput.yaml) by benchmarks/fit_serving.py"
)
COMPUTE_EFFICIENCY = Default(
    0.94,
    "fraction",
    f"large-problem efficiency (× T / (T + T½) for T tokens per forward pass): {SERVING_FIT_SOURCE}; 10-fold cross-validated median error "
    "5.9%, docs/CALIBRATION.md §4 (a priori 0.5: beyond-chinchilla's prefill MFU, "
    "docs/PEER_TOOLS.md §2.5)",
    "serving.compute_efficiency",
    log_sigma=0.25,
)
COMPUTE_FORMAT_EXPONENT = Default(
    0.48,
    "",
    f"a narrower number format reaches a smaller share of its higher peak: the serving compute efficiency is × (16-bit peak ÷ "
    f"the format's peak)^γ, so FP8 at twice the 16-bit peak runs 2^(1-γ) times as fast, not twice (dequantization, scaling "
    f"and the work left in 16 bits do not speed up): {SERVING_FIT_SOURCE}; the figures span FP16 (A100), BF16, FP8 and FP4",
    "serving.compute_format_exponent",
)
DECODE_COMPUTE_RATIO = Default(
    0.99,
    "",
    f"share of the compute efficiency a decode step's kernels reach beside prefill's: {SERVING_FIT_SOURCE}; near 1 since "
    f"attention's KV reads are timed apart from the matrix multiplies (0.81 before, when the share stood in for them; "
    "docs/CALIBRATION.md §4)",
    "serving.decode_compute_ratio",
)
BANDWIDTH_EFFICIENCY = Default(
    0.69,
    "fraction",
    f"{SERVING_FIT_SOURCE}; an effective share of HBM bandwidth that also absorbs unmodelled per-step costs (a priori 0.8: "
    "NVIDIA aiconfigurator mem_bw_empirical_scaling_factor; LLM-Viewer 0.92 on H100; docs/PEER_TOOLS.md §2.8, §2.11)",
    "serving.bandwidth_efficiency",
    log_sigma=0.15,
)
MEMORY_FRACTION = Default(
    0.9,
    "fraction",
    "share of the memory the weights leave that holds the KV cache: TensorRT-LLM KvCacheConfig free_gpu_memory_fraction "
    "default 0.9 ('TensorRT LLM will try to allocate 90% of free GPU memory for KV cache', nvidia.github.io/TensorRT-LLM "
    "examples/kvcacheconfig); its published benchmarks use 0.95; vLLM's gpu_memory_utilization 0.9 counts the weights in",
    "serving.memory_fraction",
)
MAX_RUNNING_SEQUENCES = Default(
    2048,
    "sequences",
    "batch cap: TensorRT-LLM max_batch_size default 2048 (BuildConfig / trtllm-build); test_time[].engine: vllm takes vLLM's "
    "max_num_seqs 256; set test_time[].max_running_sequences to match your engine",
    "serving.max_running_sequences",
)
ENGINE = Default(
    "tensorrt-llm",
    "",
    "the inference engine whose defaults a workload takes (test_time[].engine: tensorrt-llm, vllm or sglang); the serving "
    "fit's figures are mostly TensorRT-LLM's",
    "test_time[].engine",
)
TENSOR_PARALLEL_EFFICIENCY = Default(
    "2·L all-reduces per step",
    "",
    "tensor parallelism from first principles: 2 all-reduces per layer (Megatron-LM, Shoeybi et al. 2019 §3) of the step's "
    "tokens × d_model × 2 bytes, ring volume 2(g-1)/g over the catalog's unidirectional scale-up bandwidth, plus a latency per "
    "call (engine/parallelism.py)",
    "serving.tensor_parallel",
)
ALLREDUCE_LATENCY = Default(
    48e-6,
    "s",
    f"fixed time of one tensor-parallel all-reduce call inside an NVLink/xGMI node, launch and the GPUs' wait for each other: "
    f"{SERVING_FIT_SOURCE} (a priori 10 us, the order of NCCL's small-message all-reduce time, nccl-tests 8 B-64 KB on NVLink 4)",
    "serving.allreduce_latency",
)
ALLREDUCE_BANDWIDTH_EFFICIENCY = Default(
    0.78,
    "fraction",
    f"share of the catalog's unidirectional scale-up bandwidth a tensor-parallel all-reduce of one forward pass reaches (its "
    f"bus bandwidth): {SERVING_FIT_SOURCE}; a priori 1 (the link figure); a step's all-reduces carry its tokens × d_model × 2 bytes, "
    "from kilobytes at batch 1 to tens of megabytes at the batch cap, where nccl-tests' bus bandwidth still rises with the message size",
    "serving.allreduce_bandwidth_efficiency",
)
SCALE_UP_DOMAIN = Default(
    8,
    "GPUs",
    "GPUs per scale-up (NVLink / xGMI) domain when the catalog states none: the 8-GPU node of HGX/DGX and MI300X platforms",
    "serving.scale_up_domain",
)
SCALE_OUT_BANDWIDTH = Default(
    50e9,
    "B/s",
    "scale-out bandwidth per GPU, one direction, when the catalog states none: one 400 Gb/s NIC per GPU (DGX H100 / B200; "
    "DeepSeek-V3 report arXiv 2412.19437 §3.2.2: 'IB (50 GB/s)')",
    "serving.scale_out_bandwidth",
)
PIPELINE_STAGES = Default(
    1,
    "stages",
    "a replica beyond one scale-up domain runs as pipeline stages of tensor parallelism within it, as vLLM's guide sets them: "
    "'The tensor parallel size is the number of GPUs you want to use in each node, and the pipeline parallel size is the "
    "number of nodes' (engine/pipeline.py)",
    "test_time[].pipeline_stages",
)
STEP_OVERHEAD = Default(
    1.3e-3,
    "s",
    f"fixed time of every forward step beyond the roofline (scheduling, launches, sampling): {SERVING_FIT_SOURCE} "
    "(15 us before attention was timed apart from the matrix multiplies, 0.25 ms before TensorRT-LLM's admission rule, 2 ms before prefill rode the decode steps and all-reduces "
    "paid their fitted bus bandwidth and per-call time)",
    "serving.step_overhead",
)
GEMM_HALF_FILL_TOKENS = Default(
    164.0,
    "tokens",
    f"tokens in a forward pass at which matrix multiplies reach half their large-problem efficiency (T / (T + T½), "
    f"engine/serving.gemm_fill): {SERVING_FIT_SOURCE}",
    "serving.gemm_half_fill_tokens",
)
GEMM_HALF_FILL_WIDTH = Default(
    500.0,
    "columns",
    f"matrix width per GPU (d_model ÷ tensor-parallel GPUs) at which matrix multiplies reach half their large-problem "
    f"efficiency, the fill curve of GEMM_HALF_FILL_TOKENS in the other dimension (engine/serving.pass_fill): {SERVING_FIT_SOURCE}",
    "serving.gemm_half_fill_width",
)
PREFILL_TOKEN_BUDGET = Default(
    8192,
    "tokens",
    "tokens an engine packs into one prefill forward pass at load: TensorRT-LLM max_num_tokens default 8192 (BuildConfig); "
    "vLLM's max_num_batched_tokens is of the same order",
    "serving.prefill_token_budget",
)
KV_CACHE_BYTES_PER_ELEMENT = Default(
    "fp8 for 8-bit or narrower matmuls, else bf16",
    "",
    "TensorRT-LLM stores an FP8 KV cache for FP8 checkpoints ('If you specify FP8 quantization, the KV cache will automatically "
    "be set to FP8', trtllm-bench docs); vLLM offers kv_cache_dtype='fp8'; set test_time[].kv_cache_dtype to override",
    "serving.kv_cache_dtype",
)

# --- post-training steps (issue #15; fits in docs/CALIBRATION.md §1.4) ----------------------------
_OPENRLHF = "OpenRLHF PPO benchmark, LLaMA2 7B-70B on A800s (Hu et al. 2024, arXiv 2405.11143 Tables 2-6; data/post_training_measurements.yaml)"
FINETUNE_EFFICIENCY_AT_10B = Default(
    0.130,
    "fraction",
    "whole-job fraction of dense peak of supervised fine-tuning at 10B, e = e10·(N/10B)^b, least squares in log space on "
    "s1-32B (0.187), s1 59K (0.149) and Alpaca 7B (0.120) (docs/CALIBRATION.md §1.4); applies to full_finetune, lora, "
    "distillation, pruning and quantization steps unless hardware.mfu is given",
    "post_training.finetune_efficiency",
)
FINETUNE_EFFICIENCY_EXPONENT = Default(0.21, "", "size exponent b of the same fit (docs/CALIBRATION.md §1.4)", "post_training.finetune_efficiency_exponent")
RL_TRAINING_EFFICIENCY = Default(
    0.384,
    "fraction",
    "policy and critic training in RL (with the policy's attention), fraction of dense peak on the GPUs that train: geometric mean of 0.413 / 0.343 / "
    f"0.391 / 0.394 implied by the training stage of the {_OPENRLHF} (docs/CALIBRATION.md §1.4)",
    "post_training.rl_training_efficiency",
)
FORWARD_EFFICIENCY = Default(
    0.477,
    "fraction",
    "forward scoring (reward, reference, critic values), fraction of dense peak: geometric mean of 0.71 / 0.75 / 0.18 / "
    f"0.55 implied by the logits+reward stage of the {_OPENRLHF} (docs/CALIBRATION.md §1.4)",
    "post_training.forward_efficiency",
)
WEIGHT_SYNC_BANDWIDTH = Default(
    2.1e9,
    "bytes/s",
    f"trainer → inference-engine weight sync, bf16 weights ÷ seconds per step: geometric mean of 3.1 / 2.6 / 1.9 / 1.2 GB/s in the {_OPENRLHF}",
    "post_training.weight_sync_bandwidth",
)
HYBRID_ENGINE_GENERATION_EFFICIENCY = Default(
    0.46,
    "fraction",
    "rate of DeepSpeed-Chat's Hybrid Engine generate() loop against the serving roofline at the same batch: geometric mean of "
    "0.51 / 0.44 / 0.44 / 0.45, DeepSpeed-Chat's Figure 6 generation throughput (23.8 / 32.9 / 33.0 / 25.4 TFLOPs per GPU, "
    "OPT-1.3B / 6.7B / 13B on 8 A100s, OPT-175B on 64) ÷ the roofline's at those jobs (docs/CALIBRATION.md §1.4); "
    "rollout_engine: hybrid_engine only",
    "post_training.hybrid_engine_generation_efficiency",
)
ROLLOUT_GPU_SHARE = Default(0.25, "fraction", f"GPUs of the inference engine under split placement: 4/16, 8/32, 8/32, 16/32 in the {_OPENRLHF} (median)", "post_training[].rollout_gpus")
TRAINING_GPU_SHARE = Default(
    2 / 3, "fraction", f"of the GPUs that do not generate, those that train (actor + critic) under split placement: 8/12, 16/24, 16/24, 8/16 in the {_OPENRLHF}", "post_training[].training_gpus"
)

# --- test-time workloads -----------------------------------------------------------------------
DAYS = Default(365.0, "days", "planning convention: one year of serving (set days)", "test_time[].days")
PEAK_TO_AVERAGE = Default(
    2.0,
    "×",
    "planning convention, not a measured figure: LLM serving traffic follows a daily cycle (Azure conversation and "
    "coding traces, Stojkovic et al. 2024 DynamoLLM, arXiv 2408.00741 §3) - set peak_to_average from your own traffic",
    "test_time.peak_to_average",
    log_sigma=0.3,
)
PREFIX_CACHING = Default(True, "", "vLLM V1 enables automatic prefix caching by default (docs.vllm.ai, Automatic Prefix Caching)", "test_time.prefix_caching")

# --- inference-aware sizing (scaling optimal --objective cost) ----------------------------------
REQUEST_TOKENS = Default(
    (70, 215),
    "tokens",
    "70 prompt / 215 answer tokens: LMSys averages, defaults of Sardana et al.'s beyond-chinchilla code (docs/PEER_TOOLS.md §2.5)",
    "serving.request_tokens",
)

#: Every default above that a plan can list, in reading order.
TABLE: tuple[Default, ...] = (
    ACCELERATOR, PRECISION, PEAK_FLOPS, MFU, GOODPUT, GOODPUT_SPREAD, FAILURE_RATE, CHECKPOINT_SECONDS, RESTART_SECONDS, SCALE_COMMUNICATION, PRICE, POWER, PUE, FIT, ARCHITECTURE, GENERATION,
    COMPUTE_EFFICIENCY, COMPUTE_FORMAT_EXPONENT, DECODE_COMPUTE_RATIO, BANDWIDTH_EFFICIENCY, MEMORY_FRACTION, MAX_RUNNING_SEQUENCES, ENGINE, TENSOR_PARALLEL_EFFICIENCY,
    ALLREDUCE_BANDWIDTH_EFFICIENCY, ALLREDUCE_LATENCY, SCALE_UP_DOMAIN, SCALE_OUT_BANDWIDTH, PIPELINE_STAGES, STEP_OVERHEAD, GEMM_HALF_FILL_TOKENS, GEMM_HALF_FILL_WIDTH, PREFILL_TOKEN_BUDGET, KV_CACHE_BYTES_PER_ELEMENT, FINETUNE_EFFICIENCY_AT_10B, FINETUNE_EFFICIENCY_EXPONENT, RL_TRAINING_EFFICIENCY, FORWARD_EFFICIENCY,
    WEIGHT_SYNC_BANDWIDTH, HYBRID_ENGINE_GENERATION_EFFICIENCY, ROLLOUT_GPU_SHARE, TRAINING_GPU_SHARE, DAYS, PEAK_TO_AVERAGE, PREFIX_CACHING, REQUEST_TOKENS,
)  # fmt: skip


def table() -> list[Default]:
    """Every default: this module's, each serving engine's and each post-training technique's
    (imported here, when asked, to keep the CLI's start-up light)."""
    from scaling_cli.engine_defaults import ENGINE_DEFAULTS
    from scaling_cli.techniques.registry import technique_defaults  # deferred for start-up speed

    return [*TABLE, *ENGINE_DEFAULTS, *technique_defaults()]
