"""The scheduler's decisions with a fake clock, and the real APScheduler firing them.

Catch-up and the next run time come from the cron trigger and the run history
at a time the test chooses; coalescing, overlap and SIGTERM run the real
BackgroundScheduler with a build that records what happened instead of
collecting, so no test waits for a minute to pass.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from collector.store import RunRecord, Store
from config.models import ScheduleConfig
from core.errors import ExitCode
from evidence import runs
from evidence.cli import cli
from evidence.schedule import (
    JOB_ID,
    ScheduleService,
    catch_up_due,
    cron_trigger,
    last_successful_start,
    next_fire_time,
    period,
)
from evidence.stopping import StopFlag

MADRID = ZoneInfo("Europe/Madrid")
NIGHTLY = cron_trigger(ScheduleConfig(cron="0 3 * * *", timezone="Europe/Madrid"))
YEARLY = cron_trigger(ScheduleConfig(cron="0 0 1 1 *"))  # never fires during a test


def at(text: str, zone: ZoneInfo = MADRID) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# -- catch-up and next run: pure, fake clock ---------------------------------------


@pytest.mark.parametrize(
    ("last_success", "now", "due"),
    [
        (None, "2025-03-10 12:00", True),  # never built: build now
        ("2025-03-10 03:00:01", "2025-03-10 12:00", False),  # last night's build ran
        ("2025-03-10 03:00:00", "2025-03-10 12:00", False),  # ... even started on the second
        ("2025-03-09 03:00:05", "2025-03-10 12:00", True),  # last night's was missed
        ("2025-03-09 03:00:05", "2025-03-10 02:59", False),  # tonight's is still to come
        ("2025-03-09 03:00:05", "2025-03-10 03:00", True),  # ... and now it is due
        ("2025-03-01 03:00:00", "2025-03-10 12:00", True),  # down for a week: one build
        ("2025-03-10 11:00:00", "2025-03-10 12:00", False),  # a manual build this morning
    ],
)
def test_catch_up_when_the_cron_fired_since_the_last_successful_build(
    last_success: str | None, now: str, due: bool
) -> None:
    last = at(last_success) if last_success else None
    assert catch_up_due(NIGHTLY, last, at(now)) is due


def test_catch_up_across_a_daylight_saving_change_and_time_zones() -> None:
    # 30 March 2025: Madrid skips 02:00-03:00; the 03:00 build still fires, once.
    assert next_fire_time(NIGHTLY, at("2025-03-30 00:00")) == at("2025-03-30 03:00")
    last_success_utc = datetime(2025, 3, 29, 2, 0, 5, tzinfo=UTC)  # 03:00:05 in Madrid
    assert not catch_up_due(NIGHTLY, last_success_utc, at("2025-03-30 02:59"))
    assert catch_up_due(NIGHTLY, last_success_utc, at("2025-03-30 03:00"))


def test_period_is_the_gap_between_the_next_two_firings() -> None:
    assert period(NIGHTLY, at("2025-06-01 12:00")) == timedelta(days=1)
    every_minute = cron_trigger(ScheduleConfig(cron="* * * * *"))
    assert period(every_minute, datetime(2025, 6, 1, tzinfo=UTC)) == timedelta(minutes=1)


def run(run_id: int, started: datetime, status: str, **summary: object) -> RunRecord:
    return RunRecord(
        id=run_id, started_at=started, finished_at=None, status=status, summary=dict(summary)
    )


def test_only_unsharded_complete_or_partial_runs_count_as_the_last_build() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    history = [  # newest first, as the store lists them
        run(6, now - timedelta(hours=1), "running"),
        run(5, now - timedelta(hours=2), "interrupted"),
        run(4, now - timedelta(hours=3), "failed"),
        run(3, now - timedelta(hours=4), "complete", shard="1/2"),
        run(2, now - timedelta(hours=5), "partial"),
        run(1, now - timedelta(hours=6), "complete"),
    ]
    assert last_successful_start(history) == now - timedelta(hours=5)
    assert last_successful_start(history[:4]) is None


# -- the service around the real scheduler ---------------------------------------------


def write_config(folder: Path, *, cron: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f'[site]\nowner = "Dana"\n\n[schedule]\ncron = "{cron}"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    return path


def record_run(config: Path, started: datetime, status: str = "complete") -> None:
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=config.parent) as store:
        run_id = store.start_run(started)
        store.finish_run(run_id, finished_at=started, status=status, summary={})


class RecordingRunner:
    """Stands in for the build: counts calls, overlaps and can hold a build open."""

    def __init__(self, body: Callable[[runs.RunOptions], ExitCode] | None = None) -> None:
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.started = threading.Event()
        self._lock = threading.Lock()
        self._body = body

    def __call__(self, _config: Path, options: runs.RunOptions) -> ExitCode:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        try:
            return self._body(options) if self._body else ExitCode.OK
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def services() -> Iterator[list[ScheduleService]]:
    started: list[ScheduleService] = []
    yield started
    for service in started:
        service.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_start_shows_the_next_run_and_builds_nothing_when_up_to_date(
    tmp_path: Path, services: list[ScheduleService], caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, cron="0 0 1 1 *")  # once a year: nothing fires meanwhile
    now = datetime.now(UTC)
    record_run(config, now - timedelta(minutes=1))
    runner = RecordingRunner()
    service = ScheduleService(config, clock=lambda: now, runner=runner)
    services.append(service)
    caplog.set_level(logging.INFO, logger="evidence.schedule")
    plan = service.start()
    assert not plan.catch_up
    expected = datetime(now.year + 1, 1, 1, tzinfo=UTC)
    assert service.next_run_time == expected
    assert f"next build at {expected:%Y-%m-%d %H:%M:%S} UTC" in caplog.text
    time.sleep(0.2)
    assert runner.calls == 0


def test_catch_up_builds_at_once_after_a_missed_night_then_waits_for_the_cron(
    tmp_path: Path, services: list[ScheduleService], caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, cron="0 3 * * *")
    now = datetime.now(UTC)
    record_run(config, now - timedelta(days=2))  # the service was down last night
    record_run(config, now - timedelta(hours=1), status="failed")  # and this does not count
    runner = RecordingRunner()
    service = ScheduleService(config, clock=lambda: now, runner=runner)
    services.append(service)
    caplog.set_level(logging.INFO, logger="evidence.schedule")
    assert service.start().catch_up
    assert "catching up: last successful build started" in caplog.text
    wait_until(lambda: runner.calls == 1 and runner.running == 0)
    wait_until(lambda: service.next_run_time != now)
    nightly_utc = cron_trigger(ScheduleConfig(cron="0 3 * * *"))
    assert service.next_run_time == next_fire_time(nightly_utc, datetime.now(UTC))
    assert service.exit_codes == [ExitCode.OK]


def four_years_ago() -> tuple[datetime, int]:
    """A moment four years back, and how many yearly firings have passed since."""
    real_now = datetime.now(UTC)
    then = real_now.replace(year=real_now.year - 4, month=6, day=1)
    missed, moment = 0, next_fire_time(YEARLY, then)
    while moment is not None and moment <= real_now:
        missed += 1
        moment = YEARLY.get_next_fire_time(moment, moment)
    return then, missed


@pytest.mark.parametrize("grace", [None, timedelta(days=3650)], ids=["one-period", "ten-years"])
def test_missed_firings_are_coalesced_into_one_build(
    tmp_path: Path,
    services: list[ScheduleService],
    caplog: pytest.LogCaptureFixture,
    grace: timedelta | None,
) -> None:
    """Four firings missed, by the fake clock: one build, whether or not the grace covers all."""
    config = write_config(tmp_path, cron="0 0 1 1 *")
    then, missed = four_years_ago()
    assert missed == 4  # what a scheduler without coalescing would run, given the grace
    runner = RecordingRunner()
    service = ScheduleService(config, clock=lambda: then, runner=runner, misfire_grace=grace)
    services.append(service)
    caplog.set_level(logging.INFO, logger="evidence.schedule")
    assert service.start().catch_up
    wait_until(lambda: runner.calls >= 1 and runner.running == 0)
    time.sleep(0.3)  # room for any extra run to show up
    assert runner.calls == 1
    assert "was missed" not in caplog.text
    assert service.next_run_time == datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC)


def test_a_firing_while_a_build_runs_is_skipped_not_overlapped(
    tmp_path: Path, services: list[ScheduleService], caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, cron="0 0 1 1 *")
    release = threading.Event()

    def long_build(_options: runs.RunOptions) -> ExitCode:
        release.wait(10)
        return ExitCode.OK

    runner = RecordingRunner(long_build)
    service = ScheduleService(config, runner=runner)
    services.append(service)
    caplog.set_level(logging.INFO, logger="evidence.schedule")
    service.start()  # no history: catches up at once
    assert runner.started.wait(10)
    service.scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))  # fire again now
    wait_until(lambda: "a firing was skipped: the previous build is still running" in caplog.text)
    release.set()
    wait_until(lambda: runner.running == 0)
    assert runner.calls == 1
    assert runner.most_at_once == 1


def test_sigterm_stops_a_running_build_between_pages_and_the_service_exits_0(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, cron="0 0 1 1 *")
    pages_after_stop: list[int] = []

    def paging_build(options: runs.RunOptions) -> ExitCode:
        assert options.should_stop is not None
        os.kill(os.getpid(), signal.SIGTERM)  # as `docker stop` or Kubernetes would
        for page in range(1000):
            time.sleep(0.005)  # one page
            if options.should_stop():
                pages_after_stop.append(page)
                return ExitCode.STOPPED
        return ExitCode.OK

    runner = RecordingRunner(paging_build)
    before = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    with StopFlag().on_signals() as stop:
        service = ScheduleService(config, stop=stop, runner=runner)
        code = service.serve()  # returns once the signal stopped it
    assert code is ExitCode.OK
    assert time.monotonic() - started < 10
    assert runner.calls == 1 and runner.running == 0
    assert service.exit_codes == [ExitCode.STOPPED]
    assert pages_after_stop and pages_after_stop[0] < 1000
    assert stop.reason == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


def test_run_once_returns_the_build_exit_code(tmp_path: Path) -> None:
    config = write_config(tmp_path, cron="0 3 * * *")
    service = ScheduleService(config, runner=RecordingRunner(lambda _: ExitCode.PARTIAL))
    assert service.run_once() is ExitCode.PARTIAL


def test_status_shows_when_the_scheduler_builds_next(tmp_path: Path) -> None:
    config = write_config(tmp_path, cron="0 0 1 1 *")
    result = CliRunner().invoke(cli, ["--config", str(config), "status"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    next_year = datetime.now(UTC).year + 1
    assert (
        f"Next scheduled build: {next_year}-01-01 00:00 UTC (cron '0 0 1 1 *', "
        "`evidence schedule`)" in result.stdout
    )
    as_json = CliRunner().invoke(
        cli, ["--config", str(config), "status", "--json"], catch_exceptions=False
    )
    assert json.loads(as_json.stdout)["next_scheduled_build"] == f"{next_year}-01-01T00:00:00+00:00"
