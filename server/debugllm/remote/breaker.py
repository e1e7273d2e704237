"""A circuit breaker: after N consecutive failures, stop calling for a cool-down, then probe."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    def __init__(
        self,
        threshold: int = 3,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[State, str], None] | None = None,
    ) -> None:
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.on_change = on_change
        self.failures = 0
        self._state: State = "closed"
        self._opened_at = 0.0
        self._probing = False
        self.last_error = ""

    @property
    def state(self) -> State:
        if self._state == "open" and self.clock() - self._opened_at >= self.cooldown_s:
            return "half-open"
        return self._state

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open, one probe at a time)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._probing:
            self._probing = True
            return True
        return False

    def available(self) -> bool:
        """Whether model actions should be offered (no side effect)."""
        return self.state != "open"

    def release(self) -> None:
        """A probe that ended without a verdict (cancelled): let the next call probe."""
        self._probing = False

    def success(self) -> None:
        self.failures = 0
        self._probing = False
        self._set("closed", "the endpoint answers again")

    def failure(self, reason: str) -> None:
        self.failures += 1
        self._probing = False
        self.last_error = reason
        if self._state == "open" or self.failures >= self.threshold:
            self._opened_at = self.clock()
            self._set("open", reason)

    def _set(self, state: State, reason: str) -> None:
        previous = self._state
        self._state = state
        if state != previous and self.on_change is not None:
            self.on_change(state, reason)
