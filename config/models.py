"""What the owner asked for: the typed shape of ``evidence.toml``.

Every field carries its documentation (``description``); the manual's config
reference is generated from these models and a test keeps the two in step.
Unknown keys are errors, never silently ignored.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, ClassVar, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from config.base import Model
from config.rules import ClassifyConfig, OverrideConfig, RuleConfig

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
REPO_PATH = r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$"
# Environment variable names in capitals: a pasted token (ghp_..., glpat-...) never matches.
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
# forge:path, or forge:host/path for a self-managed instance (host may carry a port; a
# GitLab path prefix reads as leading path segments, as in the RepoRef's string form).
REPO_SPEC = r"^(github|gitlab):(?:[A-Za-z0-9.-]+:[0-9]+/)?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$"
# GitLab: a group's full path (subgroups separated by /), and a project as path or numeric id.
GROUP_PATH = r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$"
PROJECT_SPEC = r"^(?:[1-9][0-9]*|[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)$"
# forge:username on github.com / gitlab.com, forge:host/username elsewhere (host may carry
# a port and a path prefix: gitlab:example.com/gitlab/dana).
ACCOUNT_SPEC = (
    r"^(github|gitlab):(?:[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9_.-]+)*/)?[A-Za-z0-9_.-]+$"
)


def _without_user_info(value: str, advice: str) -> str:
    """Refuse ``scheme://user:secret@host``: what sits there is a credential, never shown.

    A URL is printed, stored and published (source names, "Forge" lines, status.json),
    so a token pasted into one would leak everywhere. The message never echoes it.
    """
    netloc = value.split("://", 1)[1].split("/", 1)[0] if "://" in value else ""
    if "@" in netloc:
        raise ValueError(f"holds a user name or credential before '@' (not shown); {advice}")
    return value


FORGE_URL_ADVICE = "remove it and put the token in an environment variable named by token_env"


HTTP_URL = r"^https?://[^/\s]+(/\S*)?$"
EMAIL = r"^[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+$"
AVATAR_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")


def _http(value: str) -> str:
    _without_user_info(value, "a public link has no credentials: remove them")
    if value and not re.match(HTTP_URL, value):
        raise ValueError("expected an http(s) URL such as https://example.com/you")
    return value


class ExtraLinkConfig(Model):
    """One more link to show beside the others: a label and where it goes."""

    label: str = Field(description="What the link says, e.g. 'Mastodon' or 'Talks'.", min_length=1)
    url: str = Field(description="Where it goes: an http(s) URL.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value:
            raise ValueError("expected an http(s) URL such as https://example.com/you")
        return _http(value)


class LinksConfig(Model):
    """How visitors reach you: shown on the first screen of the home page. Profile links
    carry rel="me", the convention profile sites use to verify each other."""

    email: str = Field("", description="An e-mail address, shown as a mailto: link.")
    github: str = Field("", description="Your GitHub profile URL.")
    gitlab: str = Field("", description="Your GitLab profile URL (gitlab.com or your own).")
    linkedin: str = Field("", description="Your LinkedIn profile URL.")
    website: str = Field("", description="Your own website's URL.")
    cv: str = Field("", description="URL of your CV (a PDF or a page).")
    other: list[ExtraLinkConfig] = Field(
        [], description="Any further links, in order: [[site.links.other]] label and url."
    )

    @field_validator("github", "gitlab", "linkedin", "website", "cv")
    @classmethod
    def _http_link(cls, value: str) -> str:
        return _http(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.match(EMAIL, value):
            raise ValueError("expected an e-mail address such as dana@example.com")
        return value


class SiteConfig(Model):
    """Who the pages are about and where they are served."""

    title: str = Field(
        "Engineering Notebook", description="Site title, shown in every page header."
    )
    owner: str = Field(description="Your name as visitors should read it.", min_length=1)
    role: str = Field("", description="Your role, e.g. 'Backend Engineer'.")
    tagline: str = Field(
        "", description="One line under your name; also the pages' meta description."
    )
    summary: str = Field(
        "",
        description="One sentence, in your words, of what you build and what it proves; the "
        "first thing the home page says after your name (the tagline when empty).",
    )
    links: LinksConfig = Field(
        LinksConfig(), description="Contact and profile links ([site.links])."
    )
    avatar: Path | None = Field(
        None,
        description="A picture of you: a local image file (PNG, JPEG, WebP, GIF or SVG, "
        "relative to the config file), published as avatar.<ext>. Not a URL: the pages load "
        "nothing from other sites.",
    )
    mission: str = Field("", description="Current mission, shown on the home page.")
    base_url: str = Field(
        "http://localhost:8000/",
        description="Public URL the site is served from (may include a sub-path); "
        "used for canonical links, feeds and the sitemap.",
    )
    language: str = Field("en", description="Language of the pages (BCP 47 tag).")

    @field_validator("avatar", mode="before")
    @classmethod
    def _local_avatar(cls, value: object) -> object:
        if isinstance(value, str) and re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
            raise ValueError(
                "expected a local image file; the pages' CSP loads no image from another site"
            )
        if isinstance(value, str | Path) and not str(value).lower().endswith(AVATAR_SUFFIXES):
            raise ValueError("expected a .png, .jpg, .jpeg, .webp, .gif or .svg file")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        _without_user_info(value, "a public URL has no credentials: remove them")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("expected an http(s) URL such as https://dana.dev/evidence/")
        return value if value.endswith("/") else value + "/"


class StoreConfig(Model):
    """Where collected records are kept between runs."""

    url: str = Field(
        "sqlite:///.evidence/ledger.db",
        description="SQLAlchemy URL of the store. SQLite paths are relative to the config "
        "file; use postgresql+psycopg://user@host/db for PostgreSQL. Keep it outside the "
        "output folder, which is published.",
    )
    url_env: str = Field(
        "",
        description="Name of an environment variable holding the store URL instead of `url`, "
        "so a database password stays out of this file (e.g. EVIDENCE_STORE_URL from a "
        "Kubernetes Secret).",
        pattern=r"^$|^[A-Z_][A-Z0-9_]*$",
    )

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str, info: ValidationInfo) -> str:
        # A password is fine in the URL read from url_env, never in the file.
        from_env = isinstance(info.context, dict) and info.context.get("from_env") is True
        if urlsplit(value).password and not from_env:
            raise ValueError(
                "holds a password (not shown); keep the file free of secrets: export the URL "
                "in an environment variable and name it in url_env"
            )
        if not value.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
            raise ValueError(
                "expected sqlite:///path/to/ledger.db or postgresql+psycopg://user@host/db"
            )
        return value


class OutputConfig(Model):
    """Where the generated site is written."""

    dir: Path = Field(
        Path("output"),
        description="Folder the site is written to, relative to the config file. Its "
        "hidden top-level files (.gitignore, .nojekyll, CNAME) are yours and kept.",
    )


class SourceSettings(Model):
    """What every ``[[sources]]`` table has, whichever forge it reads.

    A forge's settings model extends this one (``GitHubSource``, ``GitLabSource``)
    and joins the ``Source`` union; ``collector.forges.registry`` names the
    package that reads it.
    """

    label: ClassVar[str]  # the forge's name as visitors read it ("GitHub")
    default_host: ClassVar[str]  # where its public instance lives ("github.com")

    forge: str = Field(description="Which forge this source reads.")
    name: str = Field(
        "",
        description="Short unique name of this source, used in logs and the store "
        "(default: the forge's host, with its path prefix if any).",
        pattern=r"^$|^[a-z0-9][a-z0-9_.-]*$",
    )
    include_private: StrictBool = Field(
        False,
        description="Collect private repositories (GitHub: internal ones too). Their items "
        "are rendered redacted (category, date, system, size only).",
    )
    show_private: Literal["redacted", "full"] = Field(
        "redacted",
        description="How items of this source's private and internal repositories appear: "
        "'redacted' (category, date, system, size) or 'full' (title, body, links and "
        "repository name, as for public work). Only with include_private (or, on GitLab, "
        "include_internal).",
    )
    include_forks: StrictBool = Field(False, description="Collect repositories that are forks.")
    include_archived: StrictBool = Field(True, description="Collect archived repositories.")

    @classmethod
    def tag(cls) -> str:
        """The ``forge = "..."`` value that selects this model."""
        (value,) = get_args(cls.model_fields["forge"].annotation)
        return str(value)

    @property
    def host(self) -> str:
        """Where the repositories live: a host, with a path prefix for some instances."""
        raise NotImplementedError

    @property
    def source_name(self) -> str:
        return self.name or self.host


class GitHubSource(SourceSettings):
    """A GitHub (or GitHub Enterprise Server) account set to collect from."""

    label: ClassVar[str] = "GitHub"
    default_host: ClassVar[str] = "github.com"

    forge: Literal["github"] = Field(description="Which forge this source reads.")
    api_url: str = Field(
        "https://api.github.com",
        description="REST API base URL. GitHub Enterprise Server: https://HOST/api/v3.",
    )
    token_env: str = Field(
        "GITHUB_TOKEN",
        description="Name of the environment variable holding the token. The token "
        "itself never goes in this file.",
        pattern=ENV_NAME,
    )
    users: tuple[str, ...] = Field((), description="Logins whose own repositories are read.")
    orgs: tuple[str, ...] = Field((), description="Organisations whose repositories are read.")
    repos: tuple[Annotated[str, Field(pattern=REPO_PATH)], ...] = Field(
        (), description="Single repositories as owner/name."
    )

    @field_validator("api_url")
    @classmethod
    def _http_api_url(cls, value: str) -> str:
        _without_user_info(value, FORGE_URL_ADVICE)
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("expected an http(s) URL such as https://api.github.com")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _has_scope(self) -> GitHubSource:
        if not (self.users or self.orgs or self.repos):
            raise ValueError("give at least one of users, orgs or repos")
        return self

    @property
    def host(self) -> str:
        """Web host the repositories live on (api.github.com -> github.com)."""
        netloc = self.api_url.split("://", 1)[1].split("/", 1)[0]
        return "github.com" if netloc == "api.github.com" else netloc


def _project_id_as_text(value: object) -> object:
    # TOML lets the owner write a numeric project id bare: projects = [4242].
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GitLabSource(SourceSettings):
    """A GitLab instance (gitlab.com or self-managed) to collect from."""

    label: ClassVar[str] = "GitLab"
    default_host: ClassVar[str] = "gitlab.com"

    forge: Literal["gitlab"] = Field(description="Which forge this source reads.")
    url: str = Field(
        "https://gitlab.com",
        description="The instance's web address, not its API: https://gitlab.com, or e.g. "
        "https://git.example.com/gitlab for one served under a path prefix.",
    )
    token_env: str = Field(
        "GITLAB_TOKEN",
        description="Name of the environment variable holding a token with the read_api "
        "scope. The token itself never goes in this file.",
        pattern=ENV_NAME,
    )
    groups: tuple[Annotated[str, Field(pattern=GROUP_PATH)], ...] = Field(
        (), description="Groups by full path (e.g. platform/infra); their subgroups are included."
    )
    users: tuple[str, ...] = Field((), description="Usernames whose personal projects are read.")
    projects: tuple[
        Annotated[str, BeforeValidator(_project_id_as_text), Field(pattern=PROJECT_SPEC)], ...
    ] = Field((), description="Single projects by full path (group/name) or numeric id.")
    include_internal: StrictBool = Field(
        False,
        description="Collect internal projects (visible to every signed-in user of the "
        "instance). Their items are rendered redacted.",
    )
    ca_bundle: Path | None = Field(
        None,
        description="PEM file of the certificate authorities that sign the instance's TLS "
        "certificate (relative to the config file), for an internal CA.",
    )
    verify_tls: StrictBool = Field(
        True,
        description="Check the instance's TLS certificate. Turn off only for a test instance; "
        "prefer ca_bundle.",
    )
    timeout: StrictFloat | None = Field(
        None,
        description="Seconds to wait for each answer from this instance before retrying it; "
        "unset, [collect] timeout applies. A slow self-managed instance may need more.",
        gt=0,
        le=600,
    )
    page_size: StrictInt = Field(
        100, description="Items asked for per page (GitLab allows at most 100).", ge=1, le=100
    )

    @field_validator("url")
    @classmethod
    def _instance_url(cls, value: str) -> str:
        _without_user_info(value, FORGE_URL_ADVICE)
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError("expected an http(s) URL such as https://gitlab.example.com")
        value = value.rstrip("/")
        if re.search(r"/api/v\d+$", value):
            raise ValueError(f"give the instance's web address, without /api/v4 ({value!r})")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> GitLabSource:
        if not (self.groups or self.users or self.projects):
            raise ValueError("give at least one of groups, users or projects")
        if self.ca_bundle is not None and not self.verify_tls:
            raise ValueError("ca_bundle and verify_tls = false contradict each other; keep one")
        return self

    @property
    def host(self) -> str:
        """Host and path prefix the projects live under (git.example.com/gitlab)."""
        return self.url.split("://", 1)[1]

    @property
    def api_url(self) -> str:
        return self.url + "/api/v4"


Source = Annotated[GitHubSource | GitLabSource, Field(discriminator="forge")]
SOURCE_MODELS: tuple[type[SourceSettings], ...] = get_args(get_args(Source)[0])


FORGE_LABELS = {model.tag(): model.label for model in SOURCE_MODELS}


def forge_label(forge: str) -> str:
    """A forge's name as visitors read it ("github" -> "GitHub")."""
    return FORGE_LABELS.get(forge, forge)


