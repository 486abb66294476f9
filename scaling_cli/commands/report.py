"""``scaling report``: a scenario (or the built-in default) -> one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from scaling_cli.output import write_output
from scaling_cli.planner.plan import build_plan
from scaling_cli.render.html import plan_html, portfolio_html
from scaling_cli.scenario.portfolio import is_portfolio
from scaling_cli.yaml_source import read_yaml_file
from scaling_cli.scenario.loading import LoadedScenario, apply_overrides, load_scenario


@dataclass(frozen=True)
class Report:
    """What ``report_scenario`` did: the plan's warnings and where the page went."""

    warnings: list[str]
    written: str | None  #: the file written, ``None`` for stdout

    def messages(self) -> list[str]:
        """The lines for stderr: each warning, then ``wrote FILE``."""
        return [*(f"warning: {w}" for w in self.warnings), *([f"wrote {self.written}"] if self.written else [])]


def report_scenario(
    scenario: str | None, overrides: Sequence[str] = (), *, samples: int, seed: int, fit: str | None = None, output: str | None = None, force: bool = False
) -> Report:
    """Plan ``scenario`` as ``scaling plan`` does and write its HTML page to ``output`` (stdout when
    ``None`` or ``-``; an existing file is replaced only with ``force``). A portfolio file's page holds
    its ledger and each member's headline."""
    items = [*overrides, *([f"pretraining.fit={fit}"] if fit else [])]
    if scenario not in (None, "-") and is_portfolio(document := read_yaml_file(scenario)):
        from scaling_cli.commands.portfolio import portfolio_from

        portfolio = portfolio_from(document, items, samples=samples, seed=seed)
        write_output(portfolio_html(portfolio), output, force=force)
        return Report(portfolio.warnings, None if output in (None, "-") else output)
    loaded = load_scenario(scenario, items)
    plan = build_plan(loaded, samples=samples, seed=seed)
    write_output(plan_html(plan, planned_yaml(loaded), items), output, force=force)
    return Report(plan.warnings, None if output in (None, "-") else output)


def planned_yaml(loaded: LoadedScenario) -> str:
    """The scenario as planned: the file's values with the ``--set`` overrides applied, as YAML
    (comments are not kept; the keys keep the file's order)."""
    data = apply_overrides(loaded.document.data, loaded.overrides)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
