"""The per-user rate limit: a sliding window per key, independent keys, 0 disables it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_window_and_recovery() -> None:
    """Three per minute: the fourth waits until the first leaves the window."""
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.allow("u") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("other")
    clock.now = 30
    assert not limiter.allow("u")
    assert limiter.retry_after("u") == 30
    clock.now = 60
    assert limiter.allow("u")
    assert limiter.retry_after("other") == 0


def test_zero_disables() -> None:
    """A limit of 0 lets everything through."""
    limiter = RateLimiter(0, 60)
    assert all(limiter.allow("u") for _ in range(1000))


@given(st.lists(st.floats(min_value=0, max_value=1000), max_size=60), st.integers(1, 5))
def test_never_more_than_limit_in_any_window(gaps: list[float], limit: int) -> None:
    """Whatever the arrival times, no window of 10 s admits more than the limit."""
    clock = Clock()
    limiter = RateLimiter(limit, 10, clock=clock)
    admitted = []
    for gap in gaps:
        clock.now += gap / 100
        if limiter.allow("k"):
            admitted.append(clock.now)
    for i, start in enumerate(admitted):
        assert sum(1 for t in admitted[i:] if t - start < 10) <= limit