class IdentityConfig(Model):
    """Your own accounts on each forge, so pages can tell your work from others'."""

    accounts: tuple[Annotated[str, Field(pattern=ACCOUNT_SPEC)], ...] = Field(
        (),
        description="Your accounts as forge:username on github.com and gitlab.com, or "
        "forge:host/username on GitHub Enterprise and self-managed GitLab (host as the "
        "source's, path prefix included), e.g. ['github:dana-dev', "
        "'gitlab:git.example.com/gitlab/dana.d']. Items they authored are shown as yours.",
    )

    def owns(self, forge: str, host: str, username: str) -> bool:
        """Whether ``username`` on ``forge`` at ``host`` is one of the owner's accounts."""
        return (forge, host.casefold(), username.casefold()) in self.parsed_accounts

    @cached_property  # asked once per item of a 20,000-item site
    def parsed_accounts(self) -> frozenset[tuple[str, str, str]]:
        """(forge, host, username), casefolded, of every account."""
        default_hosts = {model.tag(): model.default_host for model in SOURCE_MODELS}
        parsed = set()
        for account in self.accounts:
            forge, _, rest = account.partition(":")
            host, _, username = rest.rpartition("/")
            parsed.add((forge, (host or default_hosts[forge]).casefold(), username.casefold()))
        return frozenset(parsed)


