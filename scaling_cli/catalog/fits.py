"""The named scaling-law fits (data in ``data/fits.yaml``, each with its source)."""

from __future__ import annotations

import difflib
from functools import lru_cache

from scaling_cli.catalog.calibration import reference_data
from scaling_cli.engine.scaling_laws import ParametricFit, RatioRule, ScalingLaw
from scaling_cli.errors import shown


class UnknownFit(LookupError):
    pass


@lru_cache(maxsize=1)
def fits() -> dict[str, ScalingLaw]:
    data = reference_data()["fits"]["fits"]
    parametric = {
        name: ParametricFit(name, entry["E"], entry["A"], entry["B"], entry["alpha"], entry["beta"], entry["source"])
        for name, entry in data.items()
        if entry["kind"] == "parametric"
    }
    rules = {
        name: RatioRule(name, float(entry["tokens_per_param"]), parametric[entry["loss_fit"]], entry["source"])
        for name, entry in data.items()
        if entry["kind"] == "ratio"
    }
    return {**parametric, **rules}


def default_fit_name() -> str:
    return reference_data()["fits"]["default"]


def find_fit(name: str | None) -> ScalingLaw:
    """The fit called ``name`` (``None``: the default); a miss lists the valid names."""
    key = (name or default_fit_name()).strip().lower()
    found = fits().get(key)
    if found is None:
        close = difflib.get_close_matches(key, list(fits()), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownFit(f"unknown fit {shown(name)}; {hint}valid: {', '.join(fits())}")
    return found


LOSS_CAVEAT = "predicted loss in Chinchilla's units (MassiveText, 32K SentencePiece, nats/token): comparable between plans, not across datasets or tokenizers"
