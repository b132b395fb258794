"""`evidence schedule`: an always-on process that runs the build on the config's cron.

APScheduler 3 fires the job; everything a build does goes through
``evidence.runs`` (the same locks, shard and stop handling as `evidence build`).
The rules, and why:

- One build at a time in this process (``max_instances=1``), and across
  processes by the store's lock: a firing that finds a manual build or a second
  replica busy waits ``--wait`` seconds, then skips with one line (exit 7 for
  that run) — the other process is doing the same work.
- Late firings are coalesced into one run, allowed up to one cron period late
  (a laptop waking from sleep at 09:00 still gets the 03:00 build, once).
- Catch-up at start: if no successful build started since the last time the
  cron should have fired, one runs at once, so a restart or an outage never
  silently skips a night.
- SIGTERM/SIGINT set a stop flag that the running build reads between pages;
  the process exits once it has stopped.
- The config is re-read for every build, so edits to sources or systems apply
  from the next run; the cron and time zone are read at start (restart to change).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from collector.store import RunRecord, Store
from config.loader import LoadedConfig, load_config
from config.models import ScheduleConfig
from core import logs
from core.errors import EvidenceError, ExitCode, StopRequested, StoreBusy
from evidence import runs
from evidence.pipeline import Clock, utc_now
from evidence.stopping import StopFlag

log = logging.getLogger(__name__)

JOB_ID = "build"
SUCCESSFUL = frozenset({"complete", "partial"})  # a partial build still collected and rendered
_RUNS_SEARCHED = 50  # enough history to find the last success behind a bad week
BuildRunner = Callable[[Path, runs.RunOptions], ExitCode]


def cron_trigger(schedule: ScheduleConfig) -> CronTrigger:
    """The config's cron expression in its time zone (validated when the config loads)."""
    return CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone))


def next_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first time at or after ``now`` the cron fires."""
    fire: datetime | None = trigger.get_next_fire_time(None, now)
    return fire


def period(trigger: CronTrigger, now: datetime) -> timedelta:
    """Time between the cron's next two firings: how late a coalesced run may still start."""
    first = next_fire_time(trigger, now)
    second = trigger.get_next_fire_time(first, first) if first else None
    return (second - first) if first and second else timedelta(days=1)


def catch_up_due(trigger: CronTrigger, last_success: datetime | None, now: datetime) -> bool:
    """True when the cron fired (or should have) since the last successful build started."""
    if last_success is None:
        return True
    # previous_fire_time=last_success: the first firing strictly after that start.
    missed: datetime | None = trigger.get_next_fire_time(last_success, last_success)
    return missed is not None and missed <= now


def last_successful_start(history: list[RunRecord]) -> datetime | None:
    """When the newest successful unsharded build started (shards cover only a part)."""
    for run in history:  # newest first
        if run.status in SUCCESSFUL and "shard" not in run.summary:
            return run.started_at
    return None


def run_build(config_path: Path, options: runs.RunOptions) -> ExitCode:
    """One scheduled build, start to finish, as log lines; never raises."""
    started = time.monotonic()
    with logs.run_context():
        log.info("build started")
        try:
            code = _build(load_config(config_path), options)
        except StopRequested as exc:
            log.warning("%s", exc)
            code = exc.exit_code
        except StoreBusy as exc:
            # Another build (manual, or a second replica) is doing this work right now.
            log.warning("skipped: %s", exc)
            code = exc.exit_code
        except EvidenceError as exc:
            for line in exc.lines():
                log.error("%s", line)
            code = exc.exit_code
        except Exception:
            log.exception("build failed unexpectedly; this is a bug, please report it")
            code = ExitCode.FAILURE
        log.info(
            "build finished: exit %d (%s) in %.1f s",
            code,
            code.name.lower(),
            time.monotonic() - started,
        )
    return code


def _build(loaded: LoadedConfig, options: runs.RunOptions) -> ExitCode:
    report = runs.collect(loaded, options)
    for source in report.sources:
        log.info("%s", runs.summary_line(source))
        for line in source.warnings:
            log.warning("%s", line)
        # source.errors need no line here: the collector logged each as it happened,
        # with its source and repository.
    rendered = runs.render_after_collecting(loaded, options)
    if rendered is not None:
        log.info(
            "site written to %s: %d pages, %d unchanged, %d removed",
            rendered.output_dir,
            rendered.pages_written,
            rendered.files_unchanged,
            rendered.files_removed,
        )
    return report.exit_code