class TagsConfig(Model):
    """How your labels surface items."""

    prefix: str = Field(
        "evidence",
        description="Label prefix that surfaces an item: 'evidence' or 'evidence:<category>' "
        "(GitLab also 'evidence::<category>').",
        pattern=r"^[A-Za-z0-9_.-]+$",
    )


class SurfaceConfig(Model):
    """Which items appear individually on the pages besides the ones you tagged."""

    releases: StrictBool = Field(True, description="Surface releases of public repositories.")
    deployments: Literal["production", "all", "none"] = Field(
        "production",
        description="Surface successful deployments of public repositories: to production "
        "environments only ([classify] production_environments), all, or none.",
    )
    incidents: Literal["resolved", "all", "none"] = Field(
        "resolved",
        description="Surface incidents of public repositories: resolved ones, all, or none.",
    )
    decisions: StrictBool = Field(
        True, description="Surface architecture decision records of public repositories."
    )


class SystemConfig(Model):
    """A system you keep in production, shown as a dossier."""

    name: str = Field(description="System name as shown to visitors.", min_length=1)
    slug: str = Field(description="URL-safe identifier (lowercase, dashes).", pattern=SLUG)
    status: str = Field("In production", description="Status label, e.g. 'In production'.")
    mission: str = Field("", description="What the system is for, one or two sentences.")
    repos: tuple[Annotated[str, Field(pattern=REPO_SPEC)], ...] = Field(
        (),
        description="Repositories of this system as forge:owner/name, e.g. "
        "'github:acme-corp/payments-api', 'gitlab:platform/infra/terraform', or with the host "
        "of a self-managed instance: 'gitlab:git.example.com/gitlab/platform/infra'.",
    )


