"""Word-by-word differences between two texts, for pages that show what changed."""

from __future__ import annotations

import difflib

# A segment is (kind, words) with kind "equal", "insert" or "delete".
Segment = tuple[str, str]


def word_diff(before: str, after: str) -> list[Segment]:
    """The words of `after` compared with `before`: kept, inserted and deleted runs, in order."""
    old, new = before.split(" "), after.split(" ")
    segments = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            segments.append(("delete", " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(("insert", " ".join(new[j1:j2])))
        if tag == "equal":
            segments.append(("equal", " ".join(old[i1:i2])))
    return [(kind, words) for kind, words in segments if words]
