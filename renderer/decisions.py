"""Engineering decisions: ADR records, and architecture merge requests written like one.

An ADR record (MADR or Nygard file) brings its context, decision and
consequences. An architecture merge request whose description uses such
headings ("## Context", "## Decision", "## Consequences", "## Tradeoffs", …)
is shown the same way. "Implemented by" lists the merge requests of the same
repository that touched the ADR file or name it ("ADR 0007", "ADR-7").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from collector.classify import ClassifiedItem
from collector.model.categories import Category
from collector.model.records import Commit, Decision, Item, MergeRequest
from renderer.entries import DECISION_PARTS
from renderer.markdown import render_markdown
from renderer.model import DecisionSection, DecisionView, EvidenceEntry
from renderer.text import clean_line

Pair = tuple[ClassifiedItem, EvidenceEntry]

# Headings that make a description read as a decision record, in display form.
SECTION_HEADINGS = {
    "context": "Context",
    "context and problem statement": "Context",
    "problem": "Problem",
    "decision": "Decision",
    "decision outcome": "Decision",
    "options": "Options",
    "considered options": "Options",
    "consequences": "Consequences",
    "tradeoffs": "Tradeoffs",
    "trade-offs": "Tradeoffs",
    "result": "Result",
    "results": "Result",
}
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ADR_NUMBER = re.compile(r"\bADR[\s_-]*0*(?P<number>\d{1,5})\b", re.IGNORECASE)
_FILE_NUMBER = re.compile(r"^0*(?P<number>\d{1,5})[-_]")
SECTION_LIMIT = 8_000


def split_sections(markdown: str) -> dict[str, str]:
    """The decision sections of a Markdown description, by display heading.

    Fenced code is skipped, so a "# comment" inside a code block is not a heading.
    Returns {} unless a "Decision" section is present.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            name = SECTION_HEADINGS.get(heading["text"].strip().rstrip(":").casefold())
            current = sections.setdefault(name, []) if name else None
            continue
        if current is not None:
            current.append(line)
    found = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    found = {name: text for name, text in found.items() if text}
    return found if "Decision" in found else {}


def _rendered(parts: Sequence[tuple[str, str]]) -> tuple[DecisionSection, ...]:
    return tuple(
        DecisionSection(heading, render_markdown(text, SECTION_LIMIT))
        for heading, text in parts
        if text.strip()
    )


def _adr_number(item: Item) -> str | None:
    if isinstance(item, Decision):
        match = _FILE_NUMBER.match(item.path.rsplit("/", 1)[-1])
        if match:
            return str(int(match["number"]))
    found = _ADR_NUMBER.search(item.title)
    return str(int(found["number"])) if found else None


def _text_of(item: Item) -> str:
    if isinstance(item, MergeRequest):
        return f"{item.title}\n{item.body}"
    if isinstance(item, Commit):
        return item.message
    return item.title


def _implements(candidate: Item, decision: Item, number: str | None) -> bool:
    if candidate.repo != decision.repo or candidate == decision:
        return False
    if isinstance(decision, Decision):
        files = candidate.extra.get("changed_files", ())
        if isinstance(files, list | tuple) and decision.path in files:
            return True
    if number is None:
        return False
    return any(int(m["number"]) == int(number) for m in _ADR_NUMBER.finditer(_text_of(candidate)))


def _implemented_by(decision: ClassifiedItem, pairs: Sequence[Pair]) -> tuple[EvidenceEntry, ...]:
    number = _adr_number(decision.item)
    return tuple(
        entry
        for classified, entry in pairs
        if isinstance(classified.item, MergeRequest | Commit)
        and not entry.redacted
        and _implements(classified.item, decision.item, number)
    )


def _view(classified: ClassifiedItem, entry: EvidenceEntry, pairs: Sequence[Pair]) -> DecisionView:
    item = classified.item
    if entry.redacted:
        return DecisionView(entry, None, (), ())
    if isinstance(item, Decision):
        parts = [(heading, getattr(item, name)) for heading, name in DECISION_PARTS]
        status = clean_line(item.status, 40).lower() or None
        return DecisionView(entry, status, _rendered(parts), _implemented_by(classified, pairs))
    body = item.body if isinstance(item, MergeRequest) else ""
    sections = _rendered(list(split_sections(body).items()))
    return DecisionView(entry, None, sections, _implemented_by(classified, pairs))


def build_decisions(pairs: Sequence[Pair]) -> tuple[DecisionView, ...]:
    """ADR records and architecture merge requests and commits, newest first.

    A merge request that implements an ADR record (it wrote the file, or names
    it) is listed under that record, not again as a decision of its own.
    """
    records = {
        entry.path: _view(classified, entry, pairs)
        for classified, entry in pairs
        if isinstance(classified.item, Decision)
    }
    implementing = {e.path for view in records.values() for e in view.implemented_by}
    views = []
    for classified, entry in pairs:
        item = classified.item
        if entry.path in records:
            views.append(records[entry.path])
        elif (
            isinstance(item, MergeRequest | Commit)
            and Category.ARCHITECTURE in classified.classification.categories
            and entry.path not in implementing
        ):
            views.append(_view(classified, entry, pairs))
    return tuple(views)
