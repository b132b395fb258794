"""Deployment and release titles: what shipped where, told apart row by row."""

from __future__ import annotations

from typing import Any

from collector.model.records import Deployment, Tag
from renderer.titles import Titles, release_title
from tests.renderer.builders import PAYMENTS, day, release

SHA = "380ab380ab380ab380ab380ab380ab380ab380ab"


def _deployment(ref: str, sha: str = SHA, **fields: Any) -> Deployment:
    fields.setdefault("environment", "production")
    return Deployment(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/deployments",
        title=f"Deploy {ref} to production",
        created_at=day(3),
        id=fields.pop("id", "1"),
        ref=ref,
        sha=sha,
        **fields,
    )


def test_a_deployed_tag_or_version_is_the_version() -> None:
    titles = Titles([release(PAYMENTS, "stable-2025", day(1))])
    assert titles.title_of(_deployment("v3.3.0")) == "payments-api v3.3.0 → production"
    assert titles.title_of(_deployment("stable-2025")) == "payments-api stable-2025 → production"


def test_a_deployed_branch_takes_the_tag_at_its_commit_else_the_commit() -> None:
    tag = Tag(
        repo=PAYMENTS,
        url="https://x.example/t",
        title="v3.4.0",
        created_at=day(2),
        name="v3.4.0",
        sha=SHA.upper(),
    )
    assert Titles([tag]).title_of(_deployment("main")) == "payments-api v3.4.0 → production"
    untagged = Titles([]).title_of(_deployment("main", environment="staging"))
    assert untagged == "payments-api main@380ab38 → staging"
    assert Titles([]).title_of(_deployment("", sha="")) == (
        "payments-api deployment 1 → production"
    )


def test_forge_text_in_a_deployment_title_is_cleaned() -> None:
    hostile = _deployment("main\u202e<script>", environment="prod\u200buction\n")
    title = Titles([]).title_of(hostile)
    assert title == "payments-api main<script>@380ab38 → production"  # escaped by templates


def test_a_release_title_names_the_repository_tag_and_what_the_name_adds() -> None:
    named = release(PAYMENTS, "v1.8.0", day(1), name="1.8.0 — validated model output")
    assert release_title(named) == "payments-api v1.8.0 — validated model output"
    assert release_title(release(PAYMENTS, "v3.3.0", day(1), name="3.3.0")) == (
        "payments-api v3.3.0"
    )
    candidate = release(PAYMENTS, "v1.9.0-rc.1", day(1), name="1.9.0 release candidate")
    assert release_title(candidate) == "payments-api v1.9.0-rc.1 — release candidate"
    other = release(PAYMENTS, "v1.0", day(1), name="10.0 compatibility")
    assert release_title(other) == "payments-api v1.0 — 10.0 compatibility"
