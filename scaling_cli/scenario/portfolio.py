"""A portfolio file: several models planned together, sharing hardware prices and one ledger.

    name: llama-3-family
    hardware: {price_per_hour: 2.5}        # shared: fills what a member's own hardware block leaves out
    members:
      - llama-8b.scenario.yaml             # paths relative to this file
      - {scenario: llama-70b.scenario.yaml, name: 70B}

Each member is an ordinary scenario file, validated in its own file (its problems located there);
the portfolio's own keys are validated here, located in the portfolio file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError, model_validator

from scaling_cli.errors import InputError
from scaling_cli.scenario.fields import StrictModel, user_error
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.scenario.loading import LoadedScenario, problems_from_validation, validate_document
from scaling_cli.yaml_source import YamlDocument, read_yaml_file

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: Most members one portfolio plans.
MAX_MEMBERS = 100


class Member(StrictModel):
    scenario: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(description="Scenario file, relative to the portfolio file.")
    name: Name | None = Field(None, description="Shown for the member; default: the scenario's own name.")


class PortfolioSpec(StrictModel):
    """Several scenario files planned together (docs: README, Portfolios)."""

    name: Name = Field(description="Short name shown in every output.")
    description: Annotated[str, StringConstraints(max_length=5000)] | None = Field(None, description="Free text.")
    hardware: HardwareSpec = Field(default_factory=HardwareSpec, description="Shared hardware keys (prices, site); a member's own keys win.")
    members: list[Member | Annotated[str, StringConstraints(min_length=1, max_length=4096)]] = Field(description="Scenario files, one per model.")

    @model_validator(mode="after")
    def _members(self) -> PortfolioSpec:
        if not 1 <= len(self.members) <= MAX_MEMBERS:
            raise user_error("portfolio_members", f"a portfolio has 1 to {MAX_MEMBERS} members, not {len(self.members)}", field="members")
        return self

    @property
    def member_list(self) -> list[Member]:
        return [m if isinstance(m, Member) else Member(scenario=m) for m in self.members]


@dataclass
class LoadedPortfolio:
    spec: PortfolioSpec
    document: YamlDocument
    #: (display name, loaded scenario) per member, in file order
    members: list[tuple[str, LoadedScenario]]

    @property
    def source(self) -> str:
        return self.document.file


def is_portfolio(document: YamlDocument) -> bool:
    """A mapping with ``members`` and no ``model`` is a portfolio file."""
    return isinstance(document.data, dict) and "members" in document.data and "model" not in document.data


def _shared_hardware(document: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """The member's document with the portfolio's hardware keys filled in where it has none."""
    own = document.get("hardware")
    own = dict(own) if isinstance(own, dict) else {}
    return {**document, "hardware": {**shared, **own}}


def load_portfolio(document: YamlDocument, overrides: list[str] | tuple[str, ...] = ()) -> LoadedPortfolio:
    """Validate the portfolio's keys, then every member in its own file (``--set`` applies to each)."""
    try:
        spec = PortfolioSpec.model_validate(document.data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, document, document.data, {})) from None
    base = Path(document.file).parent
    shared = dict(document.data.get("hardware") or {})
    members = []
    seen: set[str] = set()
    for index, member in enumerate(spec.member_list):
        path = Path(member.scenario) if Path(member.scenario).is_absolute() else base / member.scenario
        if not path.is_file():
            raise InputError([document.problem(("members", index), "members", f"no scenario file {str(path)!r} (paths are relative to the portfolio file)")])
        member_document = read_yaml_file(path)
        if isinstance(member_document.data, dict):
            member_document = dataclasses.replace(member_document, data=_shared_hardware(member_document.data, shared))
        loaded = validate_document(member_document, overrides)
        name = member.name or loaded.scenario.name
        if name in seen:
            raise InputError([document.problem(("members",), "members", f"two members are named {name!r}; names identify members in every output: give one a name: key")])
        seen.add(name)
        members.append((name, loaded))
    return LoadedPortfolio(spec, document, members)
