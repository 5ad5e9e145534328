import pytest

from core.api.ratelimit import Rate, hit, peek_count


def test_rate_parses_count_and_seconds():
    assert Rate.parse("100/900") == Rate(limit=100, window=900)
    assert Rate.parse("5/60").policy == "5;w=60"
    with pytest.raises(ValueError, match="two positive integers"):
        Rate.parse("0/60")


def test_allows_up_to_the_limit_then_refuses_with_retry_after():
    rate = Rate(limit=3, window=60)
    decisions = [hit("t", "ip-1", rate, now=1200.0) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after == 60
    assert decisions[-1].headers() == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
        "RateLimit-Policy": "3;w=60",
        "Retry-After": "60",
    }


def test_callers_are_counted_apart():
    rate = Rate(limit=1, window=60)
    assert hit("t", "a", rate, now=600.0).allowed
    assert hit("t", "b", rate, now=600.0).allowed
    assert not hit("t", "a", rate, now=600.0).allowed


def test_previous_window_weighs_in_proportion_to_overlap():
    rate = Rate(limit=10, window=60)
    for _ in range(10):
        hit("t", "x", rate, now=60.0)  # fills window 1
    # 45 s into window 2 a quarter of window 1 still counts: 2.5 used + 1 -> allowed
    decision = hit("t", "x", rate, now=165.0)
    assert decision.allowed
    assert decision.remaining == 6
    # 15 s into window 2 three quarters still count: 7.5 + 3 = 10.5 > 10 on the third hit
    other = [hit("t", "y", rate, now=60.0) for _ in range(10)]
    assert all(d.allowed for d in other)
    results = [hit("t", "y", rate, now=135.0).allowed for _ in range(3)]
    assert results == [True, True, False]


def test_refused_requests_are_still_counted():
    rate = Rate(limit=1, window=60)
    for _ in range(5):
        hit("t", "z", rate, now=60.0)
    assert peek_count("t", "z", rate, now=60.0) == 5
