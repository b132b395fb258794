""" "Why this is here" in sentences: what each kind of match says, and what redaction keeps."""

from __future__ import annotations

from collector.classify import Reason
from collector.classify.rules import Match
from collector.model.categories import Category
from collector.model.records import Kind
from renderer.reasons import reason_sentence


def _rule(*matched: Match, owners: bool = False) -> Reason:
    detail = "rule 'x': " + ", ".join(m.text for m in matched)
    return Reason(Category.DEPLOYMENT, "deploy conventional type", detail, matched, owners)


def test_owner_tags_and_overrides_name_the_owner() -> None:
    for rule, expected in (
        ("owner-label", "Dana labelled it as Deployment evidence."),
        ("owner-trailer", "Dana tagged the commit as Deployment evidence in its message."),
        ("override", "Dana placed it under Deployment."),
    ):
        reason = Reason(Category.DEPLOYMENT, rule, "label 'evidence:deployment'")
        assert reason_sentence(reason, stage="Deployment", owner="Dana", kind=Kind.COMMIT) == (
            expected
        )


def test_a_conventional_type_says_what_the_prefix_means() -> None:
    reason = _rule(Match("conventional type", "ci"))
    sentence = reason_sentence(reason, stage="Deployment", owner="Dana", kind=Kind.MERGE_REQUEST)
    assert sentence == (
        "Filed under Deployment because its title starts with “ci:”, which marks a change to "
        "the CI pipeline."
    )
    assert "rule '" not in sentence  # the trace stays in `evidence explain`


def test_several_conditions_read_as_one_sentence_and_the_owners_rule_is_credited() -> None:
    reason = _rule(Match("label", "infra"), Match("path", "helm/values.yaml"), owners=True)
    assert reason_sentence(reason, stage="Deployment", owner="Dana", kind=Kind.MERGE_REQUEST) == (
        "Filed under Deployment because it carries the label “infra” and it changes "
        "“helm/values.yaml” (Dana's own rule)."
    )


def test_a_kind_rule_reads_as_a_rule_for_every_item_of_that_kind() -> None:
    reason = _rule(Match("kind", "incident"))
    assert reason_sentence(reason, stage="Monitoring", owner="Dana", kind=Kind.INCIDENT) == (
        "Every incident is filed under Monitoring."
    )


def test_a_redacted_reason_names_what_matched_never_the_value() -> None:
    reason = _rule(Match("title", "Project Bluebird"), Match("label", "acme-secret"))
    sentence = reason_sentence(
        reason, stage="Deployment", owner="Dana", kind=Kind.MERGE_REQUEST, redacted=True
    )
    assert sentence == "Filed under Deployment because of its title and its labels."
    assert "Bluebird" not in sentence and "acme-secret" not in sentence


def test_matched_forge_text_is_cleaned_of_invisible_characters() -> None:
    reason = _rule(Match("title", "deploy\u202egpj.exe\u200b"))
    sentence = reason_sentence(reason, stage="Deployment", owner="Dana", kind=Kind.COMMIT)
    assert "\u202e" not in sentence and "\u200b" not in sentence
    assert "“deploygpj.exe”" in sentence
