"""What the owner asked for: the typed shape of ``evidence.toml``.

Every field carries its documentation (``description``); the README's config
reference is generated from these models and a test keeps the two in step.
Unknown keys are errors, never silently ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
REPO_PATH = r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$"
# forge:path, or forge:host/path for a self-managed instance
# Environment variable names in capitals: a pasted token (ghp_..., glpat-...) never matches.
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
REPO_SPEC = r"^(github|gitlab):[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$"


class Model(BaseModel):
    """Base of every config table: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteConfig(Model):
    """Who the pages are about and where they are served."""

    title: str = Field(
        "Engineering Notebook", description="Site title, shown in every page header."
    )
    owner: str = Field(description="Your name as visitors should read it.", min_length=1)
    role: str = Field("", description="Your role, e.g. 'Backend Engineer'.")
    tagline: str = Field("", description="One sentence under your name.")
    mission: str = Field("", description="Current mission, shown on the home page.")
    base_url: str = Field(
        "http://localhost:8000/",
        description="Public URL the site is served from (may include a sub-path); "
        "used for canonical links, feeds and the sitemap.",
    )
    language: str = Field("en", description="Language of the pages (BCP 47 tag).")

    @field_validator("base_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
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

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
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


class GitHubSource(Model):
    """A GitHub (or GitHub Enterprise Server) account set to collect from."""

    forge: Literal["github"] = Field(description="Which forge this source reads.")
    name: str = Field(
        "",
        description="Short unique name of this source, used in logs and the store "
        "(default: the forge's host).",
        pattern=r"^$|^[a-z0-9][a-z0-9_.-]*$",
    )
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
    include_private: bool = Field(
        False,
        description="Collect private and internal repositories. Their items are "
        "rendered redacted (category, date, system, size only).",
    )
    include_forks: bool = Field(False, description="Collect repositories that are forks.")
    include_archived: bool = Field(True, description="Collect archived repositories.")

    @field_validator("api_url")
    @classmethod
    def _http_api_url(cls, value: str) -> str:
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

    @property
    def source_name(self) -> str:
        return self.name or self.host


Source = GitHubSource


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

    releases: bool = Field(True, description="Surface releases of public repositories.")


class SystemConfig(Model):
    """A system you keep in production, shown as a dossier."""

    name: str = Field(description="System name as shown to visitors.", min_length=1)
    slug: str = Field(description="URL-safe identifier (lowercase, dashes).", pattern=SLUG)
    status: str = Field("In production", description="Status label, e.g. 'In production'.")
    mission: str = Field("", description="What the system is for, one or two sentences.")
    repos: tuple[Annotated[str, Field(pattern=REPO_SPEC)], ...] = Field(
        (), description="Repositories of this system as forge:owner/name."
    )


class ScheduleConfig(Model):
    """When the nightly rebuild runs."""

    cron: str = Field("0 3 * * *", description="When `evidence schedule` rebuilds (cron).")
    timezone: str = Field("UTC", description="Time zone of the cron expression (IANA name).")


class EvidenceConfig(Model):
    """The whole ``evidence.toml``."""

    site: SiteConfig
    store: StoreConfig = Field(default_factory=StoreConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    sources: tuple[Source, ...] = Field((), description="Forges to collect from.")
    tags: TagsConfig = Field(default_factory=TagsConfig)
    surface: SurfaceConfig = Field(default_factory=SurfaceConfig)
    systems: tuple[SystemConfig, ...] = Field((), description="Systems shown as dossiers.")
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
