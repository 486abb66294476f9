"""Bands of big plans: shared sorting gives the exact quantiles, and sorts once per family of arrays;
the finiteness check names the first bad figure as the numpy walk did (#16)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli.engine import uncertainty
from scaling_cli.engine.uncertainty import SharedQuantiles, quantiles
from scaling_cli.errors import PlanError
from scaling_cli.planner.bands import add_bands
from scaling_cli.planner.plan import all_plannable, check_plannable

finite = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(finite, min_size=2, max_size=60), scales=st.lists(finite, min_size=1, max_size=6), other=st.lists(finite, min_size=2, max_size=60))
def test_shared_quantiles_are_quantiles_bit_for_bit(values, scales, other):
    """Positive multiples of one array (which share its order), and unrelated arrays mixed in: each
    answer is exactly what ``quantiles`` gives for that array alone."""
    base = np.array(values)
    arrays = [base * s for s in scales] + [np.array(other)] + [base * s for s in scales]
    shared = SharedQuantiles()
    for array in arrays:
        expected = None if array.max() == array.min() else quantiles(array)
        assert shared(array) == expected


def test_quantiles_by_hand_through_the_shared_order():
    """x = 1..11 (shuffled): P10 at h = 10 × 0.1 = 1 -> x(1) = 2; P90 at h = 9 -> x(9) = 10; the
    second and third arrays (×3, ×0.5) are read off the first one's order: 6 and 30, 1 and 5."""
    x = np.array([5.0, 1, 9, 3, 11, 7, 2, 10, 4, 8, 6])
    shared = SharedQuantiles()
    assert shared(x) == [2.0, 10.0]
    assert shared(3 * x) == [6.0, 30.0]
    assert shared(0.5 * x) == [1.0, 5.0]
    assert shared(np.full(11, 4.0)) is None  # every sample the same: no spread


def test_a_family_of_multiples_is_sorted_once(monkeypatch):
    """1,000 figures that scale one sampled array (a thousand groups' costs): one partial sort for
    the first, one full sort for the second, none for the rest."""
    calls = {"partition": 0, "argsort": 0}
    for name in calls:
        original = getattr(np, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(uncertainty.np, name, counted)
    base = np.random.default_rng(1).lognormal(0.0, 0.3, 5000)
    shared = SharedQuantiles()
    for scale in np.linspace(0.1, 100.0, 1000):
        shared(base * scale)
    assert calls == {"partition": 1, "argsort": 1}


def test_add_bands_walks_lists_and_names_bands_beside_their_figure():
    draws = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    point = {"post_training": {"derivatives": [{"name": "a", "cost_usd": 6.0, "note": "x"}, {"name": "b", "cost_usd": 12.0}]}}
    sampled = {"post_training": {"derivatives": [{"name": "a", "cost_usd": draws, "note": "x"}, {"name": "b", "cost_usd": 2 * draws}]}}
    banded = add_bands(point, sampled)
    first, second = banded["post_training"]["derivatives"]
    assert list(first) == ["name", "cost_usd", "cost_usd_p10", "cost_usd_p90", "note"]
    assert (first["cost_usd_p10"], first["cost_usd_p90"]) == (2.0, 10.0)  # h = 1 and 9, as above
    assert (second["cost_usd_p10"], second["cost_usd_p90"]) == (4.0, 20.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, np.array([1.0, math.nan]), np.array([1.0, -2.0]), np.array([math.inf, 1.0]), np.float64("nan")])
def test_the_plain_walk_finds_every_kind_of_bad_figure(bad):
    assert all_plannable({"a": [{"b": 1.0, "c": 2}], "d": 3.0})
    assert not all_plannable({"a": [{"b": 1.0, "c": bad}], "d": 3.0})


def test_the_first_bad_figure_is_named_nested_entries_first():
    tree = {"post_training": {"cost_usd": math.inf, "derivatives": [{"name": "sft", "cost_usd": 1.0}, {"name": "rl", "cost_usd": math.inf}]}, "total": {"cost_usd": math.inf}}
    with pytest.raises(PlanError) as caught:
        check_plannable(tree)
    assert caught.value.field == "post_training.derivatives[1].cost_usd"


def test_a_saving_may_be_negative_but_no_other_figure_may():
    """A dollar saving of a choice made on FLOP is a difference: negative when it costs more (here the
    lifetime optimum's longer training outweighs its cheaper serving), while a negative cost is refused."""
    check_plannable({"saving_usd": -611.0, "saving_flops": 1.7e22, "chinchilla": {"lifetime_cost_usd": 2.9e5}})
    with pytest.raises(PlanError) as caught:
        check_plannable({"saving_usd": -611.0, "chinchilla": {"lifetime_cost_usd": -1.0}})
    assert caught.value.field == "chinchilla.lifetime_cost_usd"
    with pytest.raises(PlanError):
        check_plannable({"saving_usd": math.nan})


def test_a_shared_array_is_checked_once_and_still_refused_when_bad():
    shared = np.array([1.0, 2.0])
    assert all_plannable({"a": shared, "b": [shared, shared]})
    bad = np.array([1.0, math.nan])
    assert not all_plannable({"a": shared, "b": [shared, bad]})
