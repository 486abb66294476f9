"""The technique registry: complete, consistent with the specs, the schema and the README, builders
that read plain records, and a technique added by one module alone."""

from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
import textwrap
import types
import typing
from types import SimpleNamespace

import pytest

import scaling_cli.techniques as package
from scaling_cli.scenario.loading import validate_document
from scaling_cli.scenario.schema import scenario_schema
from scaling_cli.techniques import registry
from scaling_cli.techniques.common import ModelSize, Technique
from scaling_cli.techniques.registry import NAMES, TECHNIQUES, build_registry
from scaling_cli.yaml_source import parse_yaml
from tests.conftest import REPO

#: The techniques of issue #4, in the order every list shows them.
EXPECTED = ("full_finetune", "lora", "distillation", "rl", "pruning", "quantization", "synthetic_data", "best_of_n")


class Recorded:
    """A stand-in for ``planner.assumptions.Assumptions``: keeps what a builder lists."""

    def __init__(self) -> None:
        self.items: dict[str, tuple] = {}

    def add(self, key: str, value, unit: str, source: str) -> None:
        self.items[key] = (value, unit, source)


def flops_by_step(steps) -> dict[str, float]:
    return {step.name: step.flops for step in steps}


# --- complete and consistent --------------------------------------------------------------------


def test_registry_holds_every_module_in_order():
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)} - registry.INFRASTRUCTURE
    assert NAMES == EXPECTED
    assert set(NAMES) == modules  # every module is named after its technique
    assert all(isinstance(t, Technique) for t in TECHNIQUES.values())


@pytest.mark.parametrize("name", EXPECTED)
def test_spec_literal_formula_and_module_agree(name):
    technique = TECHNIQUES[name]
    assert technique.name == name
    assert typing.get_args(technique.spec.model_fields["technique"].annotation) == (name,)
    assert technique.spec.__module__ == f"scaling_cli.techniques.{name}"
    assert technique.formula.strip() and "\n" not in technique.formula
    assert list(technique.spec.model_fields)[:3] == ["name", "technique", "count"]
    assert list(technique.spec.model_fields)[-1] == "hardware"  # every group has it (README), last in the schema


def test_schema_union_is_the_registry():
    items = scenario_schema()["properties"]["post_training"]["items"]
    assert list(items["discriminator"]["mapping"]) == sorted(EXPECTED)
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in items["oneOf"]] == [TECHNIQUES[n].spec.__name__ for n in EXPECTED]


