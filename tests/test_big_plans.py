"""Big plans (#16): identical work is done once and bands are read off shared order statistics,
with figures identical, bit for bit, to the plan computed figure by figure."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli.engine import serving, uncertainty
from scaling_cli.engine.uncertainty import Sampler, Scaled, SharedQuantiles, fingerprint, linear_quantile, quantiles
from scaling_cli.planner import post_training, test_time
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.bands import add_bands
from scaling_cli.planner.plan import all_plannable, build_plan, evaluate, to_plain
from scaling_cli.render.formats import to_json
from scaling_cli.scenario.inputs import freeze
from scaling_cli.scenario.loading import validate_document
from scaling_cli.yaml_source import parse_yaml
from tests.conftest import REPO

HEAD = "name: eco\nhardware: {accelerator: h100}\nmodel: {params: 7B, layers: 32, d_model: 4096, heads: 32}\npretraining: {tokens: 1T}\n"
#: groups that differ in name and count only (and a third with other tokens), and workloads that differ in demand only
SCENARIO = HEAD + (
    "post_training:\n"
    "  - {name: a, technique: lora, count: 3, tokens: 10M, rank: 16}\n"
    "  - {name: b, technique: lora, count: 40, tokens: 10M, rank: 16}\n"
    "  - {name: c, technique: lora, count: 7, tokens: 20M, rank: 16}\n"
    "  - {name: d, technique: full_finetune, count: 2, tokens: 1B}\n"
    "  - {name: e, technique: full_finetune, count: {low: 1, high: 5}, tokens: 1B}\n"
    "test_time:\n"
    "  - {name: x, queries_per_day: 1000, prompt_tokens: 1000, output_tokens: 400}\n"
    "  - {name: y, queries_per_day: 250000, days: 30, prompt_tokens: 1000, output_tokens: 400}\n"
    "  - {name: z, queries_per_day: 5000, prompt_tokens: 2000, output_tokens: 400}\n"
)


def loaded(text: str = SCENARIO):
    return validate_document(parse_yaml(text, "eco.yaml"))


def banded(compact: bool, text: str, samples: int = 400) -> dict:
    """The plan's sections with bands, from a compact Monte Carlo pass (``build_plan``'s) or a plain one."""
    scenario = loaded(text).scenario
    point = to_plain(evaluate(freeze(scenario, Sampler.point()), Sampler.point(), Assumptions()))
    sampler = Sampler(samples, 7, compact=compact)
    with np.errstate(all="ignore"):
        return add_bands(point, evaluate(freeze(scenario, sampler), sampler, Assumptions()))


@pytest.mark.parametrize("path", [None, "configs/derivative-ecosystem.scenario.yaml", "configs/alignment-pipeline.scenario.yaml"])
def test_compact_bands_are_the_plain_bands_bit_for_bit(path):
    """Shared derivatives and Scaled figures change how the bands are computed, not one bit of them."""
    text = SCENARIO if path is None else (REPO / path).read_text(encoding="utf-8")
    assert json.dumps(banded(True, text)) == json.dumps(banded(False, text))


def test_groups_equal_but_for_name_and_count_are_planned_once(monkeypatch):
    """Five groups: a and b share everything but name and count, and so do d and e (e's count a
    range), so the point pass and the Monte Carlo pass plan three derivatives each."""
    calls = []
    original = post_training.plan_derivative
    monkeypatch.setattr(post_training, "plan_derivative", lambda group, *rest: calls.append(group.name) or original(group, *rest))
    build_plan(loaded(), samples=200)
    assert calls == ["a", "c", "d", "a", "c", "d"]


#: Two RL groups equal but for name and count, each listing defaults under its own scope
#: (``post_training[i].samples_per_prompt``, ``.critic_params``), and a quantization group between them.
RL_TWINS = HEAD + (
    "post_training:\n"
    "  - {name: ppo-a, technique: rl, algorithm: ppo, count: 2, prompts: 10K, prompt_tokens: 500, response_tokens: 800, reward_model_params: 7B}\n"
    "  - {name: ptq, technique: quantization, method: ptq}\n"
    "  - {name: ppo-b, technique: rl, algorithm: ppo, count: 9, prompts: 10K, prompt_tokens: 500, response_tokens: 800, reward_model_params: 7B}\n"
)


def test_a_shared_derivative_lists_its_defaults_under_each_groups_scope(monkeypatch):
    """ppo-b reuses ppo-a's derivative, yet the plan (figures, assumptions in their order, warnings)
    is the one planned group by group, with ppo-b's defaults under post_training[2]."""
    shared = build_plan(loaded(RL_TWINS), samples=200)
    monkeypatch.setattr(post_training, "_group_key", lambda group: None)  # every group planned on its own
    alone = build_plan(loaded(RL_TWINS), samples=200)
    keys = [a.key for a in shared.assumptions]
    assert {"post_training[0].samples_per_prompt", "post_training[2].samples_per_prompt", "post_training[2].critic_params"} <= set(keys)
    assert keys == [a.key for a in alone.assumptions]
    assert shared.assumptions == alone.assumptions and shared.warnings == alone.warnings
    assert json.dumps(shared.sections) == json.dumps(alone.sections)


def test_a_group_of_count_n_is_n_times_the_shared_samples():
    """b (count 40) holds 40 × a's per-model samples as a Scaled figure of the same base as a (count 3)."""
    scenario = loaded().scenario
    sampler = Sampler(300, 1, compact=True)
    with np.errstate(all="ignore"):
        tree = evaluate(freeze(scenario, sampler), sampler, Assumptions())
    a, b = tree["post_training"]["derivatives"][:2]
    assert isinstance(a["cost_usd"], Scaled) and isinstance(b["cost_usd"], Scaled)
    assert a["cost_usd"].base is b["cost_usd"].base
    assert (a["cost_usd"].factor, b["cost_usd"].factor) == (3.0, 40.0)
    assert np.array_equal(np.asarray(b["cost_usd"]), a["cost_usd"].base * 40.0)


