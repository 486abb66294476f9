"""Legal but suspicious plans: a warning on stderr and in JSON `warnings`, and still a plan."""

from __future__ import annotations

import pytest

BASE = "name: w\nhardware: {accelerator: h100, count: %s%s}\nmodel: {params: %s}\npretraining: {tokens: %s}\n"


@pytest.mark.parametrize(
    "count, extra, params, tokens, fragment",
    [
        (64, "", "70B", "10B", "tokens per active parameter is below 1"),
        (64, "", "1B", "20T", "beyond the 10,000 studied by Sardana"),
        (64, ", mfu: 0.8", "7B", "1T", "MFU 0.80 is above any published training run"),
        (8, "", "70B", "1T", "needs at least 14 GPUs fully sharded, but the plan has 8"),  # 16 × 70e9 / 80e9 = 14
    ],
)
def test_suspicious_plans_warn(cli, scenario_file, count, extra, params, tokens, fragment):
    result = cli("plan", scenario_file(BASE % (count, extra, params, tokens)), "-f", "json")
    assert result.exit_code == 0
    assert "warning: pretraining: " in result.stderr and fragment in result.stderr
    assert any(fragment in w for w in result.json()["warnings"])


def test_ordinary_plan_has_no_warnings(cli, scenario_file):
    result = cli("plan", scenario_file(BASE % (256, "", "7B", "1T")), "-f", "json")
    assert result.stderr == "" and result.json()["warnings"] == []
