"""``model: {config: config.json}``: architectures read from Hugging Face configs, parameters counted
from them against published totals, located errors for bad files, and the params-vs-architecture warning."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scaling_cli.scenario.hf_config import ConfigError, read_hf_config
from tests.conftest import REPO, assert_one_located_line, run_subprocess

FIXTURES = REPO / "tests" / "fixtures" / "hf_configs"

#: (fixture, published total, published active or None, relative tolerance, where the figure is published)
PUBLISHED = [
    ("llama-3.1-8b.json", 8.03e9, None, 0.005, "meta-llama/Llama-3.1-8B model page: 8.03B params"),
    ("llama-3.1-70b.json", 70.6e9, None, 0.005, "meta-llama/Llama-3.1-70B model page: 70.6B params"),
    ("mistral-7b-v0.1.json", 7.24e9, None, 0.005, "mistralai/Mistral-7B-v0.1 model page: 7.24B params"),
    ("mixtral-8x7b.json", 46.7e9, 12.9e9, 0.01, "Mistral AI, 'Mixtral of experts' (2023): 46.7B total, 12.9B per token"),
    ("qwen2.5-7b.json", 7.61e9, None, 0.005, "Qwen/Qwen2.5-7B model card: 7.61B parameters"),
    ("qwen3-30b-a3b.json", 30.5e9, 3.3e9, 0.02, "Qwen/Qwen3-30B-A3B model card: 30.5B in total, 3.3B activated"),
    ("gemma-2-9b.json", 9.24e9, None, 0.005, "google/gemma-2-9b model page: 9.24B params"),
    ("deepseek-v3.json", 671e9, 37e9, 0.02, "DeepSeek-V3 technical report (arXiv 2412.19437): 671B total, 37B activated per token"),
]


def _plan(cli, path: str, *extra: str) -> dict:
    result = cli("plan", path, "-f", "json", "--samples", "0", *extra)
    assert result.exit_code == 0, result.stderr
    return result.json()


def _scenario(tmp_path: Path, config: str, body: str = "") -> str:
    """A scenario in its own directory whose model reads ``config`` (copied next to it, under models/)."""
    directory = tmp_path / "project"
    (directory / "models").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / config, directory / "models" / config)
    path = directory / "s.scenario.yaml"
    path.write_text(f"name: t\nmodel:\n  config: models/{config}\n" + body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fixture, total, active, tolerance, source", PUBLISHED, ids=[row[0] for row in PUBLISHED])
def test_parameters_counted_from_the_config_match_the_published_totals(cli, tmp_path, fixture, total, active, tolerance, source):
    model = _plan(cli, _scenario(tmp_path, fixture))["model"]
    assert model["params"] == pytest.approx(total, rel=tolerance), source
    assert model["active_params"] == pytest.approx(active or total, rel=tolerance), source
    assert model["params_source"].startswith("counted from the architecture (config.json models/")


def test_llama_8b_count_by_part_by_hand(cli, tmp_path):
    # embeddings 2 × 128256 × 4096; attention 32 layers × 4096 × 128 × (2·32 Q/O heads + 2·8 KV heads);
    # SwiGLU feed-forward 32 × 3 × 4096 × 14336
    model = _plan(cli, _scenario(tmp_path, "llama-3.1-8b.json"))["model"]
    assert model["embedding_params"] == 2 * 128256 * 4096 == 1_050_673_152
    assert model["attention_params"] == 32 * 4096 * 128 * (2 * 32 + 2 * 8) == 1_342_177_280
    assert model["ffn_params"] == 32 * 3 * 4096 * 14336 == 5_637_144_576
    assert model["params"] == 8_029_995_008


def test_deepseek_latent_attention_and_experts_by_hand(cli, tmp_path):
    path = _scenario(tmp_path, "deepseek-v3.json", "pretraining:\n  tokens: 14.8T\n")
    model = _plan(cli, path)["model"]
    # per layer: Q 7168·1536 + 1536·128·(128+64); KV 7168·(512+64) + 512·128·(128+128); out 128·128·7168
    per_layer = 7168 * 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 * 128 * 256 + 128 * 128 * 7168
    assert per_layer == 187_105_280
    assert model["attention_params"] == 61 * per_layer
    # 3 dense layers of 3·7168·18432; 58 MoE layers of (256 routed + 1 shared) × 3·7168·2048 + a 7168×256 router
    expert = 3 * 7168 * 2048
    assert model["ffn_params"] == 3 * 3 * 7168 * 18432 + 58 * (257 * expert + 7168 * 256)
    assert model["active_params"] - model["params"] == pytest.approx(58 * (9 - 257) * expert)


def test_config_fills_the_architecture_the_planner_uses(cli, tmp_path):
    path = _scenario(tmp_path, "deepseek-v3.json", textwrap.dedent("""\
        pretraining:
          tokens: 1T
          seq_len: 4096
        test_time:
          - name: chat
            queries_per_day: 1M
            prompt_tokens: 1000
            output_tokens: 500
        """))
    plan = _plan(cli, path)
    # PaLM's 12·L·H·Q·T·D with Q the query/key head dimension 128 + 64 of latent attention
    assert plan["pretraining"]["attention_flops"] == pytest.approx(12 * 61 * 128 * 192 * 4096 * 1e12)
    # one 512 latent + 64 RoPE key per token and layer, 2 bytes each (bf16)
    assert plan["test_time"]["workloads"][0]["kv_cache_bytes_per_token"] == 61 * (512 + 64) * 2


def test_keys_in_the_scenario_override_the_config(cli, tmp_path):
    plan = _plan(cli, _scenario(tmp_path, "llama-3.1-8b.json", "  layers: 16\n"))
    # half the layers: 8,029,995,008 − 16 × (41,943,040 attention + 176,160,768 feed-forward)
    assert plan["model"]["params"] == 8_029_995_008 - 16 * 218_103_808


def test_gemma3_is_read_from_its_text_config_with_the_family_defaults(cli, tmp_path):
    model = _plan(cli, _scenario(tmp_path, "gemma-3-27b.json"))["model"]
    # Gemma 3 Technical Report (arXiv 2503.19786) Table 1, 27B: 25,600M non-embedding parameters
    assert model["attention_params"] + model["ffn_params"] == pytest.approx(25_600e6, rel=0.001)
    # vocab_size is left to Gemma3TextConfig's default 262,208; embeddings tied (one matrix)
    assert model["embedding_params"] == 262_208 * 5376
    assert "vision encoder is not counted" in model["params_source"]
    assert "vocab_size 262208" in model["params_source"]


def test_relative_to_the_scenario_file_from_any_working_directory(tmp_path):
    path = _scenario(tmp_path, "mixtral-8x7b.json")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_subprocess("plan", path, "-f", "json", "--samples", "0", cwd=str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["config"] == "models/mixtral-8x7b.json"


def test_stdin_scenarios_resolve_the_config_from_the_working_directory():
    scenario = "name: t\nmodel:\n  config: qwen2.5-7b.json\n"
    result = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", "-", "-f", "json", "--samples", "0"], input=scenario, capture_output=True, text=True, cwd=FIXTURES, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["params"] == pytest.approx(7.61e9, rel=0.005)


def test_the_example_reads_its_config(cli):
    plan = _plan(cli, str(REPO / "configs" / "llama-3.1-8b.scenario.yaml"))
    assert plan["model"]["params"] == 8_029_995_008
    assert plan["pretraining"]["flops_6nd"] == pytest.approx(6 * 8_029_995_008 * 15e12)


BAD = {
    "missing": (None, "no such file"),
    "not-json": ("{\"hidden_size\": 4096,", "not JSON"),
    "not-an-object": ("[4096]", "JSON object"),
    "unknown-family": (json.dumps({"model_type": "bert-like", "hidden_act": "gelu"}), "none of the keys"),
    "negative": (json.dumps({"model_type": "llama", "num_hidden_layers": -2, "hidden_size": 4096}), "num_hidden_layers must be a positive whole number"),
    "zero-width": (json.dumps({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 0}), "hidden_size must be a positive whole number"),
    "fraction": (json.dumps({"model_type": "llama", "num_hidden_layers": 2.5}), "num_hidden_layers must be a positive whole number"),
    "text-config-not-object": (json.dumps({"model_type": "gemma3", "text_config": 3}), "text_config"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_config_is_one_located_error_on_the_config_key(cli, tmp_path, case):
    text, fragment = BAD[case]
    if text is not None:
        (tmp_path / "c.json").write_text(text, encoding="utf-8")
    path = tmp_path / "s.scenario.yaml"
    path.write_text("name: t\nmodel:\n  params: 1B\n  config: c.json\npretraining:\n  tokens: 1T\n", encoding="utf-8")
    result = cli("plan", str(path))
    line = assert_one_located_line(result, str(path), 4, 11, fragment, "model.config: ")
    assert len(result.stderr.splitlines()) == 1, line


def test_a_directory_or_an_oversized_file_is_refused(cli, tmp_path):
    (tmp_path / "big.json").write_text("{" + " " * (2 << 20) + "}", encoding="utf-8")
    for target, fragment in (("models", "directory"), ("big.json", "KiB")):
        (tmp_path / "models").mkdir(exist_ok=True)
        path = tmp_path / "s.scenario.yaml"
        path.write_text(f"name: t\nmodel:\n  config: {target}\n", encoding="utf-8")
        assert_one_located_line(cli("plan", str(path)), str(path), 3, 11, fragment, "model.config: ")


def test_contradicting_routing_in_a_config_is_reported_on_the_config_key(cli, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"model_type": "mixtral", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "num_local_experts": 8}), encoding="utf-8")
    path = tmp_path / "s.scenario.yaml"
    path.write_text("name: t\nmodel:\n  config: c.json\n", encoding="utf-8")
    assert_one_located_line(cli("plan", str(path)), str(path), 3, 11, "experts and top_k go together", "model.config: ")


def test_qwen2_moe_shared_expert_and_sparse_step(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({
        "model_type": "qwen2_moe", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100, "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 16,
        "shared_expert_intermediate_size": 64, "decoder_sparse_step": 2, "mlp_only_layers": [1],
    }), encoding="utf-8")
    fields = read_hf_config("c.json", str(tmp_path)).fields
    # experts on layers whose (index + 1) is a multiple of 2 and not listed dense: only layer 3
    assert fields["dense_layers"] == 3
    assert fields["shared_experts"] == 64 // 16


def test_an_unknown_family_with_standard_keys_is_read_and_says_so(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"model_type": "newfamily", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4}), encoding="utf-8")
    config = read_hf_config("c.json", str(tmp_path))
    assert config.fields == {"layers": 2, "d_model": 64, "heads": 4}
    assert "feed-forward assumed gated" in config.describe()


def test_the_reader_never_needs_the_network(tmp_path):
    with pytest.raises(ConfigError):
        read_hf_config("https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json", str(tmp_path))


def test_params_far_from_the_architecture_warn_at_the_params_line(cli, scenario_file):
    path = scenario_file("""
        name: t
        model:
          params: 7B
          layers: 80
          d_model: 8192
          heads: 64
          kv_heads: 8
          vocab: 128256
          ffn_dim: 28672
        pretraining:
          tokens: 1T
        """)
    result = cli("plan", path, "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    # the architecture: 2.101e9 embeddings + 80 × (151,011,328 attention + 704,643,072 feed-forward) = 7.055e10
    warning = next(w for w in result.json()["warnings"] if "model.params" in w)
    assert warning.startswith(f"{path}:3:11: model.params: 7e+09 ")
    assert "7.055e+10" in warning and "-90%" in warning
    assert f"warning: {path}:3:11: model.params:" in result.stderr


def test_set_params_on_the_default_architecture_warns_on_the_command_line(cli):
    result = cli("plan", "--set", "model.params=1B", "--samples", "0", "-f", "json")
    warning = next(w for w in result.json()["warnings"] if "model.params" in w)
    assert warning.startswith("--set: model.params: 1e+09 ")
    assert "7.055e+10" in warning


def test_params_within_ten_percent_do_not_warn(cli):
    # the default scenario: 70.6B given, 70.55B counted (+0.07%)
    plan = _plan(cli, str(REPO / "configs" / "reasoning-service.scenario.yaml"))
    assert not [w for w in plan["warnings"] if "model.params" in w]
    assert plan["model"]["architecture_params"] == pytest.approx(70.55e9, rel=1e-3)


def test_clearing_params_counts_them_from_the_architecture(cli):
    plan = _plan(cli, str(REPO / "configs" / "frontier-dense.scenario.yaml"), "--set", "model.params=")
    # Llama 3.1 405B: 126 layers, d 16384, 128 heads, 8 KV heads, vocab 128256, SwiGLU 53248
    expected = 2 * 128256 * 16384 + 126 * (16384 * 128 * (2 * 128 + 2 * 8) + 3 * 16384 * 53248)
    assert plan["model"]["params"] == expected == pytest.approx(405.85e9, rel=1e-4)
    assert plan["pretraining"]["params"] == expected
