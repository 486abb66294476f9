"""``test_time:`` — inference and reasoning workloads (test-time law, docs/DOMAIN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StringConstraints, field_validator, model_validator

from scaling_cli.scenario.ranges import Range, central
from scaling_cli.scenario.fields import NonNegativeCount, NonNegativeQuantity, PositiveCount, PositiveQuantity, StrictModel, uncertain, user_error
from scaling_cli.scenario.hardware import HardwareSpec

Aggregation = Literal["majority_vote", "best_of_n", "oracle"]


@dataclass(frozen=True)
class PassRates:
    """``pass_rate`` given as a range: the distribution of per-query pass rates over a workload's
    queries (not an uncertainty), so the planner averages over it instead of drawing it."""

    spread: Range

    def quantile(self, uniform: Any) -> np.ndarray:
        return self.spread.quantile(np.asarray(uniform, dtype=float))


class SearchSpec(StrictModel):
    """Beam search over reasoning steps, every step of every beam scored by a process reward model
    (Snell et al. 2024, arXiv 2408.03314 §5)."""

    beam_width: PositiveCount = Field(description="Candidates extended at every step (beams decoded side by side).")
    steps: PositiveCount = Field(description="Reasoning steps per beam.")
    tokens_per_step: PositiveQuantity = Field(description="Tokens generated per step and beam.")
    prm_params: PositiveQuantity = Field(description="Parameters of the process reward model scoring each step.")


#: Most decode steps per scheduling round: vLLM's multi-step scheduling ran 8-16 (its v0.6 benchmarks: 10);
#: beyond a few hundred a round outlasts any chat answer.
MAX_SCHEDULER_STEPS = 256


class TestTimeWorkload(StrictModel):
    """One stream of identical queries: its tokens, how many samples and checks each takes, and its traffic."""

    __test__ = False  # not a pytest test class, despite its name

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(description="Shown in every output.")
    queries_per_day: PositiveQuantity = Field(description="Average queries per day.")
    days: PositiveQuantity | None = Field(None, description="Days served; default 365. Totals (flops, gpu_hours, cost_usd) cover them.")
    prompt_tokens: NonNegativeQuantity = Field(description="Prompt (input) tokens per query.")
    output_tokens: PositiveQuantity = Field(description="Final-answer tokens per sample.")
    reasoning_tokens: NonNegativeQuantity = Field(0.0, description="Thinking tokens per sample before its answer; 0 = a single-pass model.")
    samples: PositiveCount = Field(1, description="Parallel samples per query (self-consistency, best-of-n); with target_accuracy and no samples, chosen.")
    aggregation: Aggregation = Field(
        "majority_vote",
        description="How samples are combined: majority_vote (no extra model), best_of_n (a verifier scores every sample) or oracle "
        "(a check such as unit tests: right if any sample is).",
    )
    pass_rate: uncertain(ge=0, le=1) | None = Field(
        None,
        description="Chance one sample answers a query right; a range is the spread of pass rates over the queries "
        "(e.g. {low: 0.001, high: 0.9, dist: loguniform}). Gives expected_accuracy.",
    )
    target_accuracy: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="Wanted expected accuracy; without samples the plan chooses the fewest samples reaching it (needs pass_rate)."
    )
    verifier_accuracy: Annotated[float, Field(ge=0.5, le=1)] | None = Field(
        None, description="best_of_n: chance the verifier judges a sample right or wrong correctly (needed with pass_rate)."
    )
    verifier_params: PositiveQuantity | None = Field(None, description="Parameters of the verifier / reward model (best_of_n).")
    search: SearchSpec | None = Field(None, description="Beam search scored by a process reward model; its steps replace reasoning_tokens.")
    revisions: NonNegativeCount = Field(0, description="Sequential self-revision rounds after the first attempt (earlier attempts stay in context).")
    prefix_caching: bool = Field(True, description="Prefill the prompt once and share it among samples (true, vLLM's default) or once per sample.")
    peak_to_average: uncertain(ge=1) | None = Field(None, description="Peak load ÷ average load; the fleet is sized for the peak. Default 2.")
    latency_target_seconds: PositiveQuantity | None = Field(None, description="Wanted end-to-end latency of one query; caps the batch.")
    ttft_p95_seconds: PositiveQuantity | None = Field(
        None, description="Service level: 95th-percentile time to first token at the peak load; the fleet is sized to meet it (requests queue for batch slots, M/G/c)."
    )
    tpot_seconds: PositiveQuantity | None = Field(None, description="Service level: time per output token (one decode step); caps the batch.")
    disaggregated: bool = Field(
        False,
        description="Prefill and decode on separate pools of GPUs (DistServe, Splitwise; DeepSeek and SGLang serve this way): decode steps no longer "
        "stretch under prefill load, each prompt's KV cache crosses the network once.",
    )
    gpus_per_replica: PositiveCount | None = Field(None, description="GPUs per tensor-parallel model replica; default: chosen automatically.")
    expert_parallel: PositiveCount | None = Field(
        None,
        description="Wide expert parallelism: GPUs the routed experts are spread over, each GPU running its own sequences "
        "(data-parallel attention, as DeepSeek and SGLang serve DeepSeek-V3). Needs model.experts; replaces gpus_per_replica.",
    )
    engine: Literal["tensorrt-llm", "vllm", "sglang"] = Field(
        "tensorrt-llm",
        description="Inference engine whose defaults apply where kv_cache_dtype and max_running_sequences are not given: "
        "tensorrt-llm (FP8 KV for 8-bit matmuls, 2048 sequences), vllm (KV in the model's dtype, 256 sequences), sglang "
        "(KV in the model's dtype, what fits up to 2048).",
    )
    kv_cache_dtype: Literal["fp32", "bf16", "fp16", "fp8", "int8", "fp4", "int4"] | None = Field(
        None, description="KV cache element; default: the engine's (TensorRT-LLM: fp8 when the matmul precision is 8-bit or narrower, else bf16)."
    )
    weight_dtype: Literal["fp32", "bf16", "fp16", "fp8", "int8", "fp6", "fp4", "int4"] | None = Field(
        None,
        description="Element the weights are stored in, when narrower than the matmul precision (hardware.precision): e.g. "
        "MXFP4 or INT4 weights multiplied in fp8 or bf16 (W4A8, W4A16). Sets the bytes read and held; default: the precision.",
    )
    scheduler_steps: Annotated[PositiveCount, Field(le=MAX_SCHEDULER_STEPS)] = Field(
        1,
        description="Decode steps the engine runs per scheduling round (vLLM 0.5-0.6 --num-scheduler-steps; 1 for iteration-level "
        "scheduling): a request that arrives while the replica decodes joins when the round ends.",
    )
    max_running_sequences: PositiveCount | None = Field(None, description="Most sequences one replica runs at once (the engine's batch cap); default: the engine's (TensorRT-LLM max_batch_size 2048, vLLM max_num_seqs 256).")
    hardware: HardwareSpec | None = Field(None, description="Serving hardware; default: the scenario's hardware (its count is a capacity to check).")

    @field_validator("pass_rate", mode="after")
    @classmethod
    def _per_query(cls, value: Any) -> Any:
        return PassRates(value) if isinstance(value, Range) else value

    @model_validator(mode="after")
    def _no_deadline(self) -> TestTimeWorkload:
        if self.hardware is not None and "deadline_days" in self.hardware.model_fields_set:
            raise user_error(
                "workload_deadline",
                "deadline_days sizes the pretraining cluster; a workload's fleet is sized from its traffic (give hardware.count to check a capacity)",
                field="hardware.deadline_days",
            )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> TestTimeWorkload:
        if self.expert_parallel is not None and self.gpus_per_replica is not None:
            raise user_error(
                "expert_parallel_and_tp", "expert_parallel sets the group of GPUs serving the model; remove gpus_per_replica", field="gpus_per_replica"
            )
        if self.expert_parallel is not None and self.expert_parallel < 2:
            raise user_error("expert_parallel_size", "expert_parallel spreads the experts over 2 or more GPUs", field="expert_parallel")
        if self.aggregation == "best_of_n" and self.verifier_params is None:
            raise user_error("verifier_missing", "best_of_n needs verifier_params (the model that scores every sample)", field="aggregation")
        if self.aggregation != "best_of_n" and self.verifier_params is not None:
            raise user_error(
                "verifier_unused", f"verifier_params applies only to aggregation: best_of_n ({self.aggregation} uses no extra model)", field="verifier_params"
            )
        if self.aggregation != "best_of_n" and self.verifier_accuracy is not None:
            raise user_error("verifier_unused", "verifier_accuracy applies only to aggregation: best_of_n", field="verifier_accuracy")
        if self.aggregation == "best_of_n" and self.pass_rate is not None and self.verifier_accuracy is None:
            raise user_error("verifier_accuracy_missing", "best_of_n with pass_rate needs verifier_accuracy (how often the verifier judges a sample correctly)", field="pass_rate")
        if self.target_accuracy is not None and self.pass_rate is None:
            raise user_error("pass_rate_missing", "target_accuracy needs pass_rate (the chance one sample is right)", field="target_accuracy")
        if self.search is not None and central(self.reasoning_tokens) > 0:
            raise user_error(
                "search_and_reasoning",
                "with search, each beam's reasoning is search.steps × search.tokens_per_step; remove reasoning_tokens",
                field="reasoning_tokens",
            )
        return self

