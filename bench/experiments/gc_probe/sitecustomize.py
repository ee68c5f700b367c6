"""Experiment baseline: the server unchanged, its GC pauses logged (bench.experiments.gcprobe)."""

import bench.experiments.gcprobe  # noqa: F401
