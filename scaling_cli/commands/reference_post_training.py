"""``scaling reference --post-training``: the planner against published post-training jobs (issue #15).

For every bundled case (``data/post_training_measurements.yaml``: recipe, measured GPU-hours and the
quoted sentence they come from) the equivalent derivative group is planned with defaults only, the
same ``planner.plan.evaluate`` a scenario goes through, and its GPU-hours are set beside the
measured ones: ratio predicted ÷ measured, then median |error| and the worst case, overall and per
technique. The measured figure counts every GPU of the job for its whole wall-clock time, as a bill
would; the planner's is its reserved GPU-hours (productive ÷ goodput).

Two predictions per case: in-sample (the defaults, fitted on every case that is not held out) and
leave-one-out (the constants refitted without the case, ``commands/post_training_fit.py``; a
held-out case is predicted by the defaults, which never saw it). The leave-one-out figures are the
honest ones; the in-sample ones show how well the model can fit at all.
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
from scaling_cli.commands.post_training_fit import FITTED, Refitted, fit, implied_figures
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


def case_groups(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups that plan one case: its ``group``, or its ``groups`` (phases run one after another,
    e.g. an RL run whose context and GPU count change), each named after the case."""
    spec = case["scenario"]
    if "group" in spec:
        return [{"name": case["name"][:200], **spec["group"]}]
    return [{"name": f"{case['name'][:180]} (phase {index + 1})", **group} for index, group in enumerate(spec["groups"])]


def case_scenario(case: dict[str, Any]) -> Scenario:
    """The scenario that plans one case: its model and its group(s), nothing else given."""
    return Scenario.model_validate({"name": "reference", "model": case["scenario"]["model"], "post_training": case_groups(case)})


def plan_case(case: dict[str, Any], assumptions: Assumptions | None = None) -> dict[str, Any]:
    """The planned group of one case (point estimate; defaults only unless ``assumptions`` refit them);
    a case of several phases is their sum: GPU-hours added, steps named by phase, the most GPUs."""
    scenario = case_scenario(case)
    sections = to_plain(evaluate(freeze(scenario, Sampler.point()), Sampler.point(), assumptions or Assumptions()))
    phases = sections["post_training"]["derivatives"]
    if len(phases) == 1:
        return phases[0]
    steps = [{**step, "step": f"phase {index + 1} {step['step']}"} for index, phase in enumerate(phases) for step in phase["steps"]]
    return {
        "name": case["name"],
        "accelerator": phases[0]["accelerator"],
        "gpus": max(phase["gpus"] for phase in phases),
        "gpu_hours": sum(phase["gpu_hours"] for phase in phases),
        "phases": len(phases),
        "steps": steps,
    }


def case_row(case: dict[str, Any], group: dict[str, Any], loo_group: dict[str, Any]) -> dict[str, Any]:
    """Predicted (in-sample and leave-one-out) vs measured GPU-hours of one case, with the planner's steps."""
    measured = float(case["measured"]["gpu_hours"])
    predicted, loo = group["gpu_hours"], loo_group["gpu_hours"]
    return {
        "name": case["name"],
        "technique": technique_label(case),
        "held_out": bool(case.get("held_out")),
        "gpus": group["gpus"],
        "accelerator": group["accelerator"],
        "predicted_gpu_hours": predicted,
        "loo_predicted_gpu_hours": loo,
        "measured_gpu_hours": measured,
        "ratio": predicted / measured,
        "error": predicted / measured - 1,
        "loo_ratio": loo / measured,
        "steps": {step["step"]: step["gpu_hours"] for step in group["steps"]},
        "measured_stages": case["measured"].get("stage_gpu_hours_all_gpus") or {},
        "source": next(iter(case["source"].values())),
    }


