"""Fuzz the loaders with generated export bytes (issue 14).

Every loader (``load_phone``, ``load_desk``, ``load_web``, ``load_counts``,
``read_table``) gets files with random separators, decimal commas, encodings, a BOM,
UTC offsets across DST, trailing separators, ragged rows, and empty and one-line
files. The only exceptions allowed are :class:`~demandcast.exceptions.DemandcastError`
subclasses; a frame that is returned keeps the long-frame promises (``validate_frame``
passes, ``y >= 0``).

The default run uses the ``fuzz`` profile (a few hundred examples in all); the ``slow``
profile (at least 10,000 examples) runs in the slow-marked test below
(``pytest -m slow tests/test_fuzz_loaders.py``) or for every test here with
``DEMANDCAST_FUZZ_PROFILE=slow``.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demandcast.exceptions import DemandcastError
from demandcast.frame import validate_frame
from demandcast.loaders import load_counts, load_desk, load_phone, load_web, read_table

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("fuzz", max_examples=60, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("slow", max_examples=10_000, deadline=None, suppress_health_check=_QUIET)
_PROFILE = settings.get_profile(os.environ.get("DEMANDCAST_FUZZ_PROFILE", "fuzz"))

# ------------------------------------------------------------------ field values

# days around both DST switches of 2024 in Europe/Amsterdam, and an ordinary week
_DAYS = ["2024-03-30", "2024-03-31", "2024-04-01", "2024-10-26", "2024-10-27", "2024-10-28"]
_DAYS += ["2024-01-08", "2024-01-09"]


@st.composite
def timestamps(draw) -> str:
    """A time as exports write it: ISO, with an offset (right or wrong), Dutch, garbage."""
    day = draw(st.sampled_from(_DAYS))
    hour = draw(st.sampled_from([0, 1, 2, 3, 8, 9, 12, 23]))
    minute = draw(st.sampled_from([0, 5, 30, 59]))
    y, m, d = day.split("-")
    kind = draw(
        st.sampled_from(["iso", "iso_t", "offset", "zulu", "dutch", "date", "bad", "empty", "hhmm"])
    )
    if kind == "iso":
        return f"{day} {hour:02d}:{minute:02d}:00"
    if kind == "iso_t":
        return f"{day}T{hour:02d}:{minute:02d}"
    if kind == "offset":
        off = draw(st.sampled_from(["+01:00", "+02:00", "+0100", "-05:00", "+00:00"]))
        return f"{day}T{hour:02d}:{minute:02d}:00{off}"
    if kind == "zulu":
        return f"{day}T{hour:02d}:{minute:02d}:00Z"
    if kind == "dutch":
        return f"{d}-{m}-{y} {hour:02d}:{minute:02d}"
    if kind == "date":
        return day
    if kind == "hhmm":
        return f"{hour}:{minute:02d}"
    if kind == "empty":
        return ""
    return draw(st.sampled_from(["nonsense", "31-02-2024 10:00", "2024-13-01", "NaT", "0"]))


numbers = st.one_of(
    st.integers(-5, 2000).map(str),
    st.sampled_from(["12,5", "12.5", "1.200", "-3", "0", "", "x", "1e3", "nan", "inf"]),
    st.sampled_from(["0:01:10", "2:05", "-0:00:04", "99999999999999999999"]),
)
words = st.sampled_from(
    ["noord", "zuid", "centrum", "Zoë", "café", "", "answered", "abandoned", "PHANTOM",
     "transfer", "onbekend", "beantwoord", "a;b", 'q"uote', "1"]
)  # fmt: skip

# column sets per loader: (name, kind) with kind "time", "number" or "word"
_COLUMNS = {
    "phone": [
        ("call_start", "time"),
        ("location", "word"),
        ("outcome", "word"),
        ("wait_seconds", "number"),
        ("handle_seconds", "number"),
    ],
    "desk": [("ticket_time", "time"), ("location", "word"), ("wachttijd", "number")],
    "web": [("datum", "time"), ("sectie", "word"), ("bezoeken", "number"), ("pageviews", "number")],
    "counts": [("series_id", "word"), ("timestamp", "time"), ("count", "number")],
}


def _value(kind: str) -> st.SearchStrategy[str]:
    return {"time": timestamps(), "number": numbers, "word": words}[kind]


@st.composite
def export_bytes(draw, loader: str) -> bytes:
    """The bytes of a generated export for ``loader``."""
    cols = _COLUMNS[loader]
    sep = draw(st.sampled_from([";", ",", "\t", "|"]))
    shape = draw(st.sampled_from(["rows"] * 8 + ["empty", "header", "blank"]))
    if shape == "empty":
        return b""
    if shape == "blank":
        return b"\n\n  \n"
    lines = [sep.join(name for name, _ in cols) + (sep if draw(st.booleans()) else "")]
    n_rows = 0 if shape == "header" else draw(st.integers(1, 12))
    for _ in range(n_rows):
        fields = [draw(_value(kind)) for _, kind in cols]
        fields = [f'"{f}"' if (sep in f or '"' in f) and draw(st.booleans()) else f for f in fields]
        tail = draw(st.sampled_from(["", "", "", sep, sep + sep, sep + "extra", "short"]))
        if tail == "short":
            fields = fields[: max(1, len(fields) - 1)]
            tail = ""
        lines.append(sep.join(fields) + tail)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


# ------------------------------------------------------------------ the checks

_LOADERS = {
    "phone": load_phone,
    "desk": load_desk,
    "web": load_web,
    "counts": load_counts,
}


def _check(loader: str, data: bytes, freq: str | None, tz: str) -> None:
    """Run ``loader`` on ``data``: only library errors, and a valid long frame."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if loader == "read_table":
                    df = read_table(path)
                    assert len(df) > 0 and df.shape[1] >= 2
                    assert pd.api.types.is_integer_dtype(df.index)
                    return
                kw: dict = {"tz": tz}
                if loader != "counts" or freq is not None:
                    kw["freq"] = freq or "h"
                df = _LOADERS[loader](path, **kw)
            except DemandcastError:
                return
            checked = validate_frame(df, freq=df.attrs.get("freq", freq), tz=tz)
    assert len(checked) == len(df)
    y = df["y"].dropna()
    assert (y >= 0).all()


