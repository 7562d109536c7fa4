"""What the current request tells the audit log: the address it came from."""

from __future__ import annotations

from contextvars import ContextVar

# Set per request by AuditContextMiddleware; empty for work done by tasks and commands.
request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
