"""The Dockerfile cannot be built on these machines (no Docker engine): what can be checked
without building it is checked here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_every_package_is_copied_into_the_image() -> None:
    """A package left out of the image is an ImportError at start-up, found only in deploy."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]
                ["include"]]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", DOCKERFILE, re.MULTILINE))
    assert packages and set(packages) <= copied, set(packages) - copied


def test_syntax_line_first_and_liveness_healthcheck() -> None:
    assert DOCKERFILE.splitlines()[0].startswith("# syntax=")  # Docker reads line 1 only
    healthcheck = DOCKERFILE[DOCKERFILE.index("HEALTHCHECK"):].split("\n\n", 1)[0]
    assert "/healthz" in healthcheck and "/readyz" not in healthcheck
