"""Privacy: no personal data in loader output, keyed pseudonyms, small-cell suppression."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.exceptions import ConfigError, DataWarning
from demandcast.loaders import (
    PERSONAL_COLUMN_PATTERNS,
    load_counts,
    load_desk,
    load_phone,
    load_web,
    pseudonymize,
    suppress_small_counts,
)

KEY = "very-secret-key-123"


def _personal(col: str) -> bool:
    name = re.sub(r"[\s_\-.]", "", col)
    return any(re.search(p, name, re.IGNORECASE) for p in PERSONAL_COLUMN_PATTERNS)


def test_no_loader_outputs_personal_data():
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(seed=5, start="2024-05-06", end="2024-05-12")
    outs = {
        "phone": load_phone(sim.phone_calls, freq="h", pseudonymize=KEY),
        "desk": load_desk(sim.desk_tickets, freq="h", pseudonymize=KEY),
        "web": load_web(sim.web_visits, freq="D"),
    }
    ids = set(sim.phone_calls["caller_id"].astype(str)) | set(
        sim.desk_tickets["citizen_id"].astype(str)
    )
    pseud = set(pseudonymize(sorted(ids), KEY))
    for name, df in outs.items():
        assert not [c for c in df.columns if _personal(c)], name
        cells = set(df.astype(str).to_numpy().ravel())
        assert not cells & ids and not cells & pseud, name
        blob = pickle.dumps(df) + repr(df.attrs).encode()
        assert KEY.encode() not in blob, name
    assert outs["phone"]["repeat_contacts"].sum() > 0


def test_counts_drop_personal_columns_with_warning():
    raw = pd.DataFrame(
        {
            "series_id": "a",
            "timestamp": ["2024-01-01", "2024-01-02"],
            "count": [1, 2],
            "e-mail": ["a@b.nl", "c@d.nl"],
        }
    )
    with pytest.warns(DataWarning, match="personal columns"):
        df = load_counts(raw)
    assert "e-mail" not in df.columns


@pytest.mark.parametrize("key", [None, "", b""])
def test_pseudonymize_needs_a_key(key):
    with pytest.raises(ConfigError, match="plain, unkeyed hash"):
        pseudonymize(["0612345678"], key)


def test_pseudonymize_is_keyed_hmac():
    import hashlib
    import hmac

    a = pseudonymize(["0612345678", 612345678.0], "k1")
    b = pseudonymize(["0612345678"], "k2")
    assert a[0] == hmac.new(b"k1", b"0612345678", hashlib.sha256).hexdigest()
    assert a[0] != b[0] and a[0] != hashlib.sha256(b"0612345678").hexdigest()


def test_suppression_small_table_with_totals():
    t = pd.DataFrame({"location": ["noord", "zuid", "west", "oost"], "y": [3, 25, 40, 12]})
    out = suppress_small_counts(t, k=10)
    # 3 is primary; the next-smallest (12) is hidden so 80 - visible cannot reveal 3
    assert out["y_suppressed"].tolist() == [True, False, False, True]
    assert out["y"].isna().tolist() == [True, False, False, True]
    assert t["y"].tolist() == [3, 25, 40, 12]  # input untouched


def test_suppression_two_dimensions_and_zeros():
    t = pd.DataFrame(
        {"location": ["n", "n", "z", "z"], "day": ["ma", "di", "ma", "di"], "y": [0, 30, 5, 40]}
    )
    out = suppress_small_counts(t, k=10, by=["location", "day"])
    hidden = out["y_suppressed"].to_numpy()
    assert hidden[2]  # primary (5)
    assert hidden[0]  # the only other cell of day "ma": hidden although 0
    assert hidden.sum() == 4  # then each location needs a partner too
    for col in ("location", "day"):
        assert (out.groupby(col)["y_suppressed"].sum() != 1).all()


def test_suppression_wide_table_row_total():
    t = pd.DataFrame({"phone": [4, 50], "desk": [30, 60], "total": [34, 110]})
    out = suppress_small_counts(t, k=10, value_cols=["phone", "desk"], total_col="total")
    assert out["phone_suppressed"].tolist()[0] and out["desk_suppressed"].tolist()[0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=2, max_size=12), st.integers(2, 15))
def test_suppression_never_leaves_a_lone_hidden_cell(values, k):
    t = pd.DataFrame({"y": values})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = suppress_small_counts(t, k=k)
    hidden = out["y_suppressed"].to_numpy()
    arr = np.array(values)
    assert hidden[(arr >= 1) & (arr < k)].all()
    assert hidden.sum() != 1
    assert np.array_equal(out["y"].to_numpy()[~hidden], arr[~hidden])
