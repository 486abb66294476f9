"""Scenario -> frozen inputs: immutable, honest about what the user gave, never mutating the model."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.hardware import merge_hardware
from scaling_cli.planner.plan import build_plan
from scaling_cli.scenario.inputs import freeze
from scaling_cli.scenario.loading import load_scenario

SCENARIO = """\
name: t
hardware: {accelerator: h100, pue: 1.1, mfu: 0.4}
model: {params: 70B, active_params: {low: 10B, high: 30B}}
pretraining: {tokens: 1T}
post_training:
  - {name: sft, technique: full_finetune, tokens: 1B, hardware: {accelerator: a100, count: 8}}
"""


@pytest.fixture
def loaded(scenario_file):
    return load_scenario(scenario_file(SCENARIO))


def test_inputs_are_frozen_and_record_what_the_file_gave(loaded):
    inputs = freeze(loaded.scenario, Sampler.point())
    assert inputs.hardware.given == {"accelerator", "pue", "mfu"}
    with pytest.raises(AttributeError):
        inputs.hardware.pue = 1.5  # type: ignore[misc]
    # a range's point value is its midpoint, (10B + 30B) / 2; properties read through to the scenario class
    assert inputs.model.active_params == 20e9
    assert inputs.model.n_active == 20e9


def test_monte_carlo_inputs_hold_samples_and_the_point_inputs_do_not(loaded):
    sampled = freeze(loaded.scenario, Sampler(1000, 7)).model.active_params
    assert isinstance(sampled, np.ndarray) and sampled.shape == (1000,)
    assert 10e9 <= sampled.min() and sampled.max() <= 30e9


def test_replace_copies_and_replace_path_marks_the_value_given(loaded):
    inputs = freeze(loaded.scenario, Sampler.point())
    changed = inputs.replace_path(("hardware", "goodput"), 0.8)
    assert changed.hardware.goodput == 0.8 and "goodput" in changed.hardware.given
    assert inputs.hardware.goodput is None and "goodput" not in inputs.hardware.given
    assert changed.replace_path(("post_training", 0, "tokens"), 2e9).post_training[0].tokens == 2e9
    with pytest.raises(KeyError):
        inputs.replace_path(("hardware", "no_such_field"), 1.0)
    with pytest.raises(KeyError):
        inputs.replace_path(("post_training", 5, "tokens"), 1.0)


def test_a_group_on_other_accelerators_keeps_the_site_but_not_the_mfu(loaded):
    inputs = freeze(loaded.scenario, Sampler.point())
    merged = merge_hardware(inputs.hardware, inputs.post_training[0].hardware)
    assert merged.accelerator == inputs.post_training[0].hardware.accelerator != inputs.hardware.accelerator
    assert merged.count == 8
    assert merged.pue == 1.1  # site: inherited
    assert merged.mfu is None  # accelerator-specific: not inherited by another accelerator
    assert merged.given == {"accelerator", "count", "pue"}


def test_planning_leaves_the_validated_scenario_untouched(loaded):
    before = (loaded.scenario.model_dump(warnings=False), {name: set(getattr(loaded.scenario, name).model_fields_set) for name in ("hardware", "model", "pretraining")})
    build_plan(loaded, samples=200)
    after = (loaded.scenario.model_dump(warnings=False), {name: set(getattr(loaded.scenario, name).model_fields_set) for name in ("hardware", "model", "pretraining")})
    assert before == after
