"""What the journey is made of: steps, each with checks that are done or not."""

from __future__ import annotations

from dataclasses import dataclass

from alliance_portal.permissions import Capability


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    done: bool
    # What is done, or what is missing.
    detail: str
    # The rule, for "why is this not done?".
    rule: str
    url: str = ""
    action: str = ""
    # Who may follow the link; others see the check without it.
    capability: Capability | None = None
    # Advice shown even when the check is done.
    note: str = ""


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    summary: str
    checks: list[Check]

    @property
    def done(self) -> bool:
        return all(check.done for check in self.checks)

    @property
    def done_count(self) -> int:
        return sum(check.done for check in self.checks)


@dataclass(frozen=True)
class Journey:
    steps: list[Step]

    @property
    def next(self) -> tuple[Step, Check] | None:
        """The first check not done, in the guide's order: what to do next."""
        for step in self.steps:
            for check in step.checks:
                if not check.done:
                    return step, check
        return None

    @property
    def steps_done(self) -> int:
        return sum(step.done for step in self.steps)

    def check(self, key: str) -> Check:
        return next(check for step in self.steps for check in step.checks if check.key == key)
