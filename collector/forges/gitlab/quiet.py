"""Which of a project's lists a GitLab night may leave unasked, and why that is safe.

GitLab charges every request, a 304 as much as a 200, so a night without
changes would still cost one request per list and project. Instead a project's
own list is asked only when something free or shared says it may have changed:

Merge requests and incidents of projects listed through a group
    One group-level list of each (``/groups/:id/merge_requests`` and
    ``/groups/:id/issues?issue_type=incident``, updated in the last
    ``GROUP_LOOKBACK``) covers every project of the group and its subgroups. A
    project's own list is asked only when the group's names one of its items
    updated since that list was last read (less ``OVERLAP``). Any change to a
    merge request or incident (a label, a title, a push, merging) moves its
    ``updated_at``, so a group's projects miss nothing; the project's list is
    then marked read as of tonight without a request.
Every other list
    Asked only after activity: when the project's ``last_activity_at`` (in the
    project listing, free) is no earlier than ``ACTIVITY_LAG`` before the list was
    last read. GitLab writes it on events (pushes; merge requests and issues
    opened, merged, closed or reopened) and at most once an hour; label and
    title edits, tags and releases made in the web UI or API, pipelines and
    deployments write none (gitlab-org/gitlab#505462, #581897).
Deployments, deploy pipelines
    Deployments are also asked every night where some are stored (a scheduled
    pipeline deploys without any activity), deploy pipelines whenever tonight's
    deployments brought something.
The full read
    On a project's night, one in every ``full_read_nights`` by project id (the
    schedule of ``collector.forges.gitlab.deletions``), every list is asked as if
    nothing were known.

Guarantee: every change is collected the next night, except those no marker
above shows (a label or title edited on a merge request or incident of a
user's project or one named by path, a tag or release made or edited in the web
UI or API, a deploy job without an environment run by a schedule in a project
with no stored deployment), which are collected on the project's next full
read: within ``full_read_nights`` nightly runs.

"Last read" is the forge's own clock, never this machine's: each complete
reading of a list is stamped into its cursor's marker with the ``Date`` of the
run's first answer (before any list was read, so the stamp is early, never
late). A reading resumed from an earlier run gets no stamp, and is asked again
the next night.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from collector.forges.gitlab import deletions
from collector.model.incremental import Cursor, SyncPage, SyncState
from collector.model.records import Kind

# GitLab writes last_activity_at only when the stored value is an hour old; a
# quarter of an hour more for the clocks of its application and database nodes.
ACTIVITY_LAG = timedelta(hours=1, minutes=15)
# How far back the group-level lists reach: a night or two missed is still covered.
GROUP_LOOKBACK = timedelta(days=3)
# A change committed just before a list was read may carry an earlier updated_at.
OVERLAP = timedelta(minutes=5)
_STAMP = "read@"  # a stamped marker: "read@<forge time>|<the list's own marker>"

# The kinds a group-level list covers; the others follow the project's activity.
GROUP_COVERED = frozenset({Kind.MERGE_REQUEST, Kind.INCIDENT})

# group_changes(group, kind, since): project id -> newest updated_at that group's list
# names for ``kind`` since ``since``; None when the list could not be read.
GroupChanges = Callable[[str, Kind, datetime], dict[int, datetime] | None]


@dataclass(frozen=True, slots=True)
class Stamped:
    """A cursor's marker split into the forge time of its reading and the list's own part."""

    read_at: datetime | None
    inner: str | None


def unstamp(marker: str | None) -> Stamped:
    if marker is None or not marker.startswith(_STAMP) or "|" not in marker:
        return Stamped(None, marker)  # never stamped (a reading before quiet nights)
    moment, _, inner = marker.removeprefix(_STAMP).partition("|")
    try:
        read_at = datetime.fromisoformat(moment)
    except ValueError:
        return Stamped(None, inner or None)
    return Stamped(read_at, inner or None)


def stamp(inner: str | None, read_at: datetime) -> str:
    return f"{_STAMP}{read_at.isoformat()}|{inner or ''}"


class Decision(enum.Enum):
    READ = "read"  # ask the list as usual
    CONFIRM = "confirm"  # a group list proves it unchanged: mark it read, no request
    SKIP = "skip"  # nothing can have changed that a night must see: no request, no write


@dataclass(frozen=True, slots=True)
class Project:
    """What the listing said about one project that tonight's decisions need."""

    id: int
    activity: datetime | None  # last_activity_at
    group: str | None  # the configured group it was listed through, if any


