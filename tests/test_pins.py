"""Dependency pins: pyproject, the lock file and envs/*.yaml agree."""

import re
import tomllib

import pytest
import yaml
from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(requirements) -> dict[str, str]:
    """Normalised package name -> exact version, for ``name==version`` lines."""
    found = {}
    for line in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)==([^\s;#]+)\s*", line)
        assert match, f"not an exact pin: {line!r}"
        found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


DIRECT = pins(PYPROJECT["project"]["dependencies"])
LOCK = pins(line for line in (ROOT / "requirements.lock").read_text().splitlines() if line.strip())


def test_every_direct_dependency_is_locked_at_the_same_version():
    for name, version in {
        **DIRECT,
        **pins(PYPROJECT["project"]["optional-dependencies"]["dev"]),
    }.items():
        assert LOCK.get(name) == version, name


@pytest.mark.parametrize("env", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.stem)
def test_conda_env_carries_the_pyproject_pins(env):
    spec = yaml.safe_load(env.read_text())
    pip = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict))
    env_pins = pins(pip)
    assert env_pins and all(DIRECT[name] == version for name, version in env_pins.items())
    assert "python=3.13" in spec["dependencies"]
