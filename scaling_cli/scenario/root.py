"""The scenario file, format v1: the public contract users commit to their repositories."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from scaling_cli.scenario.fields import StrictModel, user_error
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.scenario.model import ModelSpec
from scaling_cli.scenario.post_training import PostTrainingGroup
from scaling_cli.scenario.pretraining import PretrainingSpec
from scaling_cli.scenario.test_time import TestTimeWorkload

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Scenario(StrictModel):
    """A model, how it is pretrained, adapted and served, and on which hardware."""

    name: Name = Field(description="Short name shown in every output.")
    description: Annotated[str, StringConstraints(max_length=5000)] | None = Field(None, description="Free text.")
    hardware: HardwareSpec = Field(default_factory=HardwareSpec, description="Default hardware for every phase.")
    model: ModelSpec = Field(description="The foundation model.")
    pretraining: PretrainingSpec | None = Field(None, description="Pretraining run; omit to plan only adaptation and serving.")
    post_training: list[PostTrainingGroup] = Field(default_factory=list, description="Derivative-model groups (post-training law).")
    test_time: list[TestTimeWorkload] = Field(default_factory=list, description="Inference workloads (test-time law).")

    @model_validator(mode="after")
    def _names_are_unique(self) -> Scenario:
        """Every output names a derivative group or workload by its ``name`` (CSV rows, ``compare``,
        ``sweep`` columns), so two entries of one list may not share it."""
        for section in ("post_training", "test_time"):
            seen: set[str] = set()
            for index, entry in enumerate(getattr(self, section)):
                if entry.name in seen:
                    raise user_error("duplicate_name", f"another entry of {section} is already named {entry.name!r}; names identify entries in every output", field=f"{section}.{index}.name")
                seen.add(entry.name)
        return self

    @property
    def params_from_architecture(self) -> bool:
        """True when ``model.params`` is absent and counted from a complete architecture instead:
        unless pretraining sizes the model itself (``target_loss``, or ``compute`` with ``tokens``)."""
        run = self.pretraining
        sized = run is not None and (run.target_loss is not None or (run.compute is not None and run.tokens is not None))
        return self.model.params is None and not sized and self.model.architecture_counts is not None

    @model_validator(mode="after")
    def _pretraining_is_determined(self) -> Scenario:
        """Two of params, tokens and compute (or compute alone) pin down a pretraining run; params
        counted from the architecture count as given."""
        run = self.pretraining
        has_params = self.model.params is not None or self.params_from_architecture
        if run is None:
            if not has_params:
                raise user_error("params_missing", "required key is missing (or give pretraining.compute or target_loss to size the model)", field="model.params")
            return self
        if run.target_loss is not None:
            for name, present in (("model.params", has_params), ("pretraining.tokens", run.tokens is not None), ("pretraining.compute", run.compute is not None)):
                if present:
                    raise user_error("target_and_size", f"pretraining.target_loss sizes the model and data: drop {name}", field=name)
            if run.sizing == "lifetime" and not self.test_time:
                raise user_error("lifetime_without_demand", "sizing: lifetime takes its inference demand from test_time, which is empty", field="pretraining.sizing")
            return self
        if run.sizing != "chinchilla":
            raise user_error("sizing_without_target", "sizing applies with pretraining.target_loss", field="pretraining.sizing")
        given = [name for name, present in (("model.params", has_params), ("pretraining.tokens", run.tokens is not None), ("pretraining.compute", run.compute is not None)) if present]
        if len(given) == 3:
            raise user_error("overdetermined", "give two of model.params, pretraining.tokens and pretraining.compute, not all three", field="pretraining.compute")
        if given == ["pretraining.tokens"]:
            raise user_error("params_missing", "required key is missing (or give pretraining.compute or target_loss to size the model)", field="model.params")
        if given == ["model.params"]:
            raise user_error("tokens_missing", "give pretraining.tokens, or pretraining.compute to derive them", field="pretraining.tokens")
        if not given:
            raise user_error("nothing_to_plan", "give model.params with pretraining.tokens, or pretraining.compute, or pretraining.target_loss", field="pretraining")
        return self