class ThemeConfig(Model):
    """Your own templates and CSS on top of the built-in theme."""

    templates: Path | None = Field(
        None,
        description="Folder of Jinja2 templates that override the built-in ones by file name "
        "(relative to the config file). A template can extend the built-in one it replaces "
        'with {% extends "default/<name>" %}.',
    )
    css: Path | None = Field(
        None,
        description="A CSS file (relative to the config file) published as theme.css and "
        "linked after the built-in stylesheet on every page.",
    )


class CollectConfig(Model):
    """How collection treats the forges' rate limits and faults."""

    rate_limit_reserve: StrictInt = Field(
        100,
        description="Requests of the forge's rate-limit window (GitHub: an hour; gitlab.com: a "
        "minute) left untouched, for your other tools. When only this many remain, "
        "collection waits for the reset, up to max_rate_limit_wait, or stops cleanly and the "
        "next run resumes where it stopped.",
        ge=0,
    )
    max_rate_limit_wait: StrictInt = Field(
        900,
        description="Longest wait in seconds for a rate limit to reset (or for a Retry-After); "
        "a longer one stops the source cleanly instead, and the run exits partial (3).",
        ge=0,
        le=3600,
    )
    retries: StrictInt = Field(
        3,
        description="Retries of a request that failed transiently (5xx answer, timeout, "
        "dropped connection, truncated answer), with exponential backoff and jitter.",
        ge=0,
        le=10,
    )
    timeout: StrictInt = Field(
        30, description="Seconds to wait for each answer before retrying it.", ge=1, le=600
    )
    deletion_check_nights: StrictInt = Field(
        7,
        description="GitLab: each project's merge requests and incidents are checked for "
        "deletions once every this many nights (a share of the projects each night; one "
        "request per list while nothing was deleted). A deleted item is flagged gone "
        "within that many nightly builds. 0 turns the check off.",
        ge=0,
        le=90,
    )
    full_read_nights: StrictInt = Field(
        7,
        description="GitLab: a project's lists are asked only when its activity or its "
        "group's merge request and incident lists say they may have changed, and every "
        "list of it once every this many nights (a share of the projects each night). A "
        "change GitLab records no activity for (a label on a merge request of a user's "
        "project, a tag or release made in the web UI) shows within that many nightly "
        "builds; every other change the next night. 0 asks every list every night.",
        ge=0,
        le=90,
    )


