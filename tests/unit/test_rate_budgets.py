"""Rate-limit budgets taken from Redis in slices: exact for small limits, never past the
limit with several processes, few round trips for busy clients."""
import fakeredis
from limits import parse

from backend.rate_budgets import RateBudgets


class Clock:
    def __init__(self, now: float = 1_800_000_020.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def admitted(budgets: RateBudgets, item, who: str, tries: int) -> int:
    return sum(budgets.take(item, "api", who) is None for _ in range(tries))


def test_a_small_limit_is_counted_exactly_and_per_client():
    r, clock = fakeredis.FakeRedis(), Clock()
    budgets, item = RateBudgets(r, clock=clock), parse("3/minute")
    assert [budgets.take(item, "api", "ip:a") for _ in range(3)] == [None] * 3
    wait = budgets.take(item, "api", "ip:a")
    assert wait == 40.0  # the window (aligned to the minute) ends 40 s later
    assert budgets.take(item, "api", "ip:b") is None  # another client has its own
    clock.now += 40
    assert budgets.take(item, "api", "ip:a") is None  # a new window


def test_a_busy_client_costs_one_round_trip_per_slice():
    r, clock = fakeredis.FakeRedis(), Clock()
    budgets, item = RateBudgets(r, share=0.02, clock=clock), parse("1000/minute")
    assert budgets.slice_size(item) == 20
    assert admitted(budgets, item, "ip:a", 20) == 20
    [key] = r.keys("ratelimit:*")
    assert int(r.get(key)) == 20  # one reservation so far
    assert r.expiretime(key) == 1_800_000_061  # gone a second after its window
    assert admitted(budgets, item, "ip:a", 1) == 1
    assert int(r.get(key)) == 40


def test_several_processes_never_admit_past_the_limit():
    r, clock = fakeredis.FakeRedis(), Clock()
    item = parse("100/minute")
    processes = [RateBudgets(r, share=0.1, clock=clock) for _ in range(3)]
    total = sum(admitted(processes[i % 3], item, "ip:a", 1) for i in range(400))
    # Each process may hold back at most one unspent slice (10) of the client's budget.
    assert 100 - 3 * 10 <= total <= 100
    assert all(p.take(item, "api", "ip:a") is not None for p in processes)


def test_share_zero_takes_one_request_at_a_time():
    r, clock = fakeredis.FakeRedis(), Clock()
    a, b = (RateBudgets(r, share=0, clock=clock) for _ in range(2))
    item = parse("10000/minute")
    assert a.slice_size(item) == 1
    for _ in range(5):
        a.take(item, "api", "ip:a")
        b.take(item, "api", "ip:a")
    [key] = r.keys("ratelimit:*")
    assert int(r.get(key)) == 10
