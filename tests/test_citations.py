"""Every citation a user can follow: a document cited as ``FILE.md §N`` is in the repository and has
that section; nothing points at files outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaling_cli.cli import app
from tests.conftest import CONFIGS, REPO

#: ``docs/DOMAIN.md §2``, ``docs/PEER_TOOLS.md §2.2, §2.8`` (each § after the file counts).
CITATION = re.compile(r"([\w./-]+\.md)((?:[ ,;]*(?:and )?§ ?\d+(?:\.\d+)*)+)")
SECTION = re.compile(r"§ ?(\d+(?:\.\d+)*)")
#: Names of the material behind the docs that is not in the repository.
OUTSIDE = ("shared/", "research/", "scaling_laws_and_claims", "cli_conventions.md", "references.md")


def _texts() -> list[tuple[str, str]]:
    paths = [*(REPO / "scaling_cli").rglob("*.py"), *(REPO / "scaling_cli").rglob("*.yaml"), REPO / "README.md", *CONFIGS, *(REPO / "benchmarks").glob("*.py")]
    return [(str(p.relative_to(REPO)), p.read_text(encoding="utf-8")) for p in paths]


def _plan_sources() -> str:
    result = CliRunner().invoke(app, ["plan", "-f", "json", "--samples", "0"])
    assert result.exit_code == 0
    return result.stdout


def _sections(document: Path) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^#+ (\d+(?:\.\d+)*)[. ]", document.read_text(encoding="utf-8"), re.MULTILINE)}


@pytest.mark.parametrize("name,text", [*_texts(), ("plan --format json", _plan_sources())])
def test_cited_documents_and_sections_exist(name, text):
    for match in CITATION.finditer(text):
        cited = match.group(1)
        document = REPO / cited
        assert document.is_file(), f"{name} cites {cited}, which is not in the repository"
        sections = _sections(document)
        for number in SECTION.findall(match.group(2)):
            assert number in sections, f"{name} cites {cited} §{number}, which it does not have"


@pytest.mark.parametrize("name,text", _texts())
def test_nothing_cites_material_outside_the_repository(name, text):
    for outside in OUTSIDE:
        assert outside not in text, f"{name} mentions {outside}"


def test_the_citation_pattern_finds_what_it_should():
    found = [(m.group(1), SECTION.findall(m.group(2))) for m in CITATION.finditer("see docs/PEER_TOOLS.md §2.2, §2.8 and docs/DOMAIN.md §3")]
    assert found == [("docs/PEER_TOOLS.md", ["2.2", "2.8"]), ("docs/DOMAIN.md", ["3"])]
