"""Rules the owner can read, change and override: precedence, matching, bad rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.classify import Policy, classify, needs_changed_files
from collector.model.categories import Category
from collector.model.records import (
    Decision,
    Deployment,
    Incident,
    MergeRequest,
    Pipeline,
    RepoRef,
    Repository,
    Visibility,
)
from config.loader import parse_config
from core.errors import ConfigError

REF = RepoRef(forge="gitlab", host="gitlab.acme.io", path="platform/payments")
WHEN = datetime(2026, 5, 1, 9, tzinfo=UTC)
PUBLIC = Repository(ref=REF, source="gl", url="https://gitlab.acme.io/platform/payments")
PRIVATE = PUBLIC.model_copy(update={"visibility": Visibility.PRIVATE})
BASE = '[site]\nowner = "Dana"\n'


def policy(extra: str = "") -> Policy:
    return Policy.from_config(parse_config(BASE + extra))


def change(title: str = "Tidy up", *labels: str, files: tuple[str, ...] = ()) -> MergeRequest:
    return MergeRequest(
        repo=REF,
        url="https://gitlab.acme.io/platform/payments/-/merge_requests/7",
        title=title,
        created_at=WHEN,
        number=7,
        state="merged",
        labels=labels,
        extra={"changed_files": list(files)} if files else {},
    )


def test_changed_paths_match_gitignore_style_globs() -> None:
    result = classify(
        change("Tidy up", "evidence", files=("charts/api/values.yaml",)), PUBLIC, policy()
    )
    assert result.categories == (Category.DEPLOYMENT,)
    assert result.reasons[0].detail == "rule 'deploy paths': changes charts/api/values.yaml"
    monitoring = classify(change("x", "evidence", files=("ops/alerts/api.yaml",)), PUBLIC, policy())
    assert monitoring.categories == (Category.MONITORING,)
    both = classify(
        change("x", "evidence", files=("Dockerfile", "grafana/api.json")), PUBLIC, policy()
    )
    assert both.categories == (Category.DEPLOYMENT, Category.MONITORING)


def test_owner_rules_run_before_defaults_and_final_stops_them() -> None:
    rules = """
[[rules]]
name = "payments work is architecture"
labels = ["payments"]
categories = ["architecture"]
final = true
"""
    result = classify(change("Deploy with Helm", "evidence", "payments"), PUBLIC, policy(rules))
    assert result.categories == (Category.ARCHITECTURE,)
    assert [r.rule for r in result.reasons] == ["payments work is architecture"]
    assert (
        result.reasons[0].detail == "rule 'payments work is architecture' (yours): label 'payments'"
    )
    not_final = rules.replace("final = true", "final = false")
    both = classify(change("Deploy with Helm", "evidence", "payments"), PUBLIC, policy(not_final))
    assert both.categories == (Category.ARCHITECTURE, Category.DEPLOYMENT)


def test_every_condition_of_a_rule_must_hold() -> None:
    rules = """
[[rules]]
name = "migrations"
kinds = ["merge_request"]
title = "migrat"
paths = ["db/migrations/"]
categories = ["architecture"]
"""
    hit = classify(
        change("Migrate ledger", "evidence", files=("db/migrations/0002.sql",)),
        PUBLIC,
        policy(rules),
    )
    assert "migrations" in {r.rule for r in hit.reasons}
    miss = classify(
        change("Migrate ledger", "evidence", files=("src/app.py",)), PUBLIC, policy(rules)
    )
    assert "migrations" not in {r.rule for r in miss.reasons}


def test_defaults_can_be_switched_off() -> None:
    result = classify(
        change("Deploy with Helm", "evidence"),
        PUBLIC,
        policy("[classify]\ndefault_rules = false\n"),
    )
    assert result.categories == (Category.MERGE_REQUEST,)
    assert result.reasons[0].rule == "default"


def test_explicit_owner_category_beats_rules_and_override_beats_everything() -> None:
    item = change("Deploy with Helm", "evidence:architecture")
    assert classify(item, PUBLIC, policy()).categories == (Category.ARCHITECTURE,)
    recategorised = policy(f'[[overrides]]\nurl = "{item.url}"\ncategories = ["monitoring"]\n')
    result = classify(item, PUBLIC, recategorised)
    assert result.categories == (Category.MONITORING,) and result.reasons[0].rule == "override"
    hidden = classify(item, PUBLIC, policy(f'[[overrides]]\nurl = "{item.url}/"\nhide = true\n'))
    assert hidden.hidden and not hidden.surfaced and hidden.categories == ()
    untagged = change("Refactor")
    assert classify(untagged, PUBLIC, policy()).surfaced is False
    pinned = classify(untagged, PUBLIC, policy(f'[[overrides]]\nurl = "{item.url}"\npin = true\n'))
    assert pinned.surfaced and pinned.surfacing.startswith("pinned")


def test_workflow_and_environment_globs() -> None:
    rules = """
