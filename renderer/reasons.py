"""Why an item is on the site, as a sentence a visitor understands.

The classifier keeps a trace for the owner ("rule 'deploy conventional type':
conventional type 'ci:'"); ``evidence explain`` and ``ledger.json`` show it.
Pages show this module's sentence instead: "Filed under Deployment because its
title starts with “ci:”, which marks a change to the build or CI pipeline."

Matched values are forge text (a label, a path, a word of the title): they are
cleaned here and escaped by the templates. For a redacted entry no value is
ever named, only what kind of thing matched, since a label or a title word
could identify private work.
"""

from __future__ import annotations

from collector.classify import Reason
from collector.classify.rules import Match
from collector.model.records import Kind
from renderer.text import clean_line

VALUE_LIMIT = 80

# Conventional-commit types the built-in rules use, and what each says about a change.
CONVENTIONAL_MEANINGS = {
    "ci": "a change to the CI pipeline",
    "build": "a change to the build",
    "deploy": "a deployment change",
    "release": "a release",
    "revert": "a revert",
    "hotfix": "a hotfix",
}

KIND_NOUNS = {
    Kind.MERGE_REQUEST: "merge request",
    Kind.COMMIT: "commit",
    Kind.RELEASE: "release",
    Kind.TAG: "tag",
    Kind.DEPLOYMENT: "deployment",
    Kind.PIPELINE: "pipeline run",
    Kind.INCIDENT: "incident",
    Kind.DECISION: "decision record",
}

# What a redacted entry may say about a match: the kind of fact, never its value.
_REDACTED_FACTS = {
    "label": "its labels",
    "path": "the files it changes",
    "title": "its title",
    "description": "its description",
    "conventional type": "its title's prefix",
    "workflow": "the workflow it ran",
    "environment": "the environment it went to",
}


def _quoted(value: str) -> str:
    return f"“{clean_line(value, VALUE_LIMIT)}”"


def _phrase(match: Match, kind: Kind) -> str:
    value = match.value
    if match.what == "label":
        return f"it carries the label {_quoted(value)}"
    if match.what == "path":
        return f"it changes {_quoted(value)}"
    if match.what == "title":
        return f"its title mentions {_quoted(value)}"
    if match.what == "description":
        return f"its description mentions {_quoted(value)}"
    if match.what == "conventional type":
        meaning = CONVENTIONAL_MEANINGS.get(value.lower())
        said = f"its title starts with {_quoted(value + ':')}"
        return f"{said}, which marks {meaning}" if meaning else said
    if match.what == "workflow":
        return f"it ran the workflow {_quoted(value)}"
    if match.what == "environment":
        return f"it went to the {_quoted(value)} environment"
    return f"it is a {KIND_NOUNS.get(kind, 'item')}"


def _joined(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def reason_sentence(
    reason: Reason, *, stage: str, owner: str, kind: Kind, redacted: bool = False
) -> str:
    """One sentence: who or what put the item under ``stage`` (a stage title)."""
    who = owner or "The owner"
    if reason.rule == "owner-label":
        return f"{who} labelled it as {stage} evidence."
    if reason.rule == "owner-trailer":
        return f"{who} tagged the commit as {stage} evidence in its message."
    if reason.rule == "override":
        return f"{who} placed it under {stage}."
    if reason.rule == "default":
        noun = KIND_NOUNS.get(kind, "item")
        return (
            f"Filed under {stage}: a {noun} with its intent written down, and no rule "
            "placed it in a later stage."
        )
    if not reason.matched:
        return f"Filed under {stage} by a classification rule."
    if [m.what for m in reason.matched] == ["kind"]:
        return f"Every {KIND_NOUNS.get(kind, 'item')} is filed under {stage}."
    if redacted:
        facts = [_REDACTED_FACTS[m.what] for m in reason.matched if m.what in _REDACTED_FACTS]
        because = f"because of {_joined(facts)}" if facts else "because of what it is"
    else:
        because = "because " + _joined([_phrase(m, kind) for m in reason.matched])
    mine = f" ({who}'s own rule)" if reason.owners_rule else ""
    return f"Filed under {stage} {because}{mine}."
