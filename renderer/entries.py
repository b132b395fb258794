"""One classified item -> one ``EvidenceEntry``: display text, page path and redaction.

Redaction happens here and only here. An item whose repository is not known to
be public (unless its source opted into full display) becomes an entry that
carries its kind, date, categories, systems and size and nothing else, so no
template can leak what it never receives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial

from collector.classify import ClassifiedItem
from collector.model.categories import Category
from collector.model.records import (
    DEFAULT_HOSTS,
    Commit,
    Decision,
    Deployment,
    Incident,
    Item,
    Kind,
    MergeRequest,
    Pipeline,
    Release,
    RepoRef,
    Tag,
)
from config.models import forge_label as config_forge_label
from renderer.crossref import Linker, Reference, ReferenceIndex
from renderer.markdown import LazyBody, render_markdown, render_plain
from renderer.model import CategoryReasons, EvidenceEntry, Link, StageRef, SystemRef
from renderer.reasons import reason_sentence
from renderer.text import clean_line, display_url, http_url, short_hash, slugify

KIND_LABELS: dict[Kind, str] = {
    Kind.MERGE_REQUEST: "Merge request",
    Kind.COMMIT: "Commit",
    Kind.RELEASE: "Release",
    Kind.TAG: "Tag",
    Kind.DEPLOYMENT: "Deployment",
    Kind.PIPELINE: "Pipeline",
    Kind.INCIDENT: "Incident",
    Kind.DECISION: "Decision record",
}
# Part of page file names: changing one renames pages, so keep them.
KIND_ABBREVIATIONS: dict[Kind, str] = {
    Kind.MERGE_REQUEST: "mr",
    Kind.COMMIT: "commit",
    Kind.RELEASE: "release",
    Kind.TAG: "tag",
    Kind.DEPLOYMENT: "deployment",
    Kind.PIPELINE: "pipeline",
    Kind.INCIDENT: "incident",
    Kind.DECISION: "adr",
}
TITLE_LIMIT = 300
SHORT_SHA = 7
MAX_LABELS = 30


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; naive times are taken as UTC, which is how the store keeps them."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stable_key(item: Item) -> str:
    """forge|host|repo|kind|key: unique per item, stable across runs; breaks sort ties."""
    ref = item.repo
    return "|".join((ref.forge, ref.host, ref.path, item.kind.value, item.key))


def item_page_path(classified: ClassifiedItem, *, redacted: bool) -> str:
    """Where an item's page goes. Only slugs and hashes reach the file name, never raw text.

    A redacted page's hash also covers when the item was first collected, so
    nobody can confirm a guessed private repository and number by hashing it.
    """
    item = classified.item
    key = stable_key(item)
    if redacted:
        salted = f"private|{key}|{utc(classified.stored.first_seen_at).isoformat()}"
        return f"items/private-{short_hash(salted, 12)}.html"
    key_text = item.key[:12] if isinstance(item, Commit) else item.key
    name = slugify(item.repo.name, 40, fallback="repo")
    kind = KIND_ABBREVIATIONS.get(item.kind, "item")
    return f"items/{name}-{kind}-{slugify(key_text, 40)}-{short_hash(key, 6)}.html"


def redacted_title(kind_label: str, systems: tuple[SystemRef, ...], when: datetime) -> str:
    """ "Merge request in a private repository of OCM Brain, 2026-09-12": only what a
    redacted entry shows anyway (kind, system, date), so rows of private work differ."""
    of = f" of {' and '.join(s.name for s in systems)}" if systems else ""
    return f"{kind_label} in a private repository{of}, {when:%Y-%m-%d}"


def forge_label(ref: RepoRef) -> str:
    """ "GitHub", or "GitLab (git.example.com)" for an instance of its own."""
    name = config_forge_label(ref.forge)
    return name if ref.host in DEFAULT_HOSTS else f"{name} ({clean_line(ref.host, 100)})"


def _reference(item: Item) -> str:
    if isinstance(item, MergeRequest):
        return f"{'!' if item.repo.forge == 'gitlab' else '#'}{item.number}"
    if isinstance(item, Commit):
        return clean_line(item.sha, 100)[:SHORT_SHA]
    if isinstance(item, Release):
        return clean_line(item.tag, 80)
    if isinstance(item, Tag):
        return clean_line(item.name, 80)
    if isinstance(item, Incident):
        return f"#{item.number}"
    if isinstance(item, Deployment):
        return clean_line(item.environment, 80) or clean_line(item.id, 40)
    if isinstance(item, Decision):
        return clean_line(item.path.rsplit("/", 1)[-1], 120)
    if isinstance(item, Pipeline):
        return f"#{clean_line(item.id, 40)}"
    return clean_line(item.key, 80)


DECISION_PARTS = (
    ("Context", "context"),
    ("Decision", "decision"),
    ("Consequences", "consequences"),
)


def _body(item: Item, linker: Linker | None = None) -> LazyBody | None:
    """The item's written intent, rendered when its page is (``LazyBody``); None: it has none."""
    if isinstance(item, MergeRequest | Release | Incident) and item.body.strip():
        return LazyBody(partial(render_markdown, item.body, linker=linker))
    if isinstance(item, Commit):
        # The subject is the title; the rest of the message is the written intent.
        _, _, rest = item.message.partition("\n")
        if rest.strip():
            return LazyBody(partial(render_plain, rest, linker=linker))
    if isinstance(item, Decision):
        parts = [
            f"# {heading}\n\n{getattr(item, name)}"
            for heading, name in DECISION_PARTS
            if getattr(item, name).strip()
        ]
        return (
            LazyBody(partial(render_markdown, "\n\n".join(parts), linker=linker)) if parts else None
        )
    return None


