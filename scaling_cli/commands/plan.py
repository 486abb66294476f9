"""``scaling plan``: a scenario file (or the built-in default) -> ``Plan``; a portfolio file -> ``PortfolioPlan``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scaling_cli.planner.plan import build_plan
from scaling_cli.result import Plan
from scaling_cli.scenario.loading import load_scenario, validate_document
from scaling_cli.scenario.portfolio import is_portfolio
from scaling_cli.yaml_source import read_yaml_file


def plan_scenario(scenario: str | None, overrides: Sequence[str] = (), *, samples: int, seed: int, fit: str | None = None) -> Any:
    """Load, validate and plan ``scenario`` with ``--set`` overrides; ``fit`` overrides ``pretraining.fit``.
    A portfolio file (``members:``) plans every member, the overrides applied to each."""
    extra = [f"pretraining.fit={fit}"] if fit else []
    if scenario is None or scenario == "-":
        return build_plan(load_scenario(scenario, [*overrides, *extra]), samples=samples, seed=seed)
    document = read_yaml_file(scenario)
    if is_portfolio(document):
        from scaling_cli.commands.portfolio import portfolio_from

        return portfolio_from(document, [*overrides, *extra], samples=samples, seed=seed)
    return build_plan(validate_document(document, [*overrides, *extra]), samples=samples, seed=seed)


def brief(result: Any) -> Any:
    """``--brief``: a plan's headline, or a portfolio's ledger."""
    if isinstance(result, Plan):
        from scaling_cli.render.headline import Headline

        return Headline(result)
    return result.brief()
