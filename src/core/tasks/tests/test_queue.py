"""The task queue: back-off, after-commit enqueueing, periodic jobs and the claiming scheduler."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import override_settings
from huey import MemoryHuey
from huey.api import crontab

from core.tasks.models import SchedulerTick
from core.tasks.queue import RETRY_BACKOFF, background, enqueue_on_commit, huey
from core.tasks.schedule import REGISTERED, PeriodicJob, parse_cron, periodic_jobs
from core.tasks.services import queue_state, scheduler_ticks_prune
from core.tasks.worker import ClaimingScheduler, PlatformConsumer, claim_minute

CALLS: list[str] = []


@background(retries=3, retry_delay=10, name="tests.flaky")
def flaky(label: str, failures: int) -> str:
    CALLS.append(label)
    if CALLS.count(label) <= failures:
        raise ConnectionError(f"{label} failed")
    return f"{label} done"


@pytest.fixture(autouse=True)
def _fresh_queue():
    CALLS.clear()
    huey.flush()
    yield
    huey.flush()


def test_a_failing_task_is_retried_with_doubling_delays():
    flaky("job", 2)  # inline: the first run fails and a retry is scheduled

    first = huey.scheduled()
    assert [(t.name, t.retries, t.retry_delay) for t in first] == [("tests.flaky", 2, 20)]
    assert CALLS == ["job"]

    huey.storage.flush_schedule()
    huey.execute(first[0], first[0].eta)  # the retry fails again: the next waits twice as long
    second = huey.scheduled()
    assert [(t.retries, t.retry_delay) for t in second] == [(1, 20 * RETRY_BACKOFF)]

    huey.storage.flush_schedule()
    assert huey.execute(second[0], second[0].eta) == "job done"
    assert CALLS == ["job", "job", "job"]
    assert huey.scheduled() == []


def test_the_first_retry_waits_the_base_delay():
    before = datetime.now(UTC).replace(tzinfo=None)  # Huey keeps naive UTC etas
    flaky("slow", 5)
    task = huey.scheduled()[0]
    wait = (task.eta - before).total_seconds()
    assert 10 <= wait < 11
    assert task.retry_delay == 10 * RETRY_BACKOFF  # the one after waits 20 s


def test_a_task_that_keeps_failing_stops_after_its_retries():
    flaky("doomed", 99)
    for _ in range(3):
        task = huey.scheduled()[0]
        huey.storage.flush_schedule()
        huey.execute(task, task.eta)
    assert CALLS == ["doomed"] * 4
    assert huey.scheduled() == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_runs_after_commit_and_never_after_a_rollback():
    with transaction.atomic():
        enqueue_on_commit(flaky, "committed", 0)
        assert CALLS == []
    assert CALLS == ["committed"]

    with transaction.atomic():
        enqueue_on_commit(flaky, "rolled-back", 0)
        transaction.set_rollback(True)
    assert CALLS == ["committed"]


def test_periodic_jobs_come_from_the_one_declared_list():
    jobs = periodic_jobs()
    assert [(job.name, job.cron, job.target) for job in jobs][:3] == [
        ("sweep-devices", "* * * * *", "command:sweep_devices"),
        ("enforce-credit-rules", "* * * * *", "command:enforce_credit_rules"),
        ("bill-month-end", "10 18 * * *", "command:bill_month_end"),
    ]
    assert {name: wrapper.name for name, wrapper in REGISTERED.items()} == {
        job.name: f"periodic:{job.name}" for job in jobs
    }


@override_settings(PERIODIC_TASKS=[("a", "* * * * *", "x.y"), ("a", "0 * * * *", "x.z")])
def test_a_repeated_job_name_is_refused():
    with pytest.raises(ValueError, match="PERIODIC_TASKS names repeat: a"):
        periodic_jobs()


def test_a_cron_needs_five_fields():
    with pytest.raises(ValueError, match="needs 5 fields, has 2"):
        parse_cron("* *")
    hourly = parse_cron("15 * * * *")
    assert hourly(datetime(2026, 11, 21, 8, 15)) is True  # noqa: DTZ001 - Huey passes naive UTC
    assert hourly(datetime(2026, 11, 21, 8, 16)) is False  # noqa: DTZ001


@pytest.mark.django_db
def test_a_command_job_runs_its_management_command(monkeypatch):
    ran: list[tuple[str, int]] = []
    monkeypatch.setattr(
        "core.tasks.schedule.call_command", lambda name, verbosity: ran.append((name, verbosity))
    )
    PeriodicJob("sweep", "* * * * *", "command:sweep_devices").runner()()
    assert ran == [("sweep_devices", 0)]


@pytest.mark.django_db
def test_a_function_job_imports_and_calls_its_target():
    SchedulerTick.objects.create(minute=datetime(2020, 1, 1, tzinfo=UTC), holder="old")
    PeriodicJob("prune", "* * * * *", "core.tasks.services.scheduler_ticks_prune").runner()()
    assert SchedulerTick.objects.count() == 0


@pytest.mark.django_db
def test_each_minute_is_claimed_once():
    minute = datetime(2026, 11, 21, 8, 15, 42, tzinfo=UTC)
    assert claim_minute(minute, "worker-a") is True
    assert claim_minute(minute.replace(second=3), "worker-b") is False
    assert claim_minute(minute.replace(minute=16), "worker-b") is True
    assert list(SchedulerTick.objects.order_by("minute").values_list("holder", flat=True)) == [
        "worker-a",
        "worker-b",
    ]


def _scheduler(queue: MemoryHuey, holder: str) -> ClaimingScheduler:
    scheduler = ClaimingScheduler(queue, threading.Event(), interval=1, periodic=True)
    scheduler.holder = holder
    return scheduler


@pytest.mark.django_db(transaction=True)  # the scheduler closes stale connections, as a thread does
def test_two_schedulers_enqueue_a_minutes_periodic_jobs_once():
    queue = MemoryHuey("scheduler-test", utc=True)
    queue.periodic_task(crontab(minute="*"), name="every-minute")(lambda: None)
    queue.periodic_task(crontab(minute="0"), name="on-the-hour")(lambda: None)
    now = datetime(2026, 11, 21, 9, 0, 5)  # noqa: DTZ001 - Huey's UTC timestamps are naive

    _scheduler(queue, "worker-a").enqueue_periodic_tasks(now)
    _scheduler(queue, "worker-b").enqueue_periodic_tasks(now)

    assert sorted(task.name for task in queue.pending()) == ["every-minute", "on-the-hour"]
    tick = SchedulerTick.objects.get()
    assert (tick.holder, tick.enqueued) == ("worker-a", 2)

    # The next minute goes to whoever is first, here the other worker.
    _scheduler(queue, "worker-b").enqueue_periodic_tasks(now.replace(minute=1))
    assert [task.name for task in queue.pending()].count("every-minute") == 2
    assert SchedulerTick.objects.get(minute__minute=1).holder == "worker-b"


@pytest.mark.django_db(transaction=True)
def test_the_consumer_runs_tasks_on_its_threads(tmp_path):
    from huey import SqliteHuey

    queue = SqliteHuey("consumer-test", filename=str(tmp_path / "q.sqlite3"))
    done = threading.Event()
    results: list[int] = []

    @queue.task()
    def add(a: int, b: int) -> None:
        results.append(a + b)
        done.set()

    consumer = PlatformConsumer(queue, holder="test-worker", workers=2, periodic=False)
    consumer.start()  # off the main thread's signal handlers: what the embedded serve does
    try:
        add(2, 3)
        assert done.wait(10)
    finally:
        consumer.stop(graceful=True)
    assert results == [5]


@pytest.mark.django_db
def test_queue_state_reports_the_inline_queue_and_the_last_claimed_minute():
    assert queue_state().backend == "inline"
    assert queue_state().last_tick_age is None
    claim_minute(datetime.now(UTC), "worker-a")
    state = queue_state()
    assert (state.pending, state.scheduled) == (0, 0)
    assert state.last_tick_age is not None
    assert 0 <= state.last_tick_age < 5


@pytest.mark.django_db
def test_old_claimed_minutes_are_pruned():
    now = datetime.now(UTC)
    SchedulerTick.objects.create(minute=datetime(2020, 1, 1, tzinfo=UTC), holder="a")
    SchedulerTick.objects.create(minute=now.replace(second=0, microsecond=0), holder="b")
    assert scheduler_ticks_prune() == 1
    assert list(SchedulerTick.objects.values_list("holder", flat=True)) == ["b"]
