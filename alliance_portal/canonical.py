"""Content as signed: one serialisation and its SHA-256, shared by everything that is approved.

Minutes and action plans are approved as a canonical JSON document. Serialising it one way only
(sorted keys, no spaces, UTF-8) makes the hash depend on the content alone, so anyone holding
the JSON can recompute it.
"""

from __future__ import annotations

import hashlib
import json


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_sha256(content: dict) -> str:
    """SHA-256 of content serialised one way only: sorted keys, no spaces, UTF-8."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
