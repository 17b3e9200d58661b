"""`demandcast --help` and the README describe the exit codes the same way (issue 14)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _codes(text: str) -> dict[str, str]:
    """Exit code -> its description, from 'Exit codes: 0 ok, 2 bad ..., 3 ...' prose."""
    text = " ".join(text.split())
    start = text.index("Exit codes:") + len("Exit codes:")
    found = dict(
        re.findall(r"(?:^|, )([0-4]) ([^,]+?)(?=, [0-4] |\.\s|\.$|$)", text[start:].strip())
    )
    return {code: re.sub(r"\s*\(.*?\)", "", what).strip(" .") for code, what in found.items()}


def test_help_and_readme_describe_exit_code_3_alike():
    env = {"PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "demandcast.cli", "--help"],
        capture_output=True, text=True, cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    helped = _codes(run.stdout)
    readme = _codes((ROOT / "README.md").read_text(encoding="utf-8"))
    assert helped["3"] == readme["3"] == "no model left: every configured model failed"
    assert set(helped) == set(readme) == {"0", "1", "2", "3", "4"}
