"""docs/guide.md: its python blocks run in order as one session, outputs checked."""

from __future__ import annotations

import doctest
import io
import re
from pathlib import Path

import pytest

import demandcast

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guide.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.REPORT_ONLY_FIRST_FAILURE


def _blocks() -> list[tuple[int, str]]:
    """(line number, code) of every python block, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in BLOCK.finditer(text)]


def test_guide_has_the_topics_of_both_readers():
    text = GUIDE.read_text(encoding="utf-8")
    for topic in (
        "Loading exports", "pseudonym", "suppress_small_counts", "InvalidFrameError",
        "OpeningHours", "future", "past", "scenario", "tags", "refit", "n_jobs",
        'engine="dask"', "WAPE", "MASE", "Coverage", "Diebold-Mariano", "Poisson floor",
        "split_daily", "Erlang C", "Erlang A", "quantile", "Shrinkage", "ForecastStore",
    ):  # fmt: skip
        assert topic in text, topic
    assert len(_blocks()) >= 15


def test_guide_names_only_public_api():
    text = GUIDE.read_text(encoding="utf-8")
    used = set(re.findall(r"demandcast\.([A-Za-z_]\w*)", text))
    modules = {"testing", "exceptions", "forecasters", "metrics", "scoring", "store"}
    files = {"toml", "db"}  # demandcast.toml, demandcast.db
    missing = sorted(n for n in used - modules - files if not hasattr(demandcast, n))
    assert not missing, f"guide uses names demandcast does not export: {missing}"


def test_guide_code_blocks_run_in_order(tmp_path, monkeypatch):
    pytest.importorskip("statsmodels")
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)  # anything a block writes lands here
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs: dict = {"__name__": "guide"}
    for lineno, code in _blocks():
        name = f"{GUIDE.name}:{lineno}"
        if not code.lstrip().startswith(">>>"):
            exec(compile(code, name, "exec"), globs)
            continue
        test = parser.get_doctest(code, globs, name, str(GUIDE), lineno)
        out = io.StringIO()
        result = runner.run(test, out=out.write, clear_globs=False)
        globs.update(test.globs)  # DocTest works on a copy: carry names to the next block
        assert result.failed == 0, f"block at line {lineno} failed:\n{out.getvalue()}"
