"""gradcore.expressions.scheduling: the formula line is fair across sessions, bounded, replaces a session's
waiting formula, cancels jobs nobody waits for, and gives light sessions an express lane.
Small fake jobs and a clock the tests set: no processes, no sleeps."""

import itertools
import statistics

import pytest

from gradcore.expressions.scheduling import (
    EXPRESS_CPU_SECONDS,
    FULL,
    REPLACED,
    Job,
    Schedule,
    formula_queue,
)

HEAVY_CPU_S = 0.35  # one attacker's formula (about what the slow max/min families cost)
LIGHT_CPU_S = 0.01  # a trivial formula
VICTIM_LIMIT_S = 0.5
BACKLOG_LIMIT_S = 2.0


def job(job_id, owner, arrived=0.0):
    return Job(job_id, owner, text=f"job {job_id}", arrived=arrived)


def served_heavy(schedule, owner, job_id, now=0.0):
    """Run one job of ``owner`` to completion at CPU cost HEAVY_CPU_S."""
    schedule.submit(job(job_id, owner, now), now)
    started = schedule.next(now)
    assert started.owner == owner
    schedule.finish(started.job_id, HEAVY_CPU_S, now)


def test_a_new_formula_from_a_session_replaces_its_waiting_one():
    """The older waiting job of the same owner is answered REPLACED; others stay."""
    schedule = Schedule(workers=1, max_queued=10)
    assert schedule.submit(job(1, "a"), 0.0) == []
    schedule.submit(job(2, "b"), 0.0)
    answers = schedule.submit(job(3, "a"), 0.0)
    assert [(j.job_id, why) for j, why in answers] == [(1, REPLACED)]
    assert [j.job_id for j in schedule.queued] == [2, 3]


def test_jobs_without_an_owner_replace_nothing():
    """Owner None (a notebook, a test) is not a session: its jobs all wait."""
    schedule = Schedule(workers=1, max_queued=10)
    for job_id in (1, 2, 3):
        assert schedule.submit(job(job_id, None), 0.0) == []
    assert len(schedule.queued) == 3


def test_a_cancelled_job_leaves_the_line_and_never_runs():
    """cancel() removes a waiting job; next() never hands it out; a running one is not
    cancelled (it finishes and its answer is cached)."""
    schedule = Schedule(workers=1, max_queued=10, express=0)
    schedule.submit(job(1, "a"), 0.0)
    schedule.submit(job(2, "b"), 0.0)
    assert schedule.next(0.0).job_id == 1
    assert schedule.cancel(2).job_id == 2
    assert schedule.cancel(1) is None  # running
    schedule.finish(1, 0.1, 1.0)
    assert schedule.next(1.0) is None and schedule.backlog() == 0


def test_a_full_line_refuses_a_newcomer_no_lighter_than_those_waiting():
    """With max_queued jobs waiting from sessions as light as the newcomer, it is refused."""
    schedule = Schedule(workers=1, max_queued=2)
    schedule.submit(job(1, "a"), 0.0)
    schedule.submit(job(2, "b"), 0.0)
    answers = schedule.submit(job(3, "c"), 0.0)
    assert [(j.job_id, why) for j, why in answers] == [(3, FULL)]
    assert [j.job_id for j in schedule.queued] == [1, 2]


def test_a_full_line_makes_room_for_a_lighter_session():
    """A newcomer that used less CPU takes the place of the heaviest session's waiting job."""
    schedule = Schedule(workers=1, max_queued=2, express=0)
    served_heavy(schedule, "heavy", 1)
    schedule.submit(job(2, "heavy"), 0.0)
    schedule.submit(job(3, "light"), 0.0)
    answers = schedule.submit(job(4, "new"), 0.0)
    assert [(j.job_id, why) for j, why in answers] == [(2, FULL)]
    assert sorted(j.job_id for j in schedule.queued) == [3, 4]


def test_the_lightest_waiting_session_goes_first():
    """Among waiting jobs, the one whose session used the least CPU recently starts first,
    whatever the order they came in."""
    schedule = Schedule(workers=1, max_queued=30, express=0)
    for k in range(20):
        served_heavy(schedule, f"attacker-{k}", 100 + k)
    for k in range(20):
        schedule.submit(job(k, f"attacker-{k}", arrived=0.1), 0.1)
    schedule.submit(job(99, "victim", arrived=0.2), 0.2)
    assert schedule.next(0.2).owner == "victim"


def test_usage_halves_every_half_life_and_asking_costs_a_little():
    """A session's CPU (its jobs', plus ASK_CPU_SECONDS per job put in line) is forgotten
    gradually: half after HALF_LIFE_SECONDS."""
    from gradcore.expressions.scheduling import ASK_CPU_SECONDS, HALF_LIFE_SECONDS

    schedule = Schedule(workers=1, max_queued=4)
    served_heavy(schedule, "a", 1)
    assert schedule.usage("a", HALF_LIFE_SECONDS) == \
        pytest.approx((HEAVY_CPU_S + ASK_CPU_SECONDS) / 2, rel=1e-9)