class ScheduleConfig(Model):
    """When the nightly rebuild runs."""

    cron: str = Field(
        "0 3 * * *",
        description="When `evidence schedule` rebuilds: a five-field cron expression "
        "(minute hour day-of-month month day-of-week).",
    )
    timezone: str = Field(
        "UTC", description="Time zone of the cron expression (IANA name, e.g. Europe/Madrid)."
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:  # with the parser the scheduler uses
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"not a cron expression ({exc}); e.g. '0 3 * * *' for 03:00") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'UTC' or 'Europe/Madrid'"
            ) from None
        return value


class EvidenceConfig(Model):
    """The whole ``evidence.toml``."""

    site: SiteConfig
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    sources: tuple[Source, ...] = Field((), description="Forges to collect from.")
    collect: CollectConfig = Field(default_factory=CollectConfig)
    tags: TagsConfig = Field(default_factory=TagsConfig)
    surface: SurfaceConfig = Field(default_factory=SurfaceConfig)
    systems: tuple[SystemConfig, ...] = Field((), description="Systems shown as dossiers.")
    classify: ClassifyConfig = Field(default_factory=ClassifyConfig)
    rules: tuple[RuleConfig, ...] = Field(
        (), description="Your classification rules, applied in order before the built-in ones."
    )
    overrides: tuple[OverrideConfig, ...] = Field(
        (), description="Pin, hide or recategorise single items by URL."
    )
    theme: ThemeConfig = Field(default_factory=ThemeConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)

    @model_validator(mode="after")
    def _unique_names(self) -> EvidenceConfig:
        problems = []
        names = [s.source_name for s in self.sources]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"two sources are named {dup!r}; give each a distinct name")
        slugs = [s.slug for s in self.systems]
        for dup in sorted({s for s in slugs if slugs.count(s) > 1}):
            problems.append(f"two systems use the slug {dup!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self
