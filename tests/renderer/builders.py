"""Renderer inputs built from the real record classes, snapshot and classification.

``sample_inputs`` is a small but realistic ledger: two public GitHub repositories,
a self-managed GitLab project, a fork, and a private repository the owner opted
into, with merge requests, releases, a tag and commits. ``hostile_inputs`` fills
every forge-controlled field with markup, script URLs, bidi overrides and
oversized text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from collector.classify import ClassifiedItem, Policy, classify_snapshot
from collector.model.records import (
    Commit,
    Decision,
    Deployment,
    Incident,
    Item,
    MergeRequest,
    Release,
    RepoRef,
    Repository,
    Tag,
    Visibility,
)
from collector.model.snapshot import Snapshot, StoredItem
from config.models import EvidenceConfig
from renderer import RenderReport, SiteModel, Theme, build_site_model, render_site

T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
BUILT_AT = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
GITLAB_HOST = "gitlab.example.com"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def github(path: str) -> RepoRef:
    return RepoRef(forge="github", host="github.com", path=path)


def gitlab(path: str) -> RepoRef:
    return RepoRef(forge="gitlab", host=GITLAB_HOST, path=path)


def repository(ref: RepoRef, **fields: Any) -> Repository:
    fields.setdefault("url", f"https://{ref.host}/{ref.path}")
    fields.setdefault("source", ref.host)
    return Repository(ref=ref, **fields)


def merge_request(ref: RepoRef, number: int, title: str, **fields: Any) -> MergeRequest:
    fields.setdefault("url", f"https://{ref.host}/{ref.path}/pull/{number}")
    fields.setdefault("created_at", day(0))
    fields.setdefault("state", "merged")
    fields.setdefault("author", "dana-dev")
    return MergeRequest(repo=ref, number=number, title=title, **fields)


def release(ref: RepoRef, tag: str, when: datetime, **fields: Any) -> Release:
    fields.setdefault("url", f"https://{ref.host}/{ref.path}/releases/tag/{tag}")
    return Release(repo=ref, tag=tag, title=fields.pop("title", tag), created_at=when, **fields)


def commit(ref: RepoRef, sha: str, message: str, when: datetime, **fields: Any) -> Commit:
    fields.setdefault("url", f"https://{ref.host}/{ref.path}/commit/{sha}")
    subject = message.split("\n", 1)[0]
    return Commit(repo=ref, sha=sha, message=message, title=subject, created_at=when, **fields)


def stored(item: Item, collected: datetime = BUILT_AT) -> StoredItem:
    return StoredItem(
        item=item,
        source=item.repo.host,
        first_seen_at=item.created_at + timedelta(hours=1),
        last_seen_at=collected,
    )


@dataclass(frozen=True)
class Inputs:
    config: EvidenceConfig
    snapshot: Snapshot
    classified: tuple[ClassifiedItem, ...]

    def model(self, generated_at: datetime = BUILT_AT) -> SiteModel:
        return build_site_model(
            self.config, self.snapshot, self.classified, generated_at=generated_at
        )

    def render(
        self, output_dir: Path, generated_at: datetime = BUILT_AT, theme: Theme | None = None
    ) -> RenderReport:
        return render_site(
            self.config,
            self.snapshot,
            self.classified,
            output_dir=output_dir,
            generated_at=generated_at,
            theme=theme,
        )

    def without(self, item: Item) -> Inputs:
        kept = tuple(s for s in self.snapshot.items if s.item != item)
        return make_inputs(self.config, self.snapshot.repositories, kept)


def make_config(systems: Sequence[dict[str, Any]] = ()) -> EvidenceConfig:
    return EvidenceConfig.model_validate(
        {
            "site": {
                "title": "Engineering Notebook",
                "owner": "Dana Developer",
                "role": "Backend Engineer",
                "tagline": "I build production systems.",
                "mission": "Operating backend and data systems for commercial workflows.",
                "base_url": "https://dana.example/evidence/",
            },
            "sources": [
                {"forge": "github", "users": ["dana-dev"], "include_private": True},
            ],
            "systems": list(systems),
        }
    )


def make_inputs(
    config: EvidenceConfig, repositories: Iterable[Repository], items: Iterable[StoredItem]
) -> Inputs:
    snapshot = Snapshot(repositories=tuple(repositories), items=tuple(items))
    return Inputs(config, snapshot, classify_snapshot(snapshot, Policy()))


PAYMENTS = github("acme-corp/payments-api")
NOTEBOOK = github("dana-dev/notebook")
FORK = github("dana-dev/forked-lib")
TERRAFORM = gitlab("platform-team/infra/terraform-modules")
SECRET = github("acme-corp/secret-merger")

# What the private repository holds: none of it may reach any output file.
SECRET_MARKERS = (
    "secret-merger",
    "Project Nightingale",
    "Confidential body text",
    "customer-zeta",
    "secret-author",
    "feature/nightingale-deal",
    "987654",
    "deadbeefcafe",
    "v9.9.9-nightingale",
    "Rotate the vault keys",
    "COBOL",
)

ADR_BODY = """\
# Context