def test_a_session_runs_one_job_at_a_time():
    """A session's second job waits while its first runs, even with a worker free."""
    schedule = Schedule(workers=2, max_queued=10, express=0)
    schedule.submit(job(1, None), 0.0)
    schedule.submit(job(2, "a"), 0.0)
    assert {schedule.next(0.0).job_id, schedule.next(0.0).job_id} == {1, 2}
    schedule.finish(1, 0.01, 0.0)
    schedule.submit(job(3, "a"), 0.0)
    assert schedule.next(0.0) is None
    schedule.finish(2, 0.01, 0.0)
    assert schedule.next(0.0).job_id == 3


def test_the_express_lane_is_for_light_sessions_only():
    """With every regular slot busy, a session whose last job was light gets an express slot;
    one whose last job was heavy, or a new one, waits for a regular one."""
    schedule = Schedule(workers=1, max_queued=10, express=1)
    served_heavy(schedule, "heavy", 1)
    schedule.submit(job(2, "light"), 0.0)
    schedule.finish(schedule.next(0.0).job_id, EXPRESS_CPU_SECONDS / 2, 0.0)
    schedule.submit(job(3, "other"), 0.0)
    assert schedule.next(0.0).lane == "regular"
    for job_id, owner in [(4, "heavy"), (5, "new")]:
        schedule.submit(job(job_id, owner), 0.0)
    assert schedule.next(0.0) is None
    schedule.submit(job(6, "light"), 0.0)
    started = schedule.next(0.0)
    assert (started.job_id, started.lane) == (6, "express")


def test_every_table_of_sessions_is_bounded(monkeypatch):
    """The usage and last-job tables forget the least recently seen sessions first."""
    from gradcore import scheduling

    monkeypatch.setattr(scheduling, "MAX_OWNERS", 3)
    schedule = Schedule(workers=1, max_queued=4)
    for k in range(5):
        served_heavy(schedule, f"s{k}", k)
    assert set(schedule._usage) == {"s2", "s3", "s4"} and len(schedule._last_cpu) == 3


def simulate(attackers: int = 20, attack_s: float = 20.0, after_s: float = 5.0,
             step_s: float = 0.005):
    """Attackers each keep one heavy job in the system (a refused one retries 50 ms later);
    a victim, whose earlier formulas were light, sends a light job every 0.25 s from t = 1 s. Two workers, two express slots,
    each job taking its CPU cost in wall time. Returns (victim latencies, victim refusals,
    seconds after the attack until nothing waits or runs, jobs served per attacker). The line
    holds what ``formula_queue`` allows two workers by default."""
    schedule = Schedule(workers=2, max_queued=formula_queue(2))
    ids = itertools.count(1)
    cost, left, submitted = {}, {}, {}
    ready = {f"attacker-{k}": 0.0 for k in range(attackers)}
    holding, served = set(), dict.fromkeys(ready, 0)
    latencies, refused, cleared = [], 0, None
    schedule.submit(job(0, "victim"), 0.0)  # the victim had used the page before the attack
    schedule.finish(schedule.next(0.0).job_id, LIGHT_CPU_S, 0.0)
    victim_next, t = 1.0, 0.0
    while t < attack_s + after_s:
        arrivals = []
        if t < attack_s:
            arrivals += [(o, HEAVY_CPU_S) for o, r in ready.items() if o not in holding and t >= r]
        if t >= victim_next:
            arrivals.append(("victim", LIGHT_CPU_S))
            victim_next += 0.25
        for owner, cpu in arrivals:
            new = job(next(ids), owner, t)
            cost[new.job_id], submitted[new.job_id] = cpu, t
            holding.add(owner)
            for answered, _why in schedule.submit(new, t):
                holding.discard(answered.owner)
                if answered.owner == "victim":
                    refused += 1
                else:
                    ready[answered.owner] = t + 0.05
        while (started := schedule.next(t)) is not None:
            left[started.job_id] = cost[started.job_id]
        t += step_s
        for job_id in list(left):
            left[job_id] -= step_s
            if left[job_id] <= 1e-12:
                del left[job_id]
                done = schedule.finish(job_id, cost[job_id], t)
                holding.discard(done.owner)
                if done.owner == "victim":
                    latencies.append(t - submitted[job_id])
                else:
                    served[done.owner] += 1
                    ready[done.owner] = t
        if t >= attack_s and cleared is None and schedule.backlog() == 0:
            cleared = t - attack_s
    return latencies, refused, cleared, served


def test_twenty_attacking_sessions_cannot_starve_a_twenty_first():
    """While 20 sessions keep heavy formulas coming, a light session's formulas all start at
    once (p95 within 0.5 s, none refused), the backlog is gone within 2 s of the attack
    stopping, and every attacker is still served."""
    latencies, refused, cleared, served = simulate()
    assert refused == 0
    assert len(latencies) > 70
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 <= VICTIM_LIMIT_S, p95
    assert cleared is not None and cleared <= BACKLOG_LIMIT_S, cleared
    assert min(served.values()) >= 3, served
