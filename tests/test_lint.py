"""The workflow and the code stay lint-clean (snakemake --lint, snakefmt, ruff), and the
library's layers import one way (import-linter's contract in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "snakemake", "--lint"],
        [BIN / "snakefmt", "--check", "Snakefile", "workflow/rules"],
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "lint-imports"],
    ],
    ids=["snakemake-lint", "snakefmt", "ruff-check", "ruff-format", "import-layers"],
)
def test_lint_clean(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
