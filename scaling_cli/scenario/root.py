"""The scenario file, format v1: the public contract users commit to their repositories."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from scaling_cli.scenario.fields import StrictModel
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
