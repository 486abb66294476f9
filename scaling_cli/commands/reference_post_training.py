"""``scaling reference --post-training``: the planner against published post-training jobs (issue #15).

For every bundled case (``data/post_training_measurements.yaml``: recipe, measured GPU-hours and the
quoted sentence they come from) the equivalent derivative group is planned with defaults only, the
same ``planner.plan.evaluate`` a scenario goes through, and its GPU-hours are set beside the
measured ones: ratio predicted ÷ measured, then median |error| and the worst case, overall and per
technique. The measured figure counts every GPU of the job for its whole wall-clock time, as a bill
would; the planner's is its reserved GPU-hours (productive ÷ goodput).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.plan import evaluate, to_plain
from scaling_cli.render.model import Num, Table
from scaling_cli.commands.ratios import ratio_summary
from scaling_cli.result import SCHEMA_VERSION
from scaling_cli.scenario.inputs import freeze
from scaling_cli.scenario.root import Scenario

#: The bundled case set.
CASES_FILE = "post_training_measurements.yaml"


@lru_cache(maxsize=1)
def cases() -> tuple[dict[str, Any], ...]:
    """The bundled published post-training jobs, each with its ``scenario`` (model and one group)."""
    text = resources.files("scaling_cli.data").joinpath(CASES_FILE).read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["cases"])


def case_scenario(case: dict[str, Any]) -> Scenario:
    """The scenario that plans one case: its model and its group, nothing else given."""
    spec = case["scenario"]
    group = {"name": case["name"][:200], **spec["group"]}
    return Scenario.model_validate({"name": "reference", "model": spec["model"], "post_training": [group]})


def plan_case(case: dict[str, Any]) -> dict[str, Any]:
    """The planned group of one case (point estimate, defaults only)."""
    scenario = case_scenario(case)
    sections = to_plain(evaluate(freeze(scenario, Sampler.point()), Sampler.point(), Assumptions()))
    return sections["post_training"]["derivatives"][0]


def case_row(case: dict[str, Any]) -> dict[str, Any]:
    """Predicted vs measured GPU-hours of one case, with the planner's steps."""
    group = plan_case(case)
    measured = float(case["measured"]["gpu_hours"])
    predicted = group["gpu_hours"]
    return {
        "name": case["name"],
        "technique": technique_label(case),
        "gpus": group["gpus"],
        "accelerator": group["accelerator"],
        "predicted_gpu_hours": predicted,
        "measured_gpu_hours": measured,
        "ratio": predicted / measured,
        "error": predicted / measured - 1,
        "steps": {step["step"]: step["gpu_hours"] for step in group["steps"]},
        "measured_stages": case["measured"].get("stage_gpu_hours_all_gpus") or {},
        "source": next(iter(case["source"].values())),
    }


def technique_label(case: dict[str, Any]) -> str:
    """``full_finetune``, ``rl/ppo``, ...: the technique, and the algorithm for RL."""
    group = case["scenario"]["group"]
    return group["technique"] + (f"/{group['algorithm']}" if "algorithm" in group else "")


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The shared ratio summary (``commands/ratios.py``), each case named by its name."""
    return ratio_summary(rows, lambda r: r["name"])


@dataclass
class PostTrainingReference:
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    by_technique: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "summary": self.summary, "by_technique": self.by_technique, "cases": self.rows}

    def tables(self) -> list[Table]:
        rows = [
            [r["name"], r["technique"], Num(r["gpus"], "int"), Num(r["predicted_gpu_hours"]), Num(r["measured_gpu_hours"]), Num(r["ratio"])]
            for r in self.rows
        ]
        groups = [
            [name, Num(g["cases"], "int"), Num(g["median_abs_error"], "frac"), Num(g["median_ratio"]), g["worst_case"], Num(g["worst_ratio"])]
            for name, g in {"all": self.summary, **self.by_technique}.items()
        ]
        s = self.summary
        note = f"aim (#15): median |error| ≤ 25% and no case beyond 2x; {s['cases'] - s['beyond_2x']} of {s['cases']} cases within 2x"
        return [
            Table("Planner vs published post-training jobs (defaults only)", ["Case", "Technique", "GPUs", "Predicted GPU-h", "Measured GPU-h", "Ratio"], rows, [note], {2, 3, 4, 5}),
            Table("By technique", ["Technique", "Cases", "Median |error|", "Median ratio", "Worst case", "Worst ratio"], groups, [], {1, 2, 3, 5}),
        ]

    def csv_table(self) -> Table:
        columns = ["name", "technique", "gpus", "predicted_gpu_hours", "measured_gpu_hours", "ratio"]
        return Table("reference --post-training", columns, [[r[c] for c in columns] for r in self.rows])


def post_training_reference() -> PostTrainingReference:
    """Every bundled case planned and compared; figures overall and per technique."""
    rows = [case_row(case) for case in cases()]
    techniques: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        techniques.setdefault(row["technique"], []).append(row)
    return PostTrainingReference(rows, summarize(rows), {name: summarize(group) for name, group in sorted(techniques.items())})
