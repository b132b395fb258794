"""Read architecture decision records: MADR (with or without YAML front matter) and Nygard.

Pure text in, typed fields out; the forge modules fetch the files. Lenient on
purpose — ADRs are hand-written — but never guesses a field it cannot find.

Nygard::

    # 7. Split async scoring
    Date: 2026-03-02
    ## Status
    Accepted
    ## Context / ## Decision / ## Consequences

MADR 2/3/4::

    ---
    status: accepted
    date: 2026-03-02
    ---
    # Split async scoring
    ## Context and Problem Statement / ## Decision Outcome / ### Consequences
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

MAX_SECTION = 4000  # characters kept per section; the page links to the full file

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FIELD_LINE = re.compile(
    r"^\s*\*?\s*(?P<key>status|date|deciders)\s*:?\s*\*?\s*:?\s*(?P<value>.+)$",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER_PREFIX = re.compile(r"^(?:ADR[- ]?)?\d+[.:)\-\s]+\s*", re.IGNORECASE)

SECTION_NAMES = {
    "context": ("context", "context and problem statement", "problem", "problem statement"),
    "decision": ("decision", "decision outcome", "chosen option"),
    "consequences": ("consequences", "positive consequences", "negative consequences"),
    "status": ("status",),
}
ADR_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class ParsedDecision:
    title: str
    format: Literal["madr", "nygard", "plain"]
    status: str
    date: datetime | None
    context: str
    decision: str
    consequences: str


def is_adr_file(path: str, folders: tuple[str, ...]) -> bool:
    """A Markdown file directly in (or below) one of the configured ADR folders, not a README."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    if not name.endswith(ADR_SUFFIXES) or name.startswith(("readme", "index", "template")):
        return False
    return any(lowered.startswith(folder.lower().rstrip("/") + "/") for folder in folders)


def parse_adr(path: str, text: str) -> ParsedDecision:
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    front: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        front = _simple_yaml(match["body"])
        text = text[match.end() :]
    sections = _sections(text)
    title = _title(text, path)
    status = (
        front.get("status") or _first_line(sections.get("status", "")) or _field(text, "status")
    )
    when = _parse_date(front.get("date") or _field(text, "date"))
    is_madr = bool(front) or any(
        heading in sections for heading in ("context and problem statement", "decision outcome")
    )
    is_nygard = not is_madr and all(k in sections for k in ("context", "decision"))
    return ParsedDecision(
        title=title,
        format="madr" if is_madr else "nygard" if is_nygard else "plain",
        status=_clean(status).lower()[:40],
        date=when,
        context=_section(sections, "context"),
        decision=_section(sections, "decision"),
        consequences=_section(sections, "consequences"),
    )


def _simple_yaml(body: str) -> dict[str, str]:
    """``key: value`` lines of front matter; nested YAML is ignored rather than misread."""
    values: dict[str, str] = {}
    for line in body.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")):
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values


def _sections(text: str) -> dict[str, str]:
    """Heading (lowercased) -> its text, up to the next heading of the same or a higher level."""
    found: dict[str, str] = {}
    headings = list(_HEADING.finditer(text))
    for index, heading in enumerate(headings):
        level = len(heading["level"])
        end = len(text)
        for later in headings[index + 1 :]:
            if len(later["level"]) <= level:
                end = later.start()
                break
        name = heading["text"].strip().lower().rstrip(":")
        found.setdefault(name, text[heading.end() : end].strip())
    return found


def _section(sections: dict[str, str], field: str) -> str:
    for name in SECTION_NAMES[field]:
        if sections.get(name):
            return _truncate(sections[name])
    return ""


def _title(text: str, path: str) -> str:
    for heading in _HEADING.finditer(text):
        if len(heading["level"]) == 1:
            return _clean(_NUMBER_PREFIX.sub("", heading["text"])) or _from_path(path)
    return _from_path(path)


def _from_path(path: str) -> str:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    words = _NUMBER_PREFIX.sub("", stem.replace("-", " ").replace("_", " "))
    return words[:1].upper() + words[1:] if words else stem


def _field(text: str, key: str) -> str:
    for match in _FIELD_LINE.finditer(text):
        if match["key"].lower() == key:
            return match["value"]
    return ""


def _first_line(text: str) -> str:
    return next((line.strip("*_ ") for line in text.splitlines() if line.strip()), "")


def _parse_date(value: str) -> datetime | None:
    if match := _DATE.search(value or ""):
        try:
            return datetime.combine(date(*map(int, match.groups())), datetime.min.time(), UTC)
        except ValueError:
            return None
    return None


def _clean(value: str) -> str:
    return " ".join(value.split())


def _truncate(value: str) -> str:
    return value if len(value) <= MAX_SECTION else value[: MAX_SECTION - 1].rstrip() + "…"
