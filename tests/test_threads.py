"""Issue 14 item 14: one thread setting, honoured by every model and combination.

Each check runs in a fresh interpreter, so the limit is seen from the first fit in a
process (before scikit-learn's OpenMP is loaded); a spy on ``GBM._fit`` and
``GBM._predict`` reads ``threadpoolctl.threadpool_info()`` while the model runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demandcast.exceptions import ConfigError
from demandcast.forecasters.base import N_JOBS_ENV, resolve_n_jobs, thread_limit, usable_cores

pytest.importorskip("sklearn")
ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import json, os
import numpy as np, pandas as pd
from demandcast.forecasters.gbm import GBM
from demandcast.forecasters.registry import get_forecaster

seen = []
def spy(name):
    original = getattr(GBM, name)
    def wrapped(self, *args, **kwargs):
        from threadpoolctl import threadpool_info
        seen.append(sorted({(d["user_api"], d["num_threads"]) for d in threadpool_info()}))
        return original(self, *args, **kwargs)
    setattr(GBM, name, wrapped)
spy("_fit"); spy("_predict")

ds = pd.date_range("2024-01-01", periods=70, freq="D", tz="Europe/Amsterdam")
y = np.tile([120.0, 110, 105, 100, 90, 20, 10], 10) + np.arange(70) % 5
df = pd.DataFrame({"unique_id": "utrecht/phone", "ds": ds, "y": y})

def run(kind, n_jobs):
    gbm = GBM(max_iter=5, min_samples_leaf=5)
    if kind == "gbm":
        model = gbm.set_params(n_jobs=n_jobs)
    elif kind == "ensemble":
        model = get_forecaster("ensemble", members=("seasonal_naive", gbm), n_jobs=n_jobs)
    else:
        model = get_forecaster("auto", candidates=("seasonal_naive", gbm), n_jobs=n_jobs,
                               validation_h=7, validation_windows=1)
    seen.clear()
    model.fit(df).predict(7)
    return list(seen)

out = {}
out["gbm n_jobs=1, first fit"] = (1, run("gbm", 1))
out["ensemble n_jobs=1"] = (1, run("ensemble", 1))
out["auto n_jobs=1"] = (1, run("auto", 1))
os.environ["DEMANDCAST_N_JOBS"] = "1"
out["gbm from the environment"] = (1, run("gbm", None))
out["ensemble from the environment"] = (1, run("ensemble", None))
del os.environ["DEMANDCAST_N_JOBS"]
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # a process allowed one core
out["gbm default on one usable core"] = (1, run("gbm", None))
out["auto default on one usable core"] = (1, run("auto", None))
print(json.dumps(out))
"""


def test_one_setting_limits_openmp_and_blas_for_gbm_alone_and_as_a_member():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs os.sched_setaffinity (Linux)")
    env = {k: v for k, v in os.environ.items() if k != N_JOBS_ENV}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for case, (n, seen) in results.items():
        assert seen, f"{case}: the spy saw no gbm fit or predict"
        for pools in seen:
            assert {"openmp", "blas"} <= {api for api, _ in pools}, (case, pools)
            assert all(threads == n for _, threads in pools), (case, pools)


def test_default_never_exceeds_the_usable_cores(monkeypatch):
    monkeypatch.delenv(N_JOBS_ENV, raising=False)
    assert resolve_n_jobs(None) == resolve_n_jobs(-1) == usable_cores()
    assert usable_cores() <= (os.cpu_count() or 1)


def test_members_follow_the_combination_and_bad_settings_are_refused(monkeypatch):
    with thread_limit(1) as outer, thread_limit(None) as inner:
        assert (outer, inner) == (1, 1)
    monkeypatch.setenv(N_JOBS_ENV, "two")
    with pytest.raises(ConfigError, match=N_JOBS_ENV):
        resolve_n_jobs(None)
    with pytest.raises(ConfigError, match="n_jobs=0"):
        resolve_n_jobs(0)