def technique_label(case: dict[str, Any]) -> str:
    """``full_finetune``, ``rl/ppo``, ...: the technique, and the algorithm for RL."""
    group = case_groups(case)[0]
    return group["technique"] + (f"/{group['algorithm']}" if "algorithm" in group else "")


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """In-sample (cases fitted on, at the defaults) and leave-one-out (every case, each predicted
    without it) figures of the shared ratio summary (``commands/ratios.py``), cases named by name."""
    fitted = [r for r in rows if not r["held_out"]]
    return {
        "in_sample": ratio_summary(fitted, lambda r: r["name"]),
        "leave_one_out": ratio_summary([{**r, "ratio": r["loo_ratio"]} for r in rows], lambda r: r["name"]),
        "held_out_cases": len(rows) - len(fitted),
    }


@dataclass
class PostTrainingReference:
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    by_technique: dict[str, dict[str, Any]]
    #: the constants fitted on every case not held out (default key -> value), beside the defaults
    fitted: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        constants = {d.key: {"default": d.value, "fitted": self.fitted[d.key], "unit": d.unit} for d in FITTED}
        return {"schema_version": SCHEMA_VERSION, "constants": constants, "summary": self.summary, "by_technique": self.by_technique, "cases": self.rows}

    def tables(self) -> list[Table]:
        rows = [
            [
                r["name"] + (" (held out)" if r["held_out"] else ""),
                r["technique"],
                Num(r["gpus"], "int"),
                Num(r["measured_gpu_hours"]),
                Num(r["predicted_gpu_hours"]),
                Num(r["ratio"]),
                Num(r["loo_predicted_gpu_hours"]),
                Num(r["loo_ratio"]),
            ]
            for r in self.rows
        ]
        groups = [
            [name, Num(g["leave_one_out"]["cases"], "int"), *_summary_cells(g["in_sample"]), *_summary_cells(g["leave_one_out"]), g["leave_one_out"]["worst_case"]]
            for name, g in {"all": self.summary, **self.by_technique}.items()
        ]
        constants = [[d.key, Num(d.value), Num(self.fitted[d.key]), d.unit] for d in FITTED]
        loo = self.summary["leave_one_out"]
        note = (
            f"aim (#15): median |error| ≤ 25% and no case beyond 2x; leave-one-out {loo['cases'] - loo['beyond_2x']} of {loo['cases']} cases within 2x; "
            "in-sample: the defaults, fitted on every case not held out; leave-one-out: each case predicted with the constants refitted without it"
        )
        columns = ["Case", "Technique", "GPUs", "Measured GPU-h", "In-sample GPU-h", "Ratio", "Leave-one-out GPU-h", "LOO ratio"]
        group_columns = ["Technique", "Cases", "Median |error|", "Worst ratio", "LOO median |error|", "LOO worst ratio", "LOO worst case"]
        return [
            Table("Planner vs published post-training jobs (defaults only)", columns, rows, [note], {2, 3, 4, 5, 6, 7}),
            Table("By technique (in-sample, then leave-one-out)", group_columns, groups, [], {1, 2, 3, 4, 5}),
            Table("Fitted post-training constants", ["Default", "Stated", "Fit on the bundled cases", "Unit"], constants, [], {1, 2}),
        ]

    def csv_table(self) -> Table:
        columns = ["name", "technique", "held_out", "gpus", "measured_gpu_hours", "predicted_gpu_hours", "ratio", "loo_predicted_gpu_hours", "loo_ratio"]
        return Table("reference --post-training", columns, [[r[c] for c in columns] for r in self.rows])


def _summary_cells(summary: dict[str, Any]) -> list[Any]:
    return [Num(summary["median_abs_error"], "frac"), Num(summary["worst_ratio"])]


def post_training_reference() -> PostTrainingReference:
    """Every bundled case planned and compared, in-sample and leave-one-out; figures overall and per technique."""
    groups = [plan_case(case) for case in cases()]
    figures = [implied_figures(case, group) for case, group in zip(cases(), groups)]
    rows = []
    for index, (case, group) in enumerate(zip(cases(), groups)):
        if case.get("held_out"):
            loo_group = group
        else:
            loo_group = plan_case(case, Refitted(fit([f for other, f in enumerate(figures) if other != index])))
        rows.append(case_row(case, group, loo_group))
    techniques: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        techniques.setdefault(row["technique"], []).append(row)
    return PostTrainingReference(rows, summarize(rows), {name: summarize(group) for name, group in sorted(techniques.items())}, fit(figures))
