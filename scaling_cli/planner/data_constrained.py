"""The data-constrained figures of the ``pretraining`` section: epochs, effective tokens and
parameters, and the loss they predict (formulas in ``engine/data_constrained.py``, docs/DOMAIN.md §1.9)."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine import data_constrained as law_dc

#: Named in the section so a reader of the JSON knows which law moved the loss.
LAW = "Muennighoff et al. 2023 (arXiv 2305.16264 §3): L(N', D') with R*_D = 15.39, R*_N = 5.31"


def data_constrained_figures(law: Any, active_params: Any, tokens: Any, unique_tokens: Any) -> dict[str, Any]:
    """Epochs, D', N' and the loss from them; all ``None`` without ``unique_tokens``."""
    if unique_tokens is None:
        return {key: None for key in ("unique_tokens", "epochs", "effective_tokens", "effective_params", "loss_if_unique", "data_law")}
    return {
        "unique_tokens": unique_tokens,
        "epochs": law_dc.epochs(tokens, unique_tokens),
        "effective_tokens": law_dc.effective_tokens(tokens, unique_tokens),
        "effective_params": law_dc.effective_params(active_params, law_dc.supported_params(law, tokens, unique_tokens)),
        "loss_if_unique": law.loss(active_params, tokens),
        "data_law": LAW,
    }


def data_constrained_warnings(section: dict[str, Any]) -> list[str]:
    """Repetition past the point of fast-diminishing returns, and a run outside the paper's fits."""
    epochs = section.get("epochs")
    if epochs is None or epochs <= 1:
        return []
    warnings = []
    if epochs > law_dc.RAPID_DECAY_EPOCHS:
        value = float(law_dc.repeated_token_value(epochs))
        warnings.append(
            f"pretraining.tokens: {epochs:.3g} epochs over pretraining.unique_tokens, past the ~{law_dc.RAPID_DECAY_EPOCHS:.0f} where "
            f"repeated data's value falls fast (Muennighoff et al. 2023: R*_D = {law_dc.R_D_STAR:.1f}); the last epoch's tokens are "
            f"worth {value:.0%} of unique ones and the run's {section['tokens']:.3g} tokens count as {section['effective_tokens']:.3g}"
        )
    if section["active_params"] > law_dc.MAX_FITTED_PARAMS or section["tokens"] > law_dc.MAX_FITTED_TOKENS:
        warnings.append(
            f"pretraining.unique_tokens: the data-constrained law was fitted on models up to 9B parameters and 900B tokens "
            f"(Muennighoff et al. 2023); {section['active_params']:.3g} parameters and {section['tokens']:.3g} tokens are an extrapolation"
        )
    return warnings
