"""Loaders: raw channel exports (phone, desk, web, aggregated counts) -> long frame.

Every loader returns the long frame (``unique_id``, ``ds``, ``y`` plus side
columns) at the requested ``freq``, zero-filled for open intervals (rule in
:mod:`demandcast.loaders._bucket`), and never outputs personal columns
(:mod:`demandcast.loaders.privacy`).
"""

from __future__ import annotations

from ._read import read_table
from .counts import load_counts
from .desk import load_desk
from .phone import DEFAULT_OUTCOME_MAP, load_phone
from .privacy import PERSONAL_COLUMN_PATTERNS, pseudonymize, suppress_small_counts
from .web import load_web

__all__ = [
    "DEFAULT_OUTCOME_MAP",
    "PERSONAL_COLUMN_PATTERNS",
    "load_counts",
    "load_desk",
    "load_phone",
    "load_web",
    "pseudonymize",
    "read_table",
    "suppress_small_counts",
]
