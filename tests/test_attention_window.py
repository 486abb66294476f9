"""Sliding-window attention (engine/attention_window.py): positions, KV cache and the plan, by hand."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaling_cli.engine import serving
from scaling_cli.engine.attention_window import AttentionWindow, equivalent_context, equivalent_positions, windowed_positions
from scaling_cli.engine.test_time import ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION, attended_positions, forward_flops
from scaling_cli.scenario.hf_config import read_hf_config
from tests.conftest import REPO, assert_one_located_line

FIXTURES = REPO / "tests" / "fixtures" / "hf_configs"


@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(1, 4000))
def test_windowed_positions_is_the_sum_it_closes(start, count, window):
    assert windowed_positions(float(start), float(count), float(window)) == sum(min(p, window) for p in range(start + 1, start + count + 1))


def test_windowed_positions_by_hand():
    # 10 tokens from the start, window 4: 1 + 2 + 3 + 4 + 6 × 4 = 34
    assert windowed_positions(0.0, 10.0, 4.0) == 34
    # 3 tokens after 5, all past the window: 3 × 4
    assert windowed_positions(5.0, 3.0, 4.0) == 12
    # a window longer than the sequence changes nothing: 1 + ... + 10 = 55
    assert windowed_positions(0.0, 10.0, 100.0) == attended_positions(0.0, 10.0) == 55


def test_half_the_layers_windowed_averages_the_two_sums():
    window = AttentionWindow(tokens=4.0, layers=1.0)
    # 2 layers: one attends 55 positions over the 10 tokens, the windowed one 34 -> 44.5 per layer
    assert equivalent_positions(2.0, window, 55.0, 0.0, 10.0) == pytest.approx(44.5)
    width, active = 64.0, 1e6
    expected = 2 * active * 10 + ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION * 2 * width * 44.5
    assert forward_flops(active, 2.0, width, 0.0, 10.0, window) == pytest.approx(expected)
    assert equivalent_positions(2.0, None, 55.0, 0.0, 10.0) == 55.0


def test_gpt_oss_kv_cache_by_hand():
    # gpt-oss-120b (config.json): 36 layers, 8 KV heads of 64, bf16 cache; 18 layers banded at 128.
    arch = serving.Architecture(layers=36, attention_width=64 * 64, kv_heads=8, head_dim=64, window=AttentionWindow(128.0, 18.0))
    model = serving.ServedModel(117e9, 5.1e9, arch, weight_bytes_per_param=1.0, kv_bytes_per_element=2.0)
    per_layer_token = 2 * 8 * 64 * 2  # K and V, 8 heads × 64, 2 bytes = 2,048 bytes
    assert model.kv_bytes_per_token == 36 * per_layer_token
    # 1,500 tokens: 18 full layers hold 1,500, 18 banded layers hold 128
    assert model.kv_bytes(1500.0) == per_layer_token * (18 * 1500 + 18 * 128) == 60_014_592
    # below the window every layer holds everything
    assert model.kv_bytes(100.0) == model.kv_bytes_per_token * 100
    assert equivalent_context(36.0, None, 1500.0) == 1500.0


def _scenario(tmp_path, window: str) -> str:
    # Mistral 7B v0.1 (arXiv 2310.06825 Table 1): 32 layers, d_model 4096, 32 heads, 8 KV heads, window 4096
    path = tmp_path / "s.scenario.yaml"
    path.write_text(
        "name: t\nmodel:\n  params: 7.24B\n  layers: 32\n  d_model: 4096\n  heads: 32\n  kv_heads: 8\n  ffn_dim: 14336\n  vocab: 32000\n"
        f"{window}hardware:\n  accelerator: h100\n  precision: bf16\n"
        "test_time:\n  - {name: long, queries_per_day: 1000, prompt_tokens: 30000, output_tokens: 99, max_running_sequences: 100000}\n",
        encoding="utf-8",
    )
    return str(path)


def _workload(cli, path: str) -> dict:
    result = cli("plan", path, "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    return result.json()["test_time"]["workloads"][0]


def test_a_window_on_every_layer_multiplies_the_batch_that_fits(cli, tmp_path):
    full = _workload(cli, _scenario(tmp_path, ""))
    windowed = _workload(cli, _scenario(tmp_path, "  attention_window: 4096\n"))
    # resident context 30,000 + (99 + 1) / 2 = 30,050 tokens; the window keeps 4,096 of them
    assert windowed["max_batch_in_memory"] / full["max_batch_in_memory"] == pytest.approx(30_050 / 4096, rel=0.02)
    # the prompt's attention: 32 layers × 4 × 4096 × Σ min(p, 4096) instead of Σ p
    saved = ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION * 32 * 4096 * (attended_positions(0.0, 30000.0) - windowed_positions(0.0, 30000.0, 4096.0))
    assert full["flops_per_query"] - windowed["flops_per_query"] == pytest.approx(saved + _decode_saved(), rel=1e-6)


def _decode_saved() -> float:
    full = attended_positions(30000.0, 99.0)
    return ATTENTION_FLOP_PER_LAYER_WIDTH_POSITION * 32 * 4096 * (full - windowed_positions(30000.0, 99.0, 4096.0))


@pytest.mark.parametrize(
    "keys, fragment, line",
    [
        ("  windowed_layers: 4\n", "windowed_layers needs attention_window", 10),
        ("  attention_window: 4096\n  windowed_layers: 40\n", "windowed_layers (40) exceeds layers (32)", 11),
    ],
)
def test_window_keys_are_checked_where_they_stand(cli, tmp_path, keys, fragment, line):
    path = _scenario(tmp_path, keys)
    # the value of windowed_layers starts at column 20
    assert_one_located_line(cli("plan", path), path, line, 20, fragment, "model.windowed_layers: ")


@pytest.mark.parametrize(
    "name, window, windowed",
    [
        # Gemma 2 9B: 42 layers, local and global alternating from the first, 4,096-token window
        ("gemma-2-9b", 4096, 21),
        # Gemma 3 27B: 62 layers, five local (1,024) to each global (arXiv 2503.19786 §2): 62 − 10
        ("gemma-3-27b", 1024, 52),
        # Mistral 7B v0.1: every layer at 4,096 (windowed_layers left to its default, all)
        ("mistral-7b-v0.1", 4096, None),
        # Mixtral's sliding_window is null; Qwen2.5's applies only with use_sliding_window (false)
        ("mixtral-8x7b", None, None),
        ("qwen2.5-7b", None, None),
    ],
)
def test_config_json_windows(name, window, windowed):
    fields = read_hf_config(str(FIXTURES / f"{name}.json")).fields
    assert fields.get("attention_window") == window
    assert fields.get("windowed_layers") == windowed


def test_layer_types_count_the_windowed_layers(tmp_path):
    # gpt-oss's config.json lists each layer's kind: 36 layers alternating, 128-token window
    kinds = ["sliding_attention", "full_attention"] * 18
    config = {"model_type": "gpt_oss", "num_hidden_layers": 36, "hidden_size": 2880, "num_attention_heads": 64, "sliding_window": 128, "layer_types": kinds}
    (tmp_path / "c.json").write_text(json.dumps(config), encoding="utf-8")
    fields = read_hf_config("c.json", str(tmp_path)).fields
    assert (fields["attention_window"], fields["windowed_layers"]) == (128, 18)


@pytest.mark.parametrize(
    "keys, positions",
    [
        # every layer windowed at 4,096 of an 8,192-token sequence: 32 layers x 4,096 positions per token
        ("  attention_window: 4096\n", 32 * 4096),
        # half of them: 16 layers x 8,192 + 16 x 4,096
        ("  attention_window: 4096\n  windowed_layers: 16\n", 16 * 8192 + 16 * 4096),
        # no window: 32 x 8,192 (PaLM's 12·L·(H·Q)·T)
        ("", 32 * 8192),
    ],
)
def test_training_attention_counts_a_windowed_layer_at_its_window(cli, tmp_path, keys, positions):
    path = tmp_path / "p.scenario.yaml"
    path.write_text(
        "name: t\nmodel:\n  params: 7.24B\n  layers: 32\n  d_model: 4096\n  heads: 32\n  kv_heads: 8\n  ffn_dim: 14336\n  vocab: 32000\n"
        f"{keys}pretraining:\n  tokens: 1T\n  seq_len: 8192\n",
        encoding="utf-8",
    )
    result = cli("plan", str(path), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    # 12 FLOP per layer, width and position (forward + backward of QK^T and AV), width H·Q = 4,096, 1e12 tokens
    assert result.json()["pretraining"]["attention_flops"] == pytest.approx(12 * 4096 * positions * 1e12)


def test_fine_tuning_reads_the_window_from_any_model_record():
    from types import SimpleNamespace

    from scaling_cli.techniques.common import model_attention_layers

    windowed = SimpleNamespace(layers=32, attention_window=4096, windowed_layers=None)
    # every layer at 4,096 of 8,192 positions: half a layer each; a 2,048-token sequence fits the window
    assert model_attention_layers(windowed, 8192) == 16
    assert model_attention_layers(windowed, 2048) == 32
    assert model_attention_layers(SimpleNamespace(layers=32), 8192) == 32
