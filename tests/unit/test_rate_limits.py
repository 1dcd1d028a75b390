"""The sliding-window limiter behind VerifyIdentity's limits."""

from __future__ import annotations

from customer_core.kernel.rate_limits import RateLimiter


def test_a_key_is_refused_past_its_limit_until_its_oldest_charge_leaves_the_window() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    assert limiter.charge("a") is None
    now[0] = 110.0
    assert limiter.charge("a") is None
    now[0] = 130.0
    assert limiter.charge("a") == 30.0  # the charge at 100 leaves the window at 160
    assert limiter.charge("b") is None  # other keys are counted apart
    now[0] = 160.0
    assert limiter.charge("a") is None
    assert limiter.charge("a") == 10.0  # the charge at 110 is still in the window


def test_keys_whose_window_has_passed_are_forgotten() -> None:
    now = [0.0]
    limiter = RateLimiter(1, 1.0, clock=lambda: now[0])
    for i in range(10_001):
        limiter.charge(f"k{i}")
    now[0] = 5.0
    limiter.charge("fresh")
    assert limiter.charge("k0") is None and len(limiter._charges) <= 2
