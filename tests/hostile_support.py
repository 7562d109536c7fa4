"""What the hostile-input tests share: the script that must never reach a page unescaped, and
posting many forms while checking that each answered without a 500."""

from __future__ import annotations

SCRIPT = "<script>alert(1)</script>"
NUL = "before\x00after"
# Saved, refused with a message, refused as forbidden or unknown: never a 500.
ANSWERS = {200, 302, 400, 403, 404}


def page_text(response) -> str:
    return response.content.decode(errors="replace")


def answered_safely(response, name: str) -> None:
    assert response.status_code in ANSWERS, (name, response.status_code)
    assert SCRIPT not in page_text(response), name


def post_all(client, posts, *, status: int | None = None) -> list:
    """Posts each (name, address, data); every answer is safe, and `status` when given."""
    responses = []
    for name, address, data in posts:
        response = client.post(address, data)
        answered_safely(response, name)
        if status is not None:
            assert response.status_code == status, (name, response.status_code)
        responses.append((name, response))
    return responses
