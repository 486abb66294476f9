"""Waiting for a batch slot: time-to-first-token percentiles under load, and the fleet a target needs.

A replica that decodes up to c sequences at once (its batch) is, to an arriving request, a queue with
c servers: the request starts at the next step if a slot is free and waits otherwise (continuous
batching, Yu et al. 2022 "Orca"; vLLM and TensorRT-LLM schedule this way). Requests arrive as a
Poisson stream of rate λ per replica and hold their slot for T seconds (prefill, then the serial
chain of decode steps), so the offered load is a = λ·T slots and the utilization ρ = a / c.

- Probability of waiting: Erlang's C formula for M/M/c (Erlang 1917; Kleinrock, *Queueing Systems*
  vol. 1, 1975, §3.5), computed exactly through the Erlang-B recursion B(k) = a·B(k−1) / (k + a·B(k−1))
  for c ≤ 256, and by the Halfin–Whitt limit P_W ≈ 1 / (1 + β·Φ(β)/φ(β)), β = (c − a)/√a (Halfin &
  Whitt 1981, *Operations Research* 29(3)) for larger c (within 15% of the exact value from 256 slots
  up, tests/test_service_levels.py; a quantile moves by the log of that error).
- Wait given waiting: exponential with rate (c − a)/T, so P(W > t) = P_W · exp(−(c − a)·t / T) and
  the p-quantile is T/(c − a) · ln(P_W / (1 − p)) when P_W > 1 − p, else 0.
- General service times (here every request of a workload is alike, so nearly deterministic): the
  M/G/c waits are those of M/M/c times (1 + C_s²)/2 (Lee & Longton 1959; Kingman's heavy-traffic
  form), C_s the service time's coefficient of variation; C_s = 0 halves them.

Time to first token at percentile p = the wait at p + the wait for the running scheduling round +
the request's own prefill (its light-load time to first token, ``engine/serving.py``). Engines admit
new requests between forward passes (Orca's iteration-level scheduling), so a request arriving while
a replica decodes waits for the pass in progress; an engine that runs n decode steps per scheduling
round (vLLM 0.5–0.6's multi-step scheduling, ``--num-scheduler-steps``) admits only between rounds.
For arrivals uniform in time that residual is uniform on [0, n·step]: its p-quantile is p·n·step.
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike

#: Largest number of slots computed by the exact Erlang-B recursion; above it the Halfin–Whitt limit.
EXACT_SLOTS = 256
#: Squared coefficient of variation of a request's slot time: identical requests, deterministic service.
SERVICE_CV2 = 0.0


def _normal_cdf(x: ArrayLike) -> ArrayLike:
    """Φ(x) from erfc by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7); numpy has no erf."""
    z = np.abs(np.asarray(x, dtype=float)) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erfc = poly * np.exp(-z * z)
    return np.where(np.asarray(x) >= 0, 1.0 - 0.5 * erfc, 0.5 * erfc)


def _erlang_c_exact(slots: ArrayLike, load: ArrayLike) -> ArrayLike:
    """Erlang C from the Erlang-B recursion, each element stopped at its own number of slots (≤ 256)."""
    c, a = np.broadcast_arrays(np.asarray(slots, dtype=float), np.asarray(load, dtype=float))
    blocking = np.ones(c.shape)
    for k in range(1, int(min(EXACT_SLOTS, np.max(c, initial=1.0))) + 1):
        step = a * blocking / (k + a * blocking)
        blocking = np.where(k <= c, step, blocking)
    rho = a / c
    return blocking / (1.0 - rho + rho * blocking)


def _erlang_c_halfin_whitt(slots: ArrayLike, load: ArrayLike) -> ArrayLike:
    beta = (slots - load) / np.sqrt(load)
    density = np.exp(-0.5 * beta * beta) / np.sqrt(2.0 * np.pi)
    return 1.0 / (1.0 + beta * _normal_cdf(beta) / density)


def round_wait_quantile(steps: ArrayLike, step_seconds: ArrayLike, quantile: float) -> ArrayLike:
    """The ``quantile`` of the wait for the scheduling round in progress: p · n · step (module docstring)."""
    return quantile * steps * step_seconds


def waiting_probability(slots: ArrayLike, load: ArrayLike) -> ArrayLike:
    """P(an arriving request waits) with c = ``slots`` servers and offered load a = ``load`` < c."""
    c = np.maximum(np.asarray(slots, dtype=float), 1.0)
    a = np.asarray(load, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exact = _erlang_c_exact(np.minimum(c, EXACT_SLOTS), a)
        approx = _erlang_c_halfin_whitt(c, a)
    return np.where(a >= c, 1.0, np.clip(np.where(c <= EXACT_SLOTS, exact, approx), 0.0, 1.0))


def wait_quantile(slots: ArrayLike, load: ArrayLike, hold_seconds: ArrayLike, quantile: float) -> ArrayLike:
    """The ``quantile`` of the wait for a slot (module docstring), M/G/c with identical requests."""
    c = np.maximum(np.asarray(slots, dtype=float), 1.0)
    free = np.maximum(c - load, 1e-300)
    p_wait = waiting_probability(c, load)
    with np.errstate(divide="ignore"):
        tail = np.log(np.maximum(p_wait, 1e-300) / (1.0 - quantile))
    return np.maximum(tail, 0.0) * hold_seconds / free * (1.0 + SERVICE_CV2) / 2.0


def replicas_for_wait(rate: ArrayLike, slots: ArrayLike, hold_seconds: ArrayLike, wait_target: ArrayLike, quantile: float) -> ArrayLike:
    """Fewest replicas (a real number, round it up) whose ``quantile`` wait at total arrival ``rate``
    stays within ``wait_target``: bisection on log n between the capacity λ·T/c and 2^20 × it."""
    capacity = np.maximum(rate * hold_seconds / slots, 1e-12)
    low, high = np.log(capacity), np.log(capacity * 2.0**20)
    for _ in range(40):
        mid = 0.5 * (low + high)
        n = np.exp(mid)
        ok = wait_quantile(slots, rate * hold_seconds / n, hold_seconds, quantile) <= wait_target
        high, low = np.where(ok, mid, high), np.where(ok, low, mid)
    return np.exp(high)