freqs = st.sampled_from(["h", "30min", "D", "15min"])
zones = st.sampled_from(["Europe/Amsterdam", "UTC", "Asia/Tokyo"])


@pytest.mark.parametrize("loader", ["phone", "desk", "web"])
@settings(_PROFILE)
@given(data=st.data(), freq=freqs, tz=zones)
def test_event_loaders_raise_only_library_errors(loader, data, freq, tz):
    _check(loader, data.draw(export_bytes(loader)), freq, tz)


@settings(_PROFILE)
@given(data=st.data(), freq=st.one_of(st.none(), freqs), tz=zones)
def test_load_counts_raises_only_library_errors(data, freq, tz):
    _check("counts", data.draw(export_bytes("counts")), freq, tz)


@settings(_PROFILE)
@given(data=st.data(), loader=st.sampled_from(list(_COLUMNS)))
def test_read_table_raises_only_library_errors(data, loader):
    _check("read_table", data.draw(export_bytes(loader)), None, "Europe/Amsterdam")


@pytest.mark.slow
@settings(settings.get_profile("slow"))
@given(
    data=st.data(),
    loader=st.sampled_from([*_COLUMNS, "read_table"]),
    freq=st.one_of(st.none(), freqs),
    tz=zones,
)
def test_all_loaders_long_profile(data, loader, freq, tz):
    columns = "phone" if loader == "read_table" else loader
    _check(loader, data.draw(export_bytes(columns)), freq, tz)
