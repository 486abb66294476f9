"""A request as the serving roofline sees it (``engine/serving.py``): a prompt, then chains decoded side
by side, and the KV context each chain attends to, keeps and is admitted at."""

from __future__ import annotations

from dataclasses import dataclass

from scaling_cli.engine.served_model import Device
from scaling_cli.engine.types import ArrayLike


@dataclass(frozen=True)
class RequestShape:
    """A request as the server sees it: a prompt, then ``chains`` sequences decoded side by side."""

    prompt_tokens: ArrayLike
    chains: ArrayLike
    #: tokens each chain generates, one step after another
    chain_tokens: ArrayLike
    #: the chains share one copy of the prompt's KV cache (prefix caching)
    prefix_shared: bool = True
    #: compute-bound work per request on the same replica: prefill, verifier or reward-model scoring
    compute_flops: ArrayLike = 0.0
    #: the prompt's prefill, the part of ``compute_flops`` before the first token (default: all of it)
    prefill_flops: ArrayLike | None = None
    #: requests arrive over time, so prompts ride running decode steps (``mixed_step_seconds``); False for
    #: a batch submitted at once (an RL rollout, a generate() call): its prompts are prefilled before it decodes
    streamed: bool = True

    @property
    def attended_context(self) -> ArrayLike:
        """Mean positions a generated token attends to: P + (C + 1) / 2."""
        return self.prompt_tokens + (self.chain_tokens + 1) / 2

    @property
    def prompt_share(self) -> ArrayLike:
        """Prompt tokens of KV cache each chain holds: the shared prompt split among its chains."""
        return self.prompt_tokens / self.chains if self.prefix_shared else self.prompt_tokens

    @property
    def resident_context(self) -> ArrayLike:
        """Mean KV tokens a running chain keeps in memory."""
        return self.prompt_share + (self.chain_tokens + 1) / 2

    @property
    def full_context(self) -> ArrayLike:
        return self.prompt_tokens + self.chain_tokens

    def admitted_context(self, device: Device) -> ArrayLike:
        """KV tokens per chain the scheduler counts when it admits requests: the resident mean when the
        cache is allocated as it grows, its prompt share + every token it will generate when the whole
        request is reserved up front (``Device.reserves_whole_request``)."""
        return self.prompt_share + self.chain_tokens if device.reserves_whole_request else self.resident_context