[[rules]]
name = "canary"
kinds = ["pipeline"]
workflows = ["*canary*"]
environments = ["prod-*"]
categories = ["monitoring"]
"""
    run = Pipeline(
        repo=REF,
        url="https://gitlab.acme.io/p/-/pipelines/9",
        title="Deploy canary",
        created_at=WHEN,
        id="9",
        name="deploy",
        jobs=("build", "canary-eu"),
        environments=("prod-eu",),
        status="success",
    )
    result = classify(run, PUBLIC, policy(rules))
    assert result.categories == (Category.DEPLOYMENT, Category.MONITORING)
    assert "rule 'canary' (yours): workflow 'canary-eu', environment 'prod-eu'" in {
        r.detail for r in result.reasons
    }


@pytest.mark.parametrize(
    ("environment", "status", "surfaced"),
    [
        ("production", "success", True),
        ("prod-eu", "success", True),
        ("staging", "success", False),
        ("production", "failure", False),
    ],
)
def test_deployments_surface_for_production_successes(
    environment: str, status: str, surfaced: bool
) -> None:
    deployment = Deployment(
        repo=REF,
        url="https://gitlab.acme.io/p/-/environments/1/deployments/3",
        title="Deploy v1.2",
        created_at=WHEN,
        id="3",
        environment=environment,
        status=status,
    )
    result = classify(deployment, PUBLIC, policy())
    assert result.categories == (Category.DEPLOYMENT,)
    assert result.surfaced is surfaced
    assert classify(deployment, PRIVATE, policy()).surfaced is False


def test_resolved_incidents_and_decision_records_surface() -> None:
    incident = Incident(
        repo=REF,
        url="https://gitlab.acme.io/p/-/issues/4",
        title="API down",
        created_at=WHEN,
        number=4,
        state="open",
    )
    assert classify(incident, PUBLIC, policy()).surfaced is False
    resolved = incident.model_copy(update={"state": "closed", "closed_at": WHEN})
    assert classify(resolved, PUBLIC, policy()).surfaced is True
    assert classify(resolved, PUBLIC, policy()).categories == (Category.MONITORING,)
    adr = Decision(
        repo=REF,
        url="https://gitlab.acme.io/p/-/blob/main/docs/adr/0001.md",
        title="Use PostgreSQL",
        created_at=WHEN,
        path="docs/adr/0001.md",
    )
    result = classify(adr, PUBLIC, policy())
    assert result.surfaced and result.categories == (Category.ARCHITECTURE,)
    assert classify(adr, PUBLIC, policy("[surface]\ndecisions = false\n")).surfaced is False


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('title = "(unclosed"', "rules[1].title: invalid regular expression '(unclosed'"),
        ('paths = [""]', "rules[1].paths: empty glob"),
        ('categories = ["security"]\nlabels = ["x"]', "rules[1].categories[0]: Input should be"),
        ("", "rules[1]: a rule needs at least one condition"),
    ],
)
def test_bad_rules_are_config_errors_with_the_rule_position(rule: str, expected: str) -> None:
    good = '[[rules]]\nname = "ok"\nlabels = ["a"]\ncategories = ["architecture"]\n'
    bad = f'[[rules]]\nname = "bad"\n{rule}\n'
    if "categories" not in rule:
        bad += 'categories = ["deployment"]\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + good + bad)
    assert any(line.startswith(f"evidence.toml: {expected}") for line in caught.value.lines()), (
        caught.value.lines()
    )


def test_changed_files_are_wanted_only_where_paths_can_decide_a_shown_item() -> None:
    assert needs_changed_files(change("x", "evidence"), policy())
    assert not needs_changed_files(change("x", "evidence:deployment"), policy()), "category given"
    assert not needs_changed_files(change("x"), policy()), "untagged: figures only"
    pin = f'[[overrides]]\nurl = "{change().url}"\npin = true\n'
    assert needs_changed_files(change("x"), policy(pin))