def readme_technique_rows() -> list[str]:
    """First cells of the README's post-training technique table."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Post-training: derivative models", 1)[1].split("\n## ", 1)[0]
    table = section.split("| technique | FLOP per derivative |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)


def test_readme_has_one_row_per_technique_in_order():
    assert readme_technique_rows() == list(NAMES)


def test_registry_refuses_a_module_without_technique_and_repeated_names():
    plain = types.ModuleType("scaling_cli.techniques.helper")
    with pytest.raises(TypeError, match="helper: a technique module must export TECHNIQUE"):
        build_registry([plain])
    twin = types.ModuleType("twin")
    twin.TECHNIQUE = TECHNIQUES["lora"]
    with pytest.raises(ValueError, match="share the name lora"):
        build_registry([twin, twin])
    clash = types.ModuleType("clash")
    clash.TECHNIQUE = Technique(name="other", spec=TECHNIQUES["lora"].spec, steps=TECHNIQUES["lora"].steps, formula="x", order=TECHNIQUES["lora"].order)
    with pytest.raises(ValueError, match="share the order 20"):
        build_registry([twin, clash])


# --- builders and warnings on plain records ------------------------------------------------------

MODEL = SimpleNamespace(n_active=7e9, params=7e9, layers=32, d_model=4096)


def test_grpo_builder_defaults_to_64_samples_on_a_plain_record():
    group = SimpleNamespace(
        technique="rl", algorithm="grpo", prompts=None, epochs=None, prompts_per_step=10, steps=5, samples_per_prompt=None,
        prompt_tokens=100, response_tokens=900, reward_model_params=None, verifiable_rewards=True, reference_model=True,
        critic_params=None, updates_per_batch=None,
    )  # fmt: skip
    recorded = Recorded()
    steps = TECHNIQUES["rl"].steps(group, MODEL, "post_training[0]", recorded)
    # 50 prompt visits × 64 samples × 1,000 tokens = 3.2e6 experience tokens.
    assert flops_by_step(steps) == pytest.approx(
        {
            "rollout_generation": 2 * 7e9 * (50 * 100 + 50 * 64 * 900),  # prefill once per prompt + decode
            "reference_forward": 2 * 7e9 * 3.2e6,
            "policy_training": 6 * 7e9 * 3.2e6,
        }
    )
    assert recorded.items["post_training[0].samples_per_prompt"][:2] == (64, "responses")
    assert TECHNIQUES["rl"].generates(group)


def test_ppo_critic_defaults_to_the_reward_model():
    group = SimpleNamespace(
        technique="rl", algorithm="ppo", prompts=1000, epochs=2, prompts_per_step=None, steps=None, samples_per_prompt=None,
        prompt_tokens=200, response_tokens=300, reward_model_params=1e9, verifiable_rewards=False, reference_model=False,
        critic_params=None, updates_per_batch=None,
    )  # fmt: skip
    recorded = Recorded()
    flops = flops_by_step(TECHNIQUES["rl"].steps(group, MODEL, "pt", recorded))
    # 2,000 visits × 1 sample × 500 tokens = 1e6; critic = reward model, 1e9.
    assert flops["critic_forward"] == pytest.approx(2 * 1e9 * 1e6)
    assert flops["critic_training"] == pytest.approx(6 * 1e9 * 1e6)
    assert flops["reward_scoring"] == pytest.approx(2 * 1e9 * 1e6)
    assert "reference_forward" not in flops
    assert recorded.items["pt.critic_params"][:2] == (1e9, "params")


def test_calibration_default_is_128_segments_of_2048_tokens():
    recorded = Recorded()
    group = SimpleNamespace(technique="pruning", target_params=5e9, calibration_tokens=None, retraining_tokens=None)
    (step,) = TECHNIQUES["pruning"].steps(group, MODEL, "pt", recorded)
    assert step.flops == pytest.approx(2 * 7e9 * 262_144)
    assert recorded.items["pt.calibration_tokens"][:2] == (262_144, "tokens")


def test_distillation_teacher_defaults_to_the_model_and_writes_1024_token_samples():
    recorded = Recorded()
    group = SimpleNamespace(
        technique="distillation", teacher_params=None, student_params=1e9, tokens=1e9, epochs=1,
        teacher_generated_tokens=1e9, teacher_labelled_tokens=None, sample_tokens=None,
    )  # fmt: skip
    steps = TECHNIQUES["distillation"].steps(group, MODEL, "pt", recorded)
    assert flops_by_step(steps) == pytest.approx({"teacher_generation": 2 * 7e9 * 1e9, "student_training": 6 * 1e9 * 1e9})
    assert steps[0].requests == pytest.approx(1e9 / 1024)
    assert recorded.items["pt.teacher_params"][:2] == (7e9, "params")
    assert recorded.items["pt.sample_tokens"][:2] == (1024, "tokens")


def test_lora_adds_the_adapters_when_the_architecture_is_known():
    group = SimpleNamespace(technique="lora", tokens=1e9, epochs=1, rank=16)
    flops = flops_by_step(TECHNIQUES["lora"].steps(group, MODEL, "pt", Recorded()))
    # adapters 8 · 16 · 4096 · 32 = 16,777,216 parameters.
    assert flops == pytest.approx({"frozen_base": 4 * 7e9 * 1e9, "adapters": 6 * 16_777_216 * 1e9})
    bare = SimpleNamespace(n_active=7e9, params=7e9, layers=None, d_model=None)
    assert TECHNIQUES["lora"].warnings(group, bare, ModelSize(7e9, 7e9)) == [
        "rank counts only with model.layers and model.d_model; the adapters' own FLOPs (≪1%) are left out"
    ]
    assert TECHNIQUES["lora"].warnings(group, MODEL, ModelSize(7e9, 7e9)) == []


def test_warnings_read_plain_records():
    student = SimpleNamespace(teacher_params=None, student_params=8e9)
    (message,) = TECHNIQUES["distillation"].warnings(student, MODEL, ModelSize(7e9, 7e9))
    assert message.startswith("student_params (8e+09) exceeds the teacher's 7e+09")
    assert TECHNIQUES["pruning"].warnings(SimpleNamespace(target_params=7e9), MODEL, ModelSize(7e9, 7e9))
    assert TECHNIQUES["pruning"].warnings(SimpleNamespace(target_params=6e9), MODEL, ModelSize(7e9, 7e9)) == []
    assert TECHNIQUES["pruning"].warnings(SimpleNamespace(target_params=8e9), MODEL, ModelSize(None, None)) == []


EXAMPLES = {
    "full_finetune": {"tokens": "1B", "epochs": 2},
    "lora": {"tokens": "1B", "rank": 8},
    "distillation": {"student_params": "1B", "tokens": "1B", "teacher_generated_tokens": "1B", "teacher_labelled_tokens": "1B"},
    "rl": {"algorithm": "ppo", "prompts": 100, "prompt_tokens": 10, "response_tokens": 10, "reward_model_params": "1B"},
    "pruning": {"target_params": "5B", "retraining_tokens": "1B"},
    "quantization": {"method": "ptq"},
    "synthetic_data": {"generated_tokens": "1B", "filter_params": "1B"},
    "best_of_n": {"prompts": 10, "n": 4, "prompt_tokens": 10, "response_tokens": 10, "reward_model_params": "1B"},
}


def test_every_technique_has_an_example_here():
    assert set(EXAMPLES) == set(NAMES)


@pytest.mark.parametrize("name", EXPECTED)
def test_builder_gives_the_same_steps_for_the_spec_and_a_plain_copy(name):
    document = {"name": "t", "model": {"params": "7B", "layers": 32, "d_model": 4096}, "post_training": [{"name": "g", "technique": name, **EXAMPLES[name]}]}
    scenario = validate_document(parse_yaml(json.dumps(document), "t.yaml")).scenario
    (group,) = scenario.post_training
    plain_group = SimpleNamespace(**{field: getattr(group, field) for field in type(group).model_fields})
    plain_model = SimpleNamespace(
        n_active=scenario.model.n_active, attention_width=scenario.model.attention_width, **{field: getattr(scenario.model, field) for field in type(scenario.model).model_fields}
    )
    technique = TECHNIQUES[name]
    from_spec = technique.steps(group, scenario.model, "pt", Recorded())
    from_plain = technique.steps(plain_group, plain_model, "pt", Recorded())
    assert from_spec == from_plain and from_spec


# --- one module adds a technique -----------------------------------------------------------------

PLUGIN = '''
"""A test technique: a forward pass over ``tokens`` with the scenario's model."""
from typing import Literal
from pydantic import Field
from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import DerivativeGroup, Technique, hardware_field