def test_workloads_that_differ_in_demand_share_one_serving_choice(monkeypatch):
    """x and y differ in queries and days only: one replica and batch choice per pass for both, another for z."""
    calls = []
    original = serving.serve_requests
    monkeypatch.setattr(serving, "serve_requests", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    build_plan(loaded(), samples=200)
    assert len(calls) == 2 + 2  # point pass and Monte Carlo pass: {x, y} and {z} each
    assert test_time.serving is serving


def test_workloads_that_differ_in_demand_share_their_latency_arrays_and_bill_one_array():
    """x and y (same request, other demand) get the very same latency arrays; each workload's
    GPU-hours and energy are Scaled multiples of its one peak-GPU array (by hand: GPU-hours = GPUs ×
    24 × days); its cost, whose H100 price is sampled, is that times the price, multiplied out."""
    scenario = loaded().scenario
    sampler = Sampler(300, 1, compact=True)
    with np.errstate(all="ignore"):
        tree = evaluate(freeze(scenario, sampler), sampler, Assumptions())
    x, y, z = tree["test_time"]["workloads"]
    assert x["ttft_seconds"] is y["ttft_seconds"] and x["tpot_seconds"] is y["tpot_seconds"]
    assert x["ttft_seconds"] is not z["ttft_seconds"]
    bill = [y[key] for key in ("gpu_hours_per_day", "gpu_hours", "energy_mwh")]
    assert all(isinstance(figure, Scaled) for figure in bill)
    assert all(figure.base is bill[0].base for figure in bill)
    assert np.allclose(np.asarray(y["gpu_hours"]), bill[0].base * 24.0 * 30.0, rtol=1e-12)
    price = np.asarray(y["cost_usd"]) / np.asarray(y["gpu_hours"])
    assert np.ptp(price) > 0 and 1.0 < price.min() and price.max() < 20.0  # a sampled, plausible H100 $/GPU-hour


def test_bands_of_a_thousand_multiples_take_one_partial_sort(monkeypatch):
    """1,000 Scaled figures of one base: one np.partition for all of them, none for the figures."""
    calls = []
    original = np.partition
    monkeypatch.setattr(uncertainty.np, "partition", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    base = np.random.default_rng(3).lognormal(0.0, 0.4, 5000)
    shared = SharedQuantiles()
    for count in range(1, 1001):
        shared(Scaled(base, float(count)))
    assert len(calls) == 1


positive = st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(positive, min_size=2, max_size=50), factor=st.one_of(st.just(0.0), positive))
def test_scaled_quantiles_and_checks_are_those_of_the_multiplied_array(values, factor):
    """Quantiles, the constant-figure rule and the finiteness check of base × factor (overflow to
    infinity included) are exactly those of the multiplied-out array."""
    base = np.array(values)
    with np.errstate(all="ignore"):
        product = base * factor
        scaled = Scaled(base, factor)
        expected = None if not product.max() > product.min() else quantiles(product)
        assert repr(SharedQuantiles()(scaled)) == repr(expected)  # repr: NaN (inf - inf) equals NaN
        assert all_plannable({"x": scaled}) == all_plannable({"x": product})
        assert np.array_equal(np.asarray(scaled), product)


def test_scaled_arithmetic_multiplies_out():
    base = np.array([1.0, 2.0, 4.0])
    scaled = Scaled(base, 2.0)
    assert np.array_equal(0.0 + scaled + scaled, base * 4.0)
    assert np.array_equal(base + scaled, base * 3.0)
    assert np.array_equal(scaled / 2.0, base)
    assert Scaled.of(3.0, 2.0) == 6.0  # a plain figure stays plain
    assert isinstance(Scaled.of(np.array([[1.0]]), 2.0), np.ndarray)  # only 1-D samples are kept


def test_fingerprint_tells_values_apart_bit_for_bit():
    same = (np.array([1.0, 2.0]), 3.0, "a", None, [1, 2])
    assert fingerprint(same) == fingerprint((np.array([1.0, 2.0]), 3.0, "a", None, [1, 2]))
    assert fingerprint(same) != fingerprint((np.array([1.0, 2.0 + 1e-15]), 3.0, "a", None, [1, 2]))
    assert fingerprint(1.0) != fingerprint(1)  # a float and an int give different figures (GPU counts are whole)
    assert fingerprint((object(),)) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(document=json_values)
def test_json_text_is_the_standard_librarys_character_for_character(document):
    assert to_json(document) == json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@pytest.mark.parametrize("bad", [math.nan, math.inf, [1.0, -math.inf]])
def test_json_still_refuses_non_finite_numbers(bad):
    with pytest.raises(ValueError):
        to_json({"a": {"b": bad}})


def test_json_of_keys_that_are_not_text_follows_the_standard_library():
    document = {"a": {1: 2.0, None: [3]}, "b": [{2.5: "x"}]}
    assert to_json(document) == json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


samples_1d = st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(values=samples_1d, probability=st.floats(min_value=0.0, max_value=1.0))
def test_linear_quantile_and_median_are_numpys_bit_for_bit(values, probability):
    """The start-up-light quantile (the efficiency fit's) and median (the nearest runs') give
    exactly numpy's numbers, so replacing np.quantile/np.median changes no figure."""
    assert linear_quantile(values, probability) == float(np.quantile(values, probability))
    assert uncertainty.median(values) == float(np.median(values))
