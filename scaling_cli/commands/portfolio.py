"""``scaling plan PORTFOLIO``: several models planned with one ledger (``scenario/portfolio.py``).

Each member is planned exactly as ``scaling plan`` plans its file (with the portfolio's shared
hardware keys filled in); the ledger adds up FLOP, GPU-hours, cost and energy per member and phase
and in total. Totals are sums of point estimates: a sum of P10s is not the P10 of a sum, so each
member's bands stay in its own plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaling_cli.metrics import PHASES
from scaling_cli.planner.plan import build_plan
from scaling_cli.render.headline import headline_tables
from scaling_cli.render.model import Num, Table
from scaling_cli.result import SCHEMA_VERSION, Plan
from scaling_cli.scenario.portfolio import LoadedPortfolio, load_portfolio
from scaling_cli.yaml_source import YamlDocument

#: The ledger's figures: (key, column title, number style).
FIGURES = (("flops", "FLOP", "sci"), ("gpu_hours", "GPU-hours", "si"), ("cost_usd", "Cost", "usd"), ("energy_mwh", "Energy (MWh)", "frac"))
PHASE_TITLES = {"pretraining": "pretraining", "post_training": "post-training", "test_time": "test-time", "total": "all phases"}


def _sum(values: list[Any]) -> Any:
    """Sum, or ``None`` when any part lacks the figure (a phase without a price has no cost)."""
    return None if any(v is None for v in values) else sum(values)


def _figures(section: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if not section else {key: section.get(key) for key, _, _ in FIGURES}


@dataclass
class PortfolioPlan:
    name: str
    description: str | None
    source: str
    members: list[tuple[str, Plan]]

    @property
    def warnings(self) -> list[str]:
        return [f"{name}: {warning}" for name, plan in self.members for warning in plan.warnings]

    def ledger(self) -> dict[str, Any]:
        """Per member: each phase's figures and its total; then the portfolio per phase and in all,
        and each member's share of the portfolio's cost (``null`` when a cost is unknown)."""
        members = [{"name": name, **{phase: _figures(plan.sections.get(phase)) for phase in (*PHASES, "total")}} for name, plan in self.members]
        total: dict[str, Any] = {}
        for phase in (*PHASES, "total"):
            present = [m[phase] for m in members if m[phase] is not None]
            total[phase] = None if not present else {key: _sum([p[key] for p in present]) for key, _, _ in FIGURES}
        cost = total["total"]["cost_usd"] if total["total"] else None
        for member in members:
            own = member["total"]["cost_usd"] if member["total"] else None
            member["cost_share"] = None if own is None or not cost else own / cost
        return {"members": members, "total": total}

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "portfolio": {"name": self.name, "description": self.description, "source": self.source},
            "warnings": self.warnings,
            "ledger": self.ledger(),
            "members": [{"name": name, "source": plan.source, "plan": plan.to_dict()} for name, plan in self.members],
        }

    def _ledger_table(self) -> Table:
        ledger = self.ledger()
        rows = []
        for name, entry in [*((m["name"], m) for m in ledger["members"]), (f"{self.name} (portfolio)", ledger["total"])]:
            for phase in (*PHASES, "total"):
                figures = entry[phase]
                if figures is not None:
                    rows.append([name, PHASE_TITLES[phase], *(Num(figures[key], style) if figures[key] is not None else "-" for key, _, style in FIGURES)])
        columns = ["Member", "Phase", *(title for _, title, _ in FIGURES)]
        return Table(title=f"Portfolio {self.name}: one ledger for {len(self.members)} models (point estimates)", columns=columns, rows=rows, numeric={2, 3, 4, 5})

    def tables(self) -> list[Any]:
        """The ledger, then each member's headline (its full plan: ``scaling plan MEMBER``)."""
        tables: list[Any] = [self._ledger_table()]
        for name, plan in self.members:
            for table in headline_tables(plan):
                shown = table.title if table.title.startswith(name) else f"{name}: {table.title}"
                tables.append(dataclasses.replace(table, title=shown) if isinstance(table, Table) else table)
        return tables

    def csv_table(self) -> Table:
        return self._ledger_table()

    def brief(self) -> PortfolioBrief:
        return PortfolioBrief(self)

    def long_figures(self) -> tuple[dict[str, Any], str]:
        """``csv-long``: the ledger's figures, one row each (members by name)."""
        return {"portfolio": self.ledger()}, ""


@dataclass
class PortfolioBrief:
    """``--brief``: the ledger alone (JSON and CSV stay whole, as for a plan)."""

    portfolio: PortfolioPlan

    def tables(self) -> list[Any]:
        return [self.portfolio._ledger_table()]

    def csv_table(self) -> Table:
        return self.portfolio.csv_table()

    def to_dict(self) -> dict[str, Any]:
        return self.portfolio.to_dict()

    def long_figures(self) -> tuple[dict[str, Any], str]:
        return self.portfolio.long_figures()


def plan_portfolio(loaded: LoadedPortfolio, *, samples: int, seed: int) -> PortfolioPlan:
    members = [(name, build_plan(scenario, samples=samples, seed=seed)) for name, scenario in loaded.members]
    return PortfolioPlan(loaded.spec.name, loaded.spec.description, loaded.source, members)


def portfolio_from(document: YamlDocument, overrides: Sequence[str], *, samples: int, seed: int) -> PortfolioPlan:
    """A portfolio document planned with ``--set`` overrides applied to every member."""
    return plan_portfolio(load_portfolio(document, list(overrides)), samples=samples, seed=seed)