class Scoring(DerivativeGroup):
    technique: Literal["scoring"]
    tokens: PositiveQuantity = Field(description="Tokens read.")
    hardware: HardwareSpec | None = hardware_field()


def steps(group, model, scope, assumptions):
    return [formulas.forward_step("scoring", model.n_active, group.tokens)]


TECHNIQUE = Technique(name="scoring", spec=Scoring, steps=steps, formula="2·N·D", order=90)
'''

PROBE = '''
import json, sys
import scaling_cli.techniques as package
package.__path__.append(sys.argv[1])  # the new module sits in the package, no other file changes
from scaling_cli.errors import InputError
from scaling_cli.planner.plan import build_plan
from scaling_cli.scenario.loading import validate_document
from scaling_cli.scenario.schema import scenario_schema
from scaling_cli.yaml_source import parse_yaml

text = "name: p\\nmodel: {params: 7B}\\npost_training:\\n  - {name: s, technique: scoring, count: 3, tokens: 1B}\\n"
(group,) = build_plan(validate_document(parse_yaml(text, "p.yaml")), samples=0).to_dict()["post_training"]["derivatives"]
try:
    validate_document(parse_yaml(text.replace("technique: scoring", "technique: scorin"), "p.yaml"))
except InputError as exc:
    error = str(exc)
mapping = scenario_schema()["properties"]["post_training"]["items"]["discriminator"]["mapping"]
print(json.dumps({"group": group, "error": error, "schema": sorted(mapping)}))
'''


def test_a_new_module_is_a_new_technique(tmp_path):
    (tmp_path / "scoring.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    group = out["group"]
    assert (group["technique"], group["formula"]) == ("scoring", "2·N·D")
    assert group["flops_per_model"] == pytest.approx(2 * 7e9 * 1e9)
    assert group["flops"] == pytest.approx(3 * 2 * 7e9 * 1e9)
    assert "did you mean 'scoring'?" in out["error"] and "best_of_n, scoring" in out["error"]
    assert "scoring" in out["schema"]
