from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.classify import Policy, classify, read_owner_labels
from collector.model.categories import Category
from collector.model.records import (
    Commit,
    MergeRequest,
    Release,
    RepoRef,
    Repository,
    Tag,
    Visibility,
)

REF = RepoRef(forge="github", host="github.com", path="acme-corp/payments-api")
WHEN = datetime(2026, 3, 1, 12, tzinfo=UTC)
POLICY = Policy()


def repository(visibility: Visibility = Visibility.PUBLIC) -> Repository:
    return Repository(
        ref=REF,
        source="github.com",
        url="https://github.com/acme-corp/payments-api",
        visibility=visibility,
    )


def pull(title: str, *labels: str) -> MergeRequest:
    return MergeRequest(
        repo=REF,
        url="https://github.com/acme-corp/payments-api/pull/7",
        title=title,
        created_at=WHEN,
        number=7,
        state="merged",
        labels=labels,
        merged_at=WHEN,
    )


def test_untagged_pull_request_is_not_surfaced_but_still_categorised() -> None:
    result = classify(pull("Deploy with Helm"), repository(), POLICY)
    assert result.surfaced is False
    assert result.categories == (Category.DEPLOYMENT,)


def test_explicit_slug_wins_over_every_default_rule() -> None:
    result = classify(
        pull("Revert the incident fix", "evidence:architecture", "incident"), repository(), POLICY
    )
    assert result.surfaced
    assert result.categories == (Category.ARCHITECTURE,)
    assert [(r.rule, r.detail) for r in result.reasons] == [
        ("owner-label", "label 'evidence:architecture'")
    ]


def test_several_slugs_give_several_categories_in_trail_order_of_labels() -> None:
    result = classify(
        pull("x", "evidence:monitoring", "Evidence:Deployment", "evidence:monitoring"),
        repository(),
        POLICY,
    )
    assert result.categories == (Category.MONITORING, Category.DEPLOYMENT)


@pytest.mark.parametrize(
    ("title", "labels", "expected", "rule"),
    [
        (
            "Split the billing service",
            ("evidence", "adr"),
            (Category.ARCHITECTURE,),
            "architecture label",
        ),
        (
            "ci: promote one image through environments",
            ("evidence",),
            (Category.DEPLOYMENT,),
            "deploy conventional type",
        ),
        (
            "docs(adr): record the queue decision",
            ("evidence",),
            (Category.ARCHITECTURE,),
            "architecture title",
        ),
        (
            "Hotfix the retry storm",
            ("evidence",),
            (Category.MONITORING,),
            "hotfix, revert or rollback",
        ),
        ("Terraform module for EKS", ("evidence",), (Category.DEPLOYMENT,), "deploy title"),
        ("Consent gate before scoring", ("evidence",), (Category.MERGE_REQUEST,), "default"),
    ],
)
def test_bare_tag_gets_its_category_from_default_rules(
    title: str, labels: tuple[str, ...], expected: tuple[Category, ...], rule: str
) -> None:
    result = classify(pull(title, *labels), repository(), POLICY)
    assert result.surfaced
    assert result.categories == expected
    assert rule in {r.rule for r in result.reasons}
    assert all(result.reasons_for(c) for c in result.categories), "every category has a reason"


def test_gitlab_scoped_labels_and_a_custom_prefix() -> None:
    tag = read_owner_labels(["proof::deployment", "proof"], "proof")
    assert tag.tagged and tag.categories == (Category.DEPLOYMENT,)
    assert read_owner_labels(["evidence-ish", "nope:evidence"], "evidence").tagged is False


def test_unknown_slug_still_surfaces_and_is_reported() -> None:
    tag = read_owner_labels(["evidence:security"], "evidence")
    assert tag.tagged and tag.categories == () and tag.unknown == ("evidence:security",)
    result = classify(pull("Rotate keys", "evidence:security"), repository(), POLICY)
    assert result.surfaced and result.categories == (Category.MERGE_REQUEST,)


def test_releases_are_deployment_evidence_surfaced_only_for_public_repositories() -> None:
    release = Release(
        repo=REF,
        url="https://github.com/x/y/releases/tag/v1",
        title="v1",
        created_at=WHEN,
        tag="v1",
    )
    public = classify(release, repository(), POLICY)
    assert public.surfaced and public.categories == (Category.DEPLOYMENT,)
    assert public.reasons[0].rule == "release"
    assert classify(release, repository(Visibility.PRIVATE), POLICY).surfaced is False
    assert classify(release, repository(), Policy(surface_releases=False)).surfaced is False
    draft = release.model_copy(update={"draft": True})
    assert classify(draft, repository(), POLICY).surfaced is False


def test_commit_trailer_tags_a_commit_without_a_pull_request() -> None:
    def commit(message: str) -> Commit:
        return Commit(
            repo=REF,
            url="https://github.com/x/y/commit/abc",
            title=message.splitlines()[0],
            created_at=WHEN,
            sha="abc",
            message=message,
        )

    tagged = classify(
        commit("Pin base image\n\nBody text.\n\nEvidence: deployment"), repository(), POLICY
    )
    assert tagged.surfaced and tagged.categories == (Category.DEPLOYMENT,)
    assert tagged.reasons[0].rule == "owner-trailer"
    # A trailer quoted in the body, not in the last paragraph, does not count.
    quoted = classify(
        commit("Explain trailers\n\nEvidence: deployment\n\nSigned-off-by: D"), repository(), POLICY
    )
    assert quoted.surfaced is False
    assert classify(commit("Fix typo"), repository(), POLICY).surfaced is False


def test_tags_are_never_surfaced_on_their_own() -> None:
    tag = Tag(
        repo=REF,
        url="https://github.com/x/y/releases/tag/v1",
        title="v1",
        created_at=WHEN,
        name="v1",
        sha="abc",
    )
    assert classify(tag, repository(), POLICY).surfaced is False
