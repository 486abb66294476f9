"""scaling-cli: plan the compute of pretraining, post-training and test-time scaling from one YAML file."""

__version__ = "0.1.0"
