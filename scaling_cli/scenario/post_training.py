"""``post_training:`` — derivative-model groups (post-training law, docs/DOMAIN.md §2).

Each group is ``{name, technique, count, ...}``. ``technique`` selects the group's fields (a
discriminated union over the specs of ``techniques.registry.TECHNIQUES``, one module per technique);
an unknown field is rejected with the valid ones listed. Groups adapt the scenario's ``model``
unless they say otherwise. Formulas and their sources: ``engine/post_training.py``.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Union

from pydantic import BeforeValidator, Field

from scaling_cli.errors import shown
from scaling_cli.scenario.fields import user_error
from scaling_cli.techniques.registry import NAMES, TECHNIQUES


def _known_technique(value: Any) -> Any:
    """Name the valid techniques (and the closest one) before the union tries to dispatch."""
    if not isinstance(value, dict):
        return value
    technique = value.get("technique")
    if technique is None:
        raise user_error("technique_missing", f"required key is missing; valid techniques: {', '.join(NAMES)}", field="technique")
    if technique not in NAMES:
        close = difflib.get_close_matches(str(technique), NAMES, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise user_error("unknown_technique", f"unknown technique {shown(technique)}; {hint}valid: {', '.join(NAMES)}", field="technique")
    return value


#: One group: the spec of its technique, chosen by the ``technique`` tag.
PostTrainingGroup = Annotated[
    Union[tuple(technique.spec for technique in TECHNIQUES.values())],  # type: ignore[valid-type]  # built from the registry
    Field(discriminator="technique"),
    BeforeValidator(_known_technique),
]
