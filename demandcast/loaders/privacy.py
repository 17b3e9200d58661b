"""Privacy (AVG/GDPR): keep personal data out of loader output.

- :data:`PERSONAL_COLUMN_PATTERNS`: column names that hold personal data. Loaders
  keep only the columns they need, so none of these ever reaches their output.
- :func:`pseudonymize`: a keyed hash (HMAC-SHA256) used only inside a loader to
  count repeat contacts. The key is never stored.
- :func:`suppress_small_counts`: hide small cells of a table meant for publication,
  with complementary suppression so that hidden cells cannot be recovered from totals.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError

__all__ = [
    "PERSONAL_COLUMN_PATTERNS",
    "UNKNOWN_IDS",
    "is_personal_column",
    "pseudonymize",
    "repeat_contacts",
    "suppress_small_counts",
]

#: Regular expressions (matched case-insensitively anywhere in a column name,
#: after removing spaces, ``_``, ``-`` and ``.``) for columns holding personal data.
PERSONAL_COLUMN_PATTERNS: tuple[str, ...] = (
    r"caller",
    r"beller",
    r"phonenumber",
    r"telefoon",
    r"telnr",
    r"mobiel",
    r"^ani$",
    r"^cli$",
    r"customer",
    r"klant",
    r"bsn",
    r"citizen",
    r"burger",
    r"name",
    r"naam",
    r"email",
    r"mail",
    r"address",
    r"adres",
    r"postcode",
    r"zipcode",
    r"birth",
    r"geboorte",
    r"freetext",
    r"vrijetekst",
    r"opmerking",
    r"notes?$",
    r"comment",
    r"remark",
    r"toelichting",
    r"memo",
    r"pseudonym",
)
_PERSONAL = re.compile("|".join(PERSONAL_COLUMN_PATTERNS), re.IGNORECASE)

#: Caller-id values that mean "unknown caller": never counted as a repeat contact.
UNKNOWN_IDS: frozenset[str] = frozenset(
    {
        "",
        "0",
        "nan",
        "none",
        "null",
        "unknown",
        "onbekend",
        "anonymous",
        "anoniem",
        "private",
        "prive",
        "privé",
        "-",
    }
)


def is_personal_column(name: object) -> bool:
    """True when a column name matches :data:`PERSONAL_COLUMN_PATTERNS`.

    Examples
    --------
    >>> is_personal_column("Telefoonnummer"), is_personal_column("customer_id")
    (True, True)
    >>> is_personal_column("wait_seconds")
    False
    """
    return bool(_PERSONAL.search(re.sub(r"[\s_\-.]", "", str(name))))


_KEY_HELP = (
    "pseudonymize needs a secret key (bytes or str) that you keep outside the data: "
    "a plain, unkeyed hash of a Dutch phone number (06 + 8 digits, 10^8 possibilities) "
    "or a BSN can be reversed by hashing every possible number, so it is not a pseudonym"
)


def _key_bytes(key: bytes | str | None) -> bytes:
    if key is None or (isinstance(key, (bytes, str)) and len(key) == 0):
        raise ConfigError(f"{_KEY_HELP}; got {'None' if key is None else 'an empty key'}")
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray)):
        return bytes(key)
    raise ConfigError(f"{_KEY_HELP}; got a {type(key).__name__}")


def _id_text(values: Iterable[object]) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append("")
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))  # 1161660.0 read as float -> "1161660"
        else:
            out.append(str(v).strip())
    return out


def pseudonymize(values: Iterable[object], key: bytes | str) -> np.ndarray:
    """Keyed pseudonyms (HMAC-SHA256, hex) for identifiers such as caller numbers.

    The same value and key always give the same pseudonym; without the key the
    pseudonym cannot be linked back to the value. The key is not stored anywhere.
    Missing values give an empty string.

    Parameters
    ----------
    values : iterable
        Identifiers (numbers or text; ``1161660.0`` and ``"1161660"`` give the same
        pseudonym).
    key : bytes or str
        Secret key, required and non-empty.

    Returns
    -------
    numpy.ndarray of str
        64-character hex digests.

    Raises
    ------
    ConfigError
        When ``key`` is None or empty.

    Examples
    --------
    >>> p = pseudonymize(["0612345678", "0612345678", "0687654321"], key=b"s3cret")
    >>> len(p[0]), p[0] == p[1], p[0] == p[2]
    (64, True, False)
    """
    k = _key_bytes(key)
    texts = _id_text(values)
    return np.array(
        [hmac.new(k, t.encode("utf-8"), hashlib.sha256).hexdigest() if t else "" for t in texts],
        dtype=object,
    )


def repeat_contacts(
    ids: Sequence[str] | np.ndarray, group: pd.Series, day: pd.Series
) -> np.ndarray:
    """Flag contacts by an identifier already seen earlier the same day in the group.

    ``ids`` must be in time order within each group; unknown ids (see
    :data:`UNKNOWN_IDS`) are never repeats.

    Examples
    --------
    >>> import pandas as pd
    >>> repeat_contacts(["a", "b", "a", ""], pd.Series(["x"] * 4), pd.Series([1, 1, 1, 1])).tolist()
    [False, False, True, False]
    """
    ids = pd.Series(np.asarray(ids, dtype=object), index=group.index)
    known = ~ids.astype(str).str.lower().isin(UNKNOWN_IDS)
    dup = pd.DataFrame({"g": group, "d": day, "i": ids}).duplicated(keep="first")
    return (dup & known).to_numpy()


def _groupings(by) -> list[list[str]]:
    if by is None:
        return [[]]
    if isinstance(by, str):
        return [[by]]
    out = []
    for item in by:
        out.append([item] if isinstance(item, str) else list(item))
    return out


def suppress_small_counts(
    df: pd.DataFrame,
    k: int = 10,
    *,
    value_cols: Sequence[str] | None = None,
    by=None,
    total_col: str | None = None,
) -> pd.DataFrame:
    """Hide small counts in a table meant for publication (statistical disclosure control).

    Primary suppression: every cell with ``1 <= value < k`` becomes NaN. Zeros stay
    visible (an empty cell discloses no person). Complementary suppression: within
    every group whose total is published, if exactly one cell is hidden, the smallest
    other non-zero cell is hidden as well (a zero when there is none), so the hidden
    value cannot be recovered by subtraction; this repeats until stable.

    Parameters
    ----------
    df : DataFrame
        Table of counts (long or wide).
    k : int, default 10
        Threshold: counts below ``k`` (and above 0) are hidden.
    value_cols : sequence of str, optional
        Count columns to protect; default ``["y"]`` when present, else every numeric
        column except ``total_col``.
    by : str, tuple or sequence, optional
        The groups whose totals are published, one entry per table dimension: a
        column name or a tuple of names. ``by=["location", "ds"]`` means totals per
        location and totals per interval are both published. Default: one total per
        value column (the column total).
    total_col : str, optional
        A row-total column of a wide table: each row is then also a group across
        ``value_cols``. Totals are left as they are, except a row total that would
        reveal a lone hidden cell when no other cell can be hidden.

    Returns
    -------
    DataFrame
        A copy with hidden cells set to NaN and, per value column, a boolean column
        ``<col>_suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"location": ["noord", "zuid", "west"], "y": [3, 25, 40]})
    >>> out = suppress_small_counts(t, k=10)
    >>> out["y"].tolist(), out["y_suppressed"].tolist()
    ([nan, nan, 40.0], [True, True, False])
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k={k!r} must be a positive integer (cells below k are hidden)")
    out = df.copy()
    if value_cols is None:
        if "y" in out.columns:
            value_cols = ["y"]
        else:
            value_cols = [
                c
                for c in out.columns
                if c != total_col
                and pd.api.types.is_numeric_dtype(out[c])
                and not pd.api.types.is_bool_dtype(out[c])
            ]
    value_cols = list(value_cols)
    missing = [
        c for c in [*value_cols, *([total_col] if total_col else [])] if c not in out.columns
    ]
    missing += [c for g in _groupings(by) for c in g if c not in out.columns]
    if missing:
        raise ConfigError(
            f"suppress_small_counts: columns {missing[:5]} not in the table; "
            f"available: {list(out.columns)}"
        )
    vals = out[value_cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    hidden = (vals >= 1) & (vals < k)
    groups = []  # each group: list of (row, col) cells sharing a published total
    nrow = len(out)
    for cols in _groupings(by):
        keys = (
            out.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
            if cols
            else np.zeros(nrow, dtype=int)
        )
        for j in range(len(value_cols)):
            for g in np.unique(keys):
                groups.append([(i, j) for i in np.flatnonzero(keys == g)])
    if total_col is not None:
        groups.extend([[(i, j) for j in range(len(value_cols))] for i in range(nrow)])
    hide_total = np.zeros(nrow, dtype=bool)
    changed = True
    while changed:
        changed = False
        for cells in groups:
            flags = [hidden[c] for c in cells]
            if sum(flags) != 1:
                continue
            others = [c for c in cells if not hidden[c] and not np.isnan(vals[c])]
            if not others:
                if total_col is not None and all(c[0] == cells[0][0] for c in cells):
                    hide_total[cells[0][0]] = True
                continue
            nonzero = [c for c in others if vals[c] > 0]
            pick = min(nonzero or others, key=lambda c: (vals[c], c))
            hidden[pick] = True
            changed = True
    for j, col in enumerate(value_cols):
        out[col] = pd.Series(np.where(hidden[:, j], np.nan, vals[:, j]), index=out.index)
        out[f"{col}_suppressed"] = hidden[:, j]
    if total_col is not None and hide_total.any():
        out[total_col] = out[total_col].astype(float).mask(hide_total)
    return out
