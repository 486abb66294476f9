"""Per-query compute of inference and reasoning workloads (test-time law), in closed form.

Forward pass per token: 2·N_active FLOP for the weights (Kaplan et al. 2020 Table 1, C_forward ≈ 2N)
plus attention over the context. Kaplan's table counts 2·L·n_ctx·d for QK^T; the attention-weighted
sum over V (AV) costs the same again, so a token that attends to t positions adds 4·L·(H·Q)·t
(docs/DOMAIN.md §3; PaLM App. B counts the same two products, ×3 for training). With a causal mask the
token at 1-based position t attends to t positions (itself and every earlier one), so processing
``count`` tokens after ``start`` tokens of context costs, with no loop over positions,

    Σ_{t=start+1}^{start+count} 4·L·w·t = 4·L·w·(count·start + count·(count+1)/2)        (w = H·Q).

Peer tools either drop this term in decode (llm-analysis) or loop once per generated token
(LLM-Viewer); see docs/PEER_TOOLS.md §2.2, §2.8.

A query (docs/DOMAIN.md §3) is a prompt of P tokens, then ``chains`` parallel chains (samples × beams),
each of ``rounds`` × (reasoning + answer) tokens: sequential self-revisions keep the earlier attempts
in context, so a chain simply grows. With prefix caching the prompt is prefilled once per query and
shared by every chain; without it, once per chain. A verifier (best-of-n) or process reward model
(search) reads what it scores at 2·N_scorer FLOP per token (docs/DOMAIN.md §3; its attention is not
counted, as its architecture is not given). A model with sliding-window layers passes its
``AttentionWindow``: those layers attend to at most W positions (``engine/attention_window.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from scaling_cli.engine.attention_window import AttentionWindow, equivalent_positions
from scaling_cli.engine.pretraining import dense_forward_flops
from scaling_cli.engine.types import ArrayLike

#: QK^T (2·w·t) + AV (2·w·t) per layer, forward only, for a token attending to t positions.
ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION = 4.0


def attended_positions(start: ArrayLike, count: ArrayLike) -> ArrayLike:
    """Σ_{t=start+1}^{start+count} t: positions attended by ``count`` tokens after ``start`` (causal)."""
    return count * start + count * (count + 1) / 2


def forward_flops_over(active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, tokens: ArrayLike, positions: ArrayLike) -> ArrayLike:
    """Forward FLOP of ``tokens`` tokens that attend to ``positions`` positions in all: 2·N_active per
    token (Kaplan et al. 2020 Table 1) + 4·L·(H·Q) per attended position (QK^T and AV; PaLM App. B)."""
    return dense_forward_flops(active_params, tokens) + ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION * layers * width * positions


def forward_flops(active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, start: ArrayLike, count: ArrayLike, window: AttentionWindow | None = None) -> ArrayLike:
    """2·N_active per token plus attention, for ``count`` tokens after ``start`` tokens of context
    (causal, closed form: ``attended_positions``; windowed layers at most W positions each)."""
    positions = equivalent_positions(layers, window, attended_positions(start, count), start, count)
    return forward_flops_over(active_params, layers, width, count, positions)


def scoring_flops(scorer_params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """A verifier or reward model reading ``tokens``: 2·N_scorer per token (docs/DOMAIN.md §3)."""
    return dense_forward_flops(scorer_params, tokens)


@dataclass(frozen=True)
class QueryShape:
    """The tokens of one query. Counts that vary across Monte Carlo samples may be numpy arrays."""

    prompt_tokens: ArrayLike
    answer_tokens: ArrayLike
    #: thinking tokens per attempt and chain (under search: steps × tokens per step)
    reasoning_tokens: ArrayLike
    samples: int = 1
    #: beams per sample (search), else 1
    beams: int = 1
    #: 1 + sequential self-revisions
    rounds: int = 1
    prefix_caching: bool = True

    @property
    def chains(self) -> int:
        """Chains decoded in parallel: samples × beams."""
        return self.samples * self.beams

    @property
    def chain_tokens(self) -> ArrayLike:
        """Tokens one chain generates, one after another: rounds × (reasoning + answer)."""
        return self.rounds * (self.reasoning_tokens + self.answer_tokens)

    @property
    def generated_tokens(self) -> ArrayLike:
        return self.chains * self.chain_tokens

    def prefills(self, readers: int) -> int:
        """How often the prompt is processed for ``readers`` chains: once with prefix caching."""
        return 1 if self.prefix_caching else readers

    def prefill_tokens(self) -> ArrayLike:
        return self.prefills(self.chains) * self.prompt_tokens

    def scored_tokens(self, readers: int) -> ArrayLike:
        """Tokens a scorer reads to judge ``readers`` chains: each chain plus the prompt (shared with caching)."""
        return self.prefills(readers) * self.prompt_tokens + readers * self.chain_tokens


def prefill_flops(shape: QueryShape, active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, window: AttentionWindow | None = None) -> ArrayLike:
    """The prompt's forward pass, once per query with prefix caching, else once per chain."""
    return shape.prefills(shape.chains) * forward_flops(active_params, layers, width, 0.0, shape.prompt_tokens, window)


def decode_flops(shape: QueryShape, active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, window: AttentionWindow | None = None) -> ArrayLike:
    """Every chain's generated tokens, each attending to the prompt and the chain before it."""
    return shape.chains * forward_flops(active_params, layers, width, shape.prompt_tokens, shape.chain_tokens, window)


def policy_flops(shape: QueryShape, active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, window: AttentionWindow | None = None) -> ArrayLike:
    """FLOP of the served model for one query: prefill plus decode of every chain."""
    return prefill_flops(shape, active_params, layers, width, window) + decode_flops(shape, active_params, layers, width, window)


def single_pass_flops(prompt_tokens: ArrayLike, answer_tokens: ArrayLike, active_params: ArrayLike, layers: ArrayLike, width: ArrayLike, window: AttentionWindow | None = None) -> ArrayLike:
    """The baseline: one answer, no reasoning, one sample: forward over prompt + answer."""
    return forward_flops(active_params, layers, width, 0.0, prompt_tokens + answer_tokens, window)
