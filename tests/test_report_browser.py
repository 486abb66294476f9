"""``scaling report`` the way a person sees it: the page rendered by headless Chromium.

A screenshot must come out as a real picture, the page's text as the browser builds it must hold
the headline figures of ``plan --format json`` (formatted with ``render.numbers.format_number``,
as in ``tests/test_report.py``), and printing to PDF must give a page per section at least (print
CSS starts each section on a new page). Skipped where no Chromium is installed (Debian's
``chromium`` package; ``.ci/run`` installs it). Chromium runs with networking features off and a
throw-away profile.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.test_report import Page, expected_headline, plan_json

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WINDOW = (1280, 2000)
#: A blank 1280×2000 screenshot compresses to a few KB; a page of tables and charts to far more.
NON_TRIVIAL_PNG = 50_000


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary (apt-get install chromium)")


def run_chromium(binary: str, profile: Path, page: Path, *mode: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars", *mode, page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


def test_chromium_renders_the_report_with_the_plan_figures(cli, tmp_path):
    binary = chromium()
    page = tmp_path / "plan.html"
    result = cli("report", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    expected = expected_headline(plan_json(cli))

    shot = tmp_path / "shot.png"
    run_chromium(binary, tmp_path / "profile", page, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}")
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC) and struct.unpack(">II", data[16:24]) == WINDOW
    assert len(data) > NON_TRIVIAL_PNG

    dom = run_chromium(binary, tmp_path / "profile", page, "--dump-dom").stdout.decode("utf-8")
    rendered = Page(dom)
    shown = rendered.headline()
    assert {key: shown.get(key) for key in expected} == expected
    assert "default-70b-dense" in rendered.text("h1")

    pdf = tmp_path / "plan.pdf"
    run_chromium(binary, tmp_path / "profile", page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    document = pdf.read_bytes()
    assert document.startswith(b"%PDF-")
    pages = max(int(n) for n in re.findall(rb"/Count (\d+)", document))  # the page tree's root counts them all
    assert pages >= len(rendered.tags("section"))