def _state(item: Item) -> str | None:
    # Merged and closed show in the event label ("Merged 2025-01-11"); only say what it does not.
    if isinstance(item, MergeRequest) and item.state == "open":
        return "draft" if item.draft else "open"
    if isinstance(item, Release) and item.prerelease:
        return "pre-release"
    if isinstance(item, Incident) and item.state == "open":
        return "open"
    if isinstance(item, Deployment | Pipeline) and item.status and item.status != "success":
        return clean_line(item.status, 40)
    if isinstance(item, Decision) and item.status:
        return clean_line(item.status, 40).lower()
    return None


def _labels(raw: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = (clean_line(label, 100) for label in raw)
    return tuple(dict.fromkeys(label for label in cleaned if label))[:MAX_LABELS]


def _event_label(item: Item) -> str:
    if isinstance(item, MergeRequest):
        if item.merged_at:
            return "Merged"
        return "Closed" if item.closed_at else "Opened"
    if isinstance(item, Release):
        return "Published"
    if isinstance(item, Commit):
        return "Committed"
    if isinstance(item, Deployment):
        return "Deployed" if item.finished_at else "Started"
    if isinstance(item, Pipeline):
        return "Finished" if item.finished_at else "Started"
    if isinstance(item, Incident):
        return "Opened"
    if isinstance(item, Decision):
        return "Decided" if item.date else "Recorded"
    return "Created"


def _branches(item: Item) -> str | None:
    if not isinstance(item, MergeRequest) or not item.source_branch:
        return None
    source = clean_line(item.source_branch, 120)
    return f"{source} → {clean_line(item.target_branch, 120)}" if item.target_branch else source


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def change_size(item: Item) -> str | None:
    """Change size as the forge reported it ("+120 −30 in 5 files"), or None; numbers only."""
    if not isinstance(item, MergeRequest | Commit):
        return None
    extra = item.extra
    files = extra.get("changed_files")
    file_count = len(files) if isinstance(files, list | tuple) else _count(files)
    added, deleted = _count(extra.get("additions")), _count(extra.get("deletions"))
    parts = []
    if added is not None and deleted is not None:
        parts.append(f"+{added} −{deleted}")
    if file_count is not None:
        parts.append(f"{file_count} {'file' if file_count == 1 else 'files'}")
    return " in ".join(parts) or None


def _categories(
    classified: ClassifiedItem,
    stages: Mapping[Category, StageRef],
    *,
    redacted: bool,
    owner: str,
) -> tuple[CategoryReasons, ...]:
    result = []
    kind = classified.item.kind
    for category in classified.classification.categories:
        stage = stages[category]
        sentences: list[str] = []
        trace: list[str] = []
        for reason in classified.classification.reasons_for(category):
            sentence = reason_sentence(
                reason, stage=stage.title, owner=owner, kind=kind, redacted=redacted
            )
            if sentence not in sentences:
                sentences.append(sentence)
            # A redacted entry's trace is its sentence: the raw trace names what matched.
            detail = sentence if redacted else clean_line(reason.detail, 200)
            if detail not in trace:
                trace.append(detail)
        result.append(CategoryReasons(stage, tuple(sentences), tuple(trace)))
    return tuple(result)


def owner_tags(labels: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """``labels`` without the owner's tagging labels (``evidence``, ``evidence:<stage>``):
    they say how the item got here, which "Why this is here" already tells in words."""
    lowered = prefix.lower()
    return tuple(
        label
        for label in labels
        if label.lower() != lowered and not label.lower().startswith(lowered + ":")
    )


def _linked_title(title: str, linker: Linker | None) -> tuple[str | Reference, ...]:
    """The title in pieces when it holds a reference to link, else () (show ``title``)."""
    pieces = tuple(linker.split(title)) if linker is not None else ()
    return pieces if any(not isinstance(p, str) for p in pieces) else ()


def build_entry(
    classified: ClassifiedItem,
    *,
    stages: Mapping[Category, StageRef],
    systems: tuple[SystemRef, ...],
    redact: bool,
    owned: bool = False,
    owner: str = "",
    tag_prefix: str = "evidence",
    title: str | None = None,
    references: ReferenceIndex | None = None,
) -> EvidenceEntry:
    """The entry of one surfaced item; ``redact`` keeps only what cannot identify the work.

    ``title``: the page title when the forge's says too little (``renderer.titles``).
    ``owned``: its author is one of the owner's accounts (``[identity]``), so the
    page can say it is the owner's work; anyone else is named as the forge names them.
    """
    item = classified.item
    repository = classified.repository
    kind_label = KIND_LABELS.get(item.kind, "Item")
    if redact or repository is None:
        return EvidenceEntry(
            path=item_page_path(classified, redacted=True),
            redacted=True,
            kind=item.kind,
            kind_label=kind_label,
            title=redacted_title(kind_label, systems, utc(item.event_at)),
            reference=None,
            author=None,
            repository=None,
            forge=None,
            forge_slug=None,
            state=None,
            branches=None,
            event_label="Date",
            event_at=utc(item.event_at),
            collected_at=None,
            source=None,
            labels=(),
            shown_labels=(),
            body=None,
            categories=_categories(classified, stages, redacted=True, owner=owner),
            systems=systems,
            size=change_size(item),
        )
    reference = _reference(item)
    labels = _labels(item.labels) if isinstance(item, MergeRequest | Incident) else ()
    path = item_page_path(classified, redacted=False)
    linker = references.linker(item.repo, exclude=path) if references is not None else None
    shown_title = title or clean_line(item.title, TITLE_LIMIT) or f"{kind_label} {reference}"
    return EvidenceEntry(
        path=path,
        redacted=False,
        kind=item.kind,
        kind_label=kind_label,
        title=shown_title,
        title_pieces=_linked_title(shown_title, linker),
        reference=reference,
        author=clean_line(item.author, 100) or None,
        repository=Link(clean_line(item.repo.path, 200), http_url(repository.url)),
        forge=forge_label(item.repo),
        forge_slug=item.repo.forge,
        state=_state(item),
        branches=_branches(item),
        event_label=_event_label(item),
        event_at=utc(item.event_at),
        collected_at=utc(classified.stored.first_seen_at),
        source=Link(display_url(item.url), http_url(item.url)),
        labels=labels,
        shown_labels=owner_tags(labels, tag_prefix),
        body=_body(item, linker),
        categories=_categories(classified, stages, redacted=False, owner=owner),
        systems=systems,
        size=change_size(item),
        by_owner=owned,
    )
