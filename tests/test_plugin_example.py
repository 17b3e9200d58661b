"""The plugin example (examples/plugin, docs/ARCHITECTURE.md "Writing your own
forecaster") is found through its entry point and passes the conformance suite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugin"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def _install(target: Path) -> dict[str, str]:
    """Lay the plugin out in ``target`` as ``pip install --target`` does.

    The module is copied and a ``*.dist-info`` directory declares the entry points of
    the plugin's own ``pyproject.toml`` (which is how an installed package declares
    them), so the test needs neither the network nor a build backend.
    """
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry_points = project["entry-points"]["demandcast.forecasters"]
    for module in entry_points.values():
        name = module.partition(":")[0]
        shutil.copy(PLUGIN / f"{name}.py", target / f"{name}.py")
    dist = target / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    (dist / "METADATA").write_text(metadata, encoding="utf-8")
    lines = [f"{key} = {value}" for key, value in entry_points.items()]
    (dist / "entry_points.txt").write_text(
        "[demandcast.forecasters]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return entry_points


_SCRIPT = """
import demandcast
from demandcast.testing import check_forecaster, expected_checks

print("listed", "recent_mean" in demandcast.list_forecasters())
cls = demandcast.get_forecaster_class("recent_mean")
f = demandcast.get_forecaster("recent_mean", **cls.get_test_params())
print("built", repr(f))
report = check_forecaster(f)
print("checks", report.n_checks, len(expected_checks(f.tags)))
"""


def test_plugin_installs_through_its_entry_point_and_passes_the_suite(tmp_path):
    assert _install(tmp_path) == {"recent_mean": "demandcast_recent_mean:RecentMean"}
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["listed True", "built RecentMean(window=7)"]
    _, ran, expected = lines[2].split()
    assert int(ran) == int(expected) > 10


def test_the_documented_plugin_is_the_shipped_one():
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Writing your own forecaster") :]
    block = re.search(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL).group(1)
    assert "class RecentMean(BaseForecaster)" in block
    assert block in (PLUGIN / "demandcast_recent_mean.py").read_text(encoding="utf-8")
