"""Shared fixtures: the project's paths, validated configs, the forum model."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from spikesweep.study import Run
from spikesweep.study.axes import MODEL_AXES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"
FORUM3 = [[0, 5, 0], [0, 0, -2], [0, 0, 0]]
#: The smallest valid config: everything else comes from the schema's defaults.
MINIMAL = {
    "study": "minimal",
    "networks": {"forum3": {"matrix": FORUM3}},
    "sweeps": {
        "drive": {
            "networks": ["forum3"],
            "modes": ["poisson_input"],
            "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
        }
    },
}


def run_at(network, mode, rate_hz, n_sources, weight_mV, seed, model=None, **settings) -> Run:
    """A run at a drive (``rate_hz``, ``n_sources``, ``weight_mV``) of the default model,
    or of ``model`` (model axes by name), with ``settings``; driven set "all" and
    silenced set "none", or "some" where ``settings`` give ``targets`` or ``silenced``."""
    values = {**default_model(), **(model or {})}
    values.setdefault("driven_refractory_ms", values["refractory_ms"])
    sets = (
        "all" if settings.get("targets") is None else "some",
        "some" if settings.get("silenced") else "none",
    )
    point = (*sets, float(rate_hz), int(n_sources), float(weight_mV))
    return Run(network, mode, point + tuple(values[a.name] for a in MODEL_AXES), seed, **settings)


def default_model() -> dict:
    """The schema's model section (Shiu et al. 2023, as in the forum)."""
    return validated(MINIMAL)["model"]


def with_change(path: str, value) -> dict:
    """MINIMAL with the value at a dotted ``path`` replaced (or added)."""
    return _changed(MINIMAL, path, value)


def _changed(config: dict, path: str, value) -> dict:
    config = copy.deepcopy(config)
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[leaf] = value
    return config


def with_changes(paths, values) -> dict:
    """MINIMAL with each dotted path of ``paths`` set to its value in ``values``."""
    config = MINIMAL
    for path, value in zip(paths, values, strict=True):
        config = _changed(config, path, value)
    return config


def validated(config: dict) -> dict:
    """Validate ``config`` against the schema (filling defaults) and return it."""
    config = copy.deepcopy(config)
    validate(config, schema=str(SCHEMA))
    return config


@pytest.fixture
def default_config() -> dict:
    """The default study's config, as written in config/config.yaml (unvalidated)."""
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


@pytest.fixture(scope="session")
def model() -> dict:
    """The forum's (Shiu et al.) model section, from the schema defaults."""
    return default_model()


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the project's workflow on ``workdir/config.yaml`` in ``workdir``."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(workdir / "config.yaml"),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