class QuietNight:
    """Tonight's decisions for one GitLab source: which lists to ask."""

    def __init__(self, full_read_nights: int, group_changes: GroupChanges) -> None:
        """``full_read_nights``: 0 asks every list every night (no quiet night)."""
        self._nights = full_read_nights
        self._group_changes = group_changes
        self._forge_now: datetime | None = None
        self._projects: dict[str, Project] = {}
        self._lists: dict[tuple[str, Kind], dict[int, datetime] | None] = {}
        self._deployed: set[str] = set()  # projects whose deployments brought news tonight

    def start(self) -> None:
        """A new night: nothing listed, no clock yet."""
        self._forge_now = None
        self._projects.clear()
        self._lists.clear()
        self._deployed.clear()

    def clock(self, forge_now: datetime | None) -> None:
        """The forge's ``Date`` from the night's first answer, before any list was read."""
        if self._forge_now is None:
            self._forge_now = forge_now

    def listed(self, key: str, project: Project) -> None:
        self._projects[key] = project

    def deployments_read(self, key: str) -> None:
        self._deployed.add(key)

    def decide(self, key: str, kind: Kind, state: SyncState, *, deploys: bool) -> Decision:
        """Whether to ask this list tonight; ``deploys``: the project has stored deployments."""
        project, forge_now, cursor = self._projects.get(key), self._forge_now, state.cursor
        read_at = unstamp(cursor.marker).read_at
        if self._nights <= 0 or forge_now is None or project is None or read_at is None:
            return Decision.READ
        if not cursor.complete or cursor.failures or self.full_read(project.id, state.now.date()):
            return Decision.READ
        if kind in GROUP_COVERED and project.group is not None:
            return self._by_group(project, kind, read_at, forge_now)
        if project.activity is None or project.activity >= read_at - ACTIVITY_LAG:
            return Decision.READ
        if (kind is Kind.DEPLOYMENT and deploys) or (
            kind is Kind.PIPELINE and key in self._deployed
        ):
            return Decision.READ
        return Decision.SKIP

    def full_read(self, project_id: int, day: date) -> bool:
        return deletions.due(project_id, day, self._nights)

    def stamped(self, pages: Iterator[SyncPage], state: SyncState) -> Iterator[SyncPage]:
        """``pages`` with each completed cursor stamped with tonight's forge time.

        Not when the reading resumed a pass an earlier run started: what changed
        before tonight above that pass's start was not read, so no stamp.
        """
        read_at = self._forge_now if state.cursor.current is None else None
        if self._nights <= 0:
            read_at = None  # no quiet nights: markers stay as the lists set them
        for page in pages:
            cursor = page.cursor
            if cursor.complete and read_at is not None:
                page = replace(page, cursor=replace(cursor, marker=stamp(cursor.marker, read_at)))
            yield page

    def confirmed(self, state: SyncState) -> Iterator[SyncPage]:
        """The page for a list a group list proved unchanged: read as of tonight."""
        cursor: Cursor = replace(state.cursor, current=None, completed_at=state.now)
        return self.stamped(iter((SyncPage(items=(), cursor=cursor),)), state)

    def _by_group(
        self, project: Project, kind: Kind, read_at: datetime, forge_now: datetime
    ) -> Decision:
        assert project.group is not None
        since = forge_now - GROUP_LOOKBACK
        if read_at - OVERLAP < since:
            return Decision.READ  # read before the group list's reach: it cannot tell
        if (project.group, kind) not in self._lists:
            self._lists[project.group, kind] = self._group_changes(project.group, kind, since)
        changes = self._lists[project.group, kind]
        if changes is None:
            return Decision.READ  # the group list failed: ask the project's own
        newest = changes.get(project.id)
        if newest is not None and newest >= read_at - OVERLAP:
            return Decision.READ
        return Decision.CONFIRM
