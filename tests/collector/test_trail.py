from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.classify.trail import link_trail
from collector.model.records import (
    Commit,
    Deployment,
    Incident,
    Item,
    MergeRequest,
    Release,
    RepoRef,
    Tag,
)

REF = RepoRef(forge="github", host="github.com", path="acme/api")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def commit(sha: str, hours: float) -> Commit:
    return Commit(
        repo=REF,
        url=f"https://github.com/acme/api/commit/{sha}",
        title=sha,
        created_at=at(hours),
        committed_at=at(hours),
        sha=sha,
        message=sha,
    )


def change(number: int, merge_sha: str | None, merged_hours: float) -> MergeRequest:
    return MergeRequest(
        repo=REF,
        url=f"https://github.com/acme/api/pull/{number}",
        title=f"PR {number}",
        created_at=at(0),
        number=number,
        state="merged",
        merged_at=at(merged_hours),
        merge_commit_sha=merge_sha,
    )


def release(tag: str, hours: float) -> Release:
    return Release(
        repo=REF,
        url=f"https://github.com/acme/api/releases/tag/{tag}",
        title=tag,
        created_at=at(hours),
        tag=tag,
        published_at=at(hours),
    )


def world() -> list[Item]:
    return [
        commit("a1", 1),
        commit("b2", 2),
        commit("c3", 3),
        commit("d4", 4),
        commit("e5", 5),
        Tag(repo=REF, url="u", title="v1", created_at=T0, name="v1", sha="b2"),
        Tag(repo=REF, url="u", title="v2", created_at=T0, name="v2", sha="d4"),
        # published out of order on purpose: v2's date would ship PR 3 in the wrong release
        release("v1", 2.5),
        release("v2", 4.5),
        Deployment(
            repo=REF,
            url="https://github.com/acme/api/deployments/1",
            title="deploy v2",
            created_at=at(5),
            id="1",
            environment="production",
            sha="d4",
            status="success",
            finished_at=at(5),
        ),
        Deployment(
            repo=REF,
            url="https://github.com/acme/api/deployments/2",
            title="deploy v1",
            created_at=at(3),
            id="2",
            environment="production",
            ref="v1",
            status="success",
            finished_at=at(3),
        ),
        Incident(
            repo=REF,
            url="https://github.com/acme/api/issues/9",
            title="5xx spike",
            created_at=at(6),
            number=9,
            state="closed",
            closed_at=at(7),
        ),
        Incident(
            repo=REF,
            url="https://github.com/acme/api/issues/8",
            title="old",
            created_at=at(200),
            number=8,
            state="closed",
        ),
    ]


def test_merged_change_links_to_the_release_whose_tag_follows_its_merge_commit() -> None:
    items = [
        *world(),
        change(1, "a1", 1),
        change(2, "b2", 2),
        change(3, "c3", 3),
        change(4, "e5", 5),
    ]
    chains = {c.change.number: c for c in link_trail(items)}
    assert chains[1].release is not None and chains[1].release.tag == "v1"
    assert chains[2].release is not None and chains[2].release.tag == "v1", (
        "the tagged commit itself ships"
    )
    assert chains[3].release is not None and chains[3].release.tag == "v2"
    assert chains[3].basis == "commit order"
    assert chains[4].release is None and chains[4].deployments == (), (
        "merged after the last release"
    )


def test_release_links_to_its_deployments_by_sha_or_ref_and_to_incidents_that_followed() -> None:
    chains = {
        c.change.number: c for c in link_trail([*world(), change(1, "a1", 1), change(3, "c3", 3)])
    }
    assert [d.id for d in chains[1].deployments] == ["2"]  # by ref v1
    assert [d.id for d in chains[3].deployments] == ["1"]  # by tagged sha d4
    assert [i.number for i in chains[3].incidents] == [9]  # within the window after deploy 1
    # incident 9 came 3 h after deploy 2, but deploy 1 came in between and takes it over
    assert chains[1].incidents == ()
    assert 8 not in {i.number for c in chains.values() for i in c.incidents}


def test_without_commit_history_the_first_release_after_the_merge_is_used() -> None:
    items: list[Item] = [release("v1", 2.5), release("v2", 4.5), change(7, "unknown", 3)]
    (chain,) = link_trail(items)
    assert chain.release is not None and chain.release.tag == "v2" and chain.basis == "release date"


def test_open_and_unmerged_changes_have_no_chain() -> None:
    open_change = change(5, None, 1).model_copy(update={"state": "open", "merged_at": None})
    assert link_trail([open_change]) == ()