@dataclass(frozen=True, slots=True)
class Plan:
    """What the service decided at start."""

    trigger: CronTrigger
    timezone: ZoneInfo
    catch_up: bool
    last_success: datetime | None


class ScheduleService:
    """The scheduler around ``run_build``. ``start`` then ``stop``, or ``serve`` for both."""

    def __init__(
        self,
        config_path: Path,
        *,
        wait: float = 0.0,
        stop: StopFlag | None = None,
        clock: Clock = utc_now,
        runner: BuildRunner = run_build,
        misfire_grace: timedelta | None = None,
    ) -> None:
        """``misfire_grace``: how late a firing may still run (default: one cron period)."""
        self.config_path = config_path
        self.stop_flag = stop or StopFlag()
        self.options = runs.RunOptions(
            purpose="scheduled build", wait=wait, should_stop=self.stop_flag
        )
        self._clock = clock
        self._runner = runner
        self._misfire_grace = misfire_grace
        self._scheduler: Any = None
        self.exit_codes: list[ExitCode] = []  # of the builds run so far, oldest first

    def plan(self, loaded: LoadedConfig) -> Plan:
        schedule = loaded.config.schedule
        trigger = cron_trigger(schedule)
        last_success = self._last_success(loaded)
        now = self._clock()
        return Plan(
            trigger=trigger,
            timezone=ZoneInfo(schedule.timezone),
            catch_up=catch_up_due(trigger, last_success, now),
            last_success=last_success,
        )

    def start(self) -> Plan:
        """Read the config, decide on catch-up, and start firing. Returns at once."""
        loaded = load_config(self.config_path)  # a broken config stops the service here
        plan = self.plan(loaded)
        now = self._clock()
        grace = self._misfire_grace or period(plan.trigger, now)
        scheduler = BackgroundScheduler(timezone=plan.timezone)
        job_options: dict[str, Any] = {}
        if plan.catch_up:
            job_options["next_run_time"] = now
        scheduler.add_job(
            self._run,
            plan.trigger,
            id=JOB_ID,
            name="evidence build",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(int(grace.total_seconds()), 1),
            **job_options,
        )
        scheduler.add_listener(
            self._after_run, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        schedule = loaded.config.schedule
        log.info(
            "scheduled: cron %r in %s; %s",
            schedule.cron,
            schedule.timezone,
            self._describe_catch_up(plan),
        )
        first = now if plan.catch_up else next_fire_time(plan.trigger, now)
        log.info("next build at %s", _when(first.astimezone(plan.timezone) if first else None))
        scheduler.start()
        self._scheduler = scheduler
        return plan

    @property
    def scheduler(self) -> Any:
        """The running APScheduler ``BackgroundScheduler`` (None before start and after stop)."""
        return self._scheduler

    @property
    def next_run_time(self) -> datetime | None:
        """When the scheduler will next start a build (None once stopped)."""
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    def stop(self) -> None:
        """Stop firing; a build in progress ends after its current page, then this returns."""
        self.stop_flag.request("stop")
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self._scheduler = None

    def serve(self) -> ExitCode:
        """Run until SIGTERM/SIGINT (via the stop flag); exit 0 after a clean stop."""
        self.start()
        try:
            while not self.stop_flag.wait(1.0):  # a timed wait wakes for signal handlers
                pass
        finally:
            log.info("stopping: waiting for a build in progress to reach the end of a page")
            self.stop()
        log.info("stopped")
        return ExitCode.OK

    def run_once(self) -> ExitCode:
        return self._run()

    def _run(self) -> ExitCode:
        code = self._runner(self.config_path, self.options)
        self.exit_codes.append(code)
        return code

    def _after_run(self, event: Any) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("a firing was skipped: the previous build is still running")
        elif event.code == EVENT_JOB_MISSED:
            log.warning("a firing was missed by more than one period; waiting for the next one")
        if not self.stop_flag():
            log.info("next build at %s", _when(self.next_run_time))

    def _last_success(self, loaded: LoadedConfig) -> datetime | None:
        try:
            with Store.open(loaded.config.store.url, base_dir=loaded.base_dir) as store:
                return last_successful_start(store.last_runs(_RUNS_SEARCHED))
        except EvidenceError as exc:
            # The build will meet (and report) the same problem; do not lose the night.
            log.warning("cannot read the run history (%s); building now", exc)
            return None

    def _describe_catch_up(self, plan: Plan) -> str:
        if not plan.catch_up:
            return f"last successful build started {_when(plan.last_success)}"
        if plan.last_success is None:
            return "no successful build on record: building now"
        return f"catching up: last successful build started {_when(plan.last_success)}"


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