Scoring ran inside the request path; p99 latency followed the model.

## Decision

| Option | Chosen |
| --- | --- |
| async workers | yes |

See [the ADR](https://github.com/acme-corp/payments-api/blob/main/docs/adr/0007.md).
"""

SYSTEMS = (
    {
        "name": "OCM Brain",
        "slug": "ocm-brain",
        "mission": "Lead scoring and consent checks inside stable backend workflows.",
        "repos": [
            "github:acme-corp/payments-api",
            f"gitlab:{GITLAB_HOST}/platform-team/infra/terraform-modules",
            "github:acme-corp/secret-merger",
        ],
    },
    {"name": "Notebook", "slug": "notebook", "repos": ["github:dana-dev/notebook"]},
)


def sample_repositories() -> tuple[Repository, ...]:
    return (
        repository(
            PAYMENTS,
            description="Payments and scoring API.",
            languages={"Python": 50_000, "Go": 20_000, "Shell": 500},
            topics=("fastapi", "payments"),
            stars=12,
            pushed_at=day(50),
        ),
        repository(
            NOTEBOOK,
            description="Engineering notes.",
            languages={"Markdown": 9_000},
            pushed_at=day(50),
        ),
        repository(FORK, fork=True, pushed_at=day(55)),
        repository(
            TERRAFORM,
            description="Terraform modules for the platform.",
            languages={"HCL": 30_000, "Python": 1_000},
            pushed_at=day(40),
        ),
        repository(
            SECRET,
            visibility=Visibility.PRIVATE,
            description="Confidential body text",
            languages={"COBOL": 99_999},
            pushed_at=day(60),
        ),
    )


def sample_items() -> tuple[StoredItem, ...]:
    items: list[Item] = [
        merge_request(
            PAYMENTS,
            42,
            "Move scoring to async workers",
            labels=("evidence:architecture", "backend"),
            body=ADR_BODY,
            source_branch="feature/async-scoring",
            target_branch="main",
            merged_at=day(10),
        ),
        merge_request(
            PAYMENTS,
            43,
            "Add Helm chart for the scoring service",
            labels=("evidence",),
            merged_at=day(20),
        ),
        merge_request(
            PAYMENTS,
            44,
            "Document the retry budget",
            labels=("evidence:merge-request",),
            merged_at=day(25),
        ),
        merge_request(PAYMENTS, 45, "Bump dependencies", merged_at=day(26)),
        merge_request(
            TERRAFORM,
            7,
            "Alert on import failures",
            labels=("evidence::monitoring",),
            url=f"https://{GITLAB_HOST}/platform-team/infra/terraform-modules/-/merge_requests/7",
            merged_at=day(30),
        ),
        release(PAYMENTS, "v1.7.0", day(15), body="First async release."),
        release(PAYMENTS, "v1.8.0", day(35)),
        release(PAYMENTS, "v1.9.0-rc1", day(45), prerelease=True),
        release(PAYMENTS, "v2.0.0", day(47), draft=True),
        Tag(
            repo=PAYMENTS,
            url="https://github.com/acme-corp/payments-api/tree/v1.8.0",
            title="v1.8.0",
            name="v1.8.0",
            sha="a" * 40,
            created_at=day(35),
        ),
        commit(
            NOTEBOOK,
            "0123456789abcdef0123456789abcdef01234567",
            "Write down the storage decision\n\nWhy PostgreSQL.\n\nEvidence: architecture",
            day(5),
        ),
        merge_request(
            SECRET,
            987654,
            "Project Nightingale acquisition",
            labels=("evidence:deployment", "customer-zeta"),
            body="Confidential body text",
            author="secret-author",
            source_branch="feature/nightingale-deal",
            target_branch="main",
            merged_at=day(33),
        ),
        commit(
            SECRET,
            "deadbeefcafe0000000000000000000000000000",
            "Rotate the vault keys\n\nEvidence: monitoring",
            day(34),
        ),
        release(SECRET, "v9.9.9-nightingale", day(36)),
    ]
    return tuple(stored(item) for item in items)


def sample_inputs() -> Inputs:
    return make_inputs(make_config(SYSTEMS), sample_repositories(), sample_items())


# Hostile strings for every forge-controlled field.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MD_JS = "[x](javascript:alert(1))"
HTML_JS = '<a href="javascript:alert(2)">click</a>'
DATA_URL = "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg==)"
BIDI = "invoice\u202egpj.exe\u200b\u2066x\u2069"
LONG = "A" * 5_000
# Payloads a browser would run if they ever became markup: each sets a global the
# browser tests look for (XSS_GLOBAL), changes the title, or opens a dialog.
XSS_GLOBAL = "__evidenceXss"
BREAKOUT = f'"><script>window.{XSS_GLOBAL}=1;document.title="pwned"</script>'
ONERROR = f'<img src=x onerror="window.{XSS_GLOBAL}=2">'
SVG_ONLOAD = f"<svg/onload=window.{XSS_GLOBAL}=3>"
TEMPLATE = "{{ 7 * 7 }}{% raw %}"
HOSTILE = (SCRIPT, IMG, MD_JS, HTML_JS, DATA_URL, BIDI, LONG, BREAKOUT, ONERROR, SVG_ONLOAD)
HOSTILE_BODY = "\n\n".join(
    [
        *HOSTILE,
        "![pixel](https://tracker.example/p.gif) ![d](data:image/png;base64,AAAA)",
        "<iframe src=https://evil.example></iframe><style>body{display:none}</style>",
        '[styled](https://ok.example "title") <span style="color:red" class="x" id="main">s</span>',
        "# Heading one",
        f"[js](javascript:window.{XSS_GLOBAL}=4) <a href=javascript:void(0)>raw</a>",
        f"<details open ontoggle=window.{XSS_GLOBAL}=5>x</details>",
        TEMPLATE,
    ]
)
BAD_URLS = (
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
)
HOSTILE_PATH = f"docs/adr/0001-{ONERROR}.md"
EVIL = github("evil-org/<script>alert(1)</script>\u202e")
EVIL_SPEC = "evil-org/evil"  # a system naming a repository that does not match EVIL


def hostile_inputs() -> Inputs:
    repositories = (
        repository(
            EVIL,
            url="javascript:alert(1)",
            description=SCRIPT + IMG + BIDI,
            languages={SCRIPT: 10, IMG: 5},
            topics=(IMG, BIDI),
            pushed_at=day(3),
        ),
    )
    items: list[Item] = []
    for number, (text, url) in enumerate(zip(HOSTILE, BAD_URLS * 2, strict=False), start=1):
        items.append(
            merge_request(
                EVIL,
                number,
                f"{text} deploy",
                labels=("evidence", text, SCRIPT, BIDI),
                body=HOSTILE_BODY,
                author=text,
                source_branch=text,
                target_branch=IMG,
                url=url,
                merged_at=day(number),
            )
        )
    items.append(
        release(EVIL, IMG + BIDI, day(20), title=SCRIPT, body=HOSTILE_BODY, url=BAD_URLS[0])
    )
    items.append(
        commit(
            EVIL,
            "<script>x</script>",
            f"{SCRIPT} fix\n\n{HOSTILE_BODY}\n\nEvidence: monitoring",
            day(21),
            author=IMG,
            url=BAD_URLS[2],
            extra={"changed_files": [HOSTILE_PATH, "../../etc/passwd"], "additions": SCRIPT},
        )
    )
    items.append(
        Decision(
            repo=EVIL,
            url=BAD_URLS[3],
            title=f"ADR 1: {BREAKOUT}",
            author=SVG_ONLOAD,
            created_at=day(22),
            path=HOSTILE_PATH,
            status=ONERROR,
            context=HOSTILE_BODY,
            decision=f"## Decision\n{SCRIPT}",
            consequences=MD_JS,
        )
    )
    items.append(
        Incident(
            repo=EVIL,
            url=BAD_URLS[4],
            title=f"{ONERROR} incident",
            number=99,
            state="closed",
            labels=("evidence", BREAKOUT),
            body=HOSTILE_BODY,
            author=BREAKOUT,
            created_at=day(23),
            closed_at=day(24),
        )
    )
    items.append(
        Deployment(
            repo=EVIL,
            url=BAD_URLS[0],
            title=f"{BREAKOUT} deploy",
            id=SVG_ONLOAD,
            environment="production",
            ref=IMG + BIDI,
            status="success",
            author=ONERROR,
            created_at=day(25),
            finished_at=day(25),
        )
    )
    config = make_config(
        [{"name": "Evil <b>system</b>", "slug": "evil", "repos": [f"github:{EVIL_SPEC}"]}]
    )
    return make_inputs(config, repositories, tuple(stored(i) for i in items))
