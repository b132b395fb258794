"""Read ``evidence.toml`` into an ``EvidenceConfig``, reporting every problem at once.

Each problem is one line: the dotted key, what is wrong and what is expected.
Nothing is silently defaulted when a value is present but wrong.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from config.models import (
    ACCOUNT_SPEC,
    ENV_NAME,
    GROUP_PATH,
    PROJECT_SPEC,
    REPO_PATH,
    REPO_SPEC,
    SLUG,
    EvidenceConfig,
    GitLabSource,
    StoreConfig,
)
from core.errors import ConfigError
from core.redaction import register_secret

# Regexes are for the machine; owners read these instead.
PATTERN_HINTS = {
    SLUG: "lowercase letters, digits and single dashes, e.g. 'ocm-brain'",
    REPO_PATH: "owner/name, e.g. 'acme-corp/payments-api'",
    REPO_SPEC: "forge:owner/name, e.g. 'github:acme-corp/payments-api' or "
    "'gitlab:git.example.com/platform/infra' for a self-managed instance",
    GROUP_PATH: "a group's full path, e.g. 'platform' or 'platform/infra'",
    PROJECT_SPEC: "a project's full path or numeric id, e.g. 'platform/infra/terraform' or 4242",
    ACCOUNT_SPEC: "forge:username, e.g. 'github:dana-dev' or 'gitlab:git.example.com/dana.d'",
    ENV_NAME: "the NAME of an environment variable in capitals, e.g. GITHUB_TOKEN",
}
SECRET_KEYS = frozenset({"token_env"})
EXPECTED = {
    "string_type": "expected text in quotes",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "tuple_type": 'expected a list, e.g. ["a", "b"]',
    "list_type": 'expected a list, e.g. ["a", "b"]',
    "model_type": "expected a table ([section] or {key = value})",
    "model_attributes_type": "expected a table ([section] or {key = value})",
    "dict_type": "expected a table ([section] or {key = value})",
}


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: EvidenceConfig
    path: Path  # absolute path of the file read
    base_dir: Path  # relative paths in the file resolve against this folder

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.config.output.dir)


def load_config(path: Path) -> LoadedConfig:
    """Parse and validate the config file; raise ``ConfigError`` listing every problem."""
    path = path.expanduser().resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            ["file not found; create a starter file with `evidence init`, or pass --config PATH"],
            str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [f"cannot be read ({exc}); check its permissions and encoding"], str(path)
        ) from None
    config = _resolve_files(parse_config(text, source=str(path)), path.parent, str(path))
    config = resolve_store_url(config, source=str(path))
    return LoadedConfig(config, path, path.parent)


def parse_config(text: str, *, source: str = "evidence.toml") -> EvidenceConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"is not valid TOML: {exc}"], source) from None
    try:
        return EvidenceConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([describe(error) for error in exc.errors()], source) from None


def resolve_store_url(
    config: EvidenceConfig, *, source: str, environ: Mapping[str, str] | None = None
) -> EvidenceConfig:
    """``[store] url_env``: take the store URL (and its password) from the environment.

    Like tokens, the value is never echoed, and its password is registered with
    the log redactor.
    """
    name = config.store.url_env
    if not name:
        return config
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        raise ConfigError(
            [
                f"store.url_env: environment variable {name} is not set; export the store URL "
                "there, e.g. postgresql+psycopg://evidence:PASSWORD@db.example.com/evidence"
            ],
            source,
        )
    password = urlsplit(value).password
    if password:
        register_secret(password)
    try:
        store = StoreConfig.model_validate(
            {"url": value, "url_env": name}, context={"from_env": True}
        )
    except ValidationError:
        raise ConfigError(
            [
                f"store.url_env: {name} does not hold a store URL; expected "
                "sqlite:///path/to/ledger.db or postgresql+psycopg://user:password@host/db"
            ],
            source,
        ) from None
    return config.model_copy(update={"store": store})


def _resolve_files(config: EvidenceConfig, base_dir: Path, source: str) -> EvidenceConfig:
    """Make the sources' file paths absolute (relative to the config file) and check them."""
    problems: list[str] = []
    sources = []
    for index, entry in enumerate(config.sources):
        if isinstance(entry, GitLabSource) and entry.ca_bundle is not None:
            bundle = entry.ca_bundle.expanduser()
            bundle = bundle if bundle.is_absolute() else (base_dir / bundle).resolve()
            if not bundle.is_file():
                problems.append(
                    f"sources[{index}].ca_bundle: {bundle} is not a file; give the PEM file "
                    "of your instance's certificate authority"
                )
            entry = entry.model_copy(update={"ca_bundle": bundle})
        sources.append(entry)
    if problems:
        raise ConfigError(problems, source)
    return config.model_copy(update={"sources": tuple(sources)})


def dotted(loc: tuple[int | str, ...]) -> str:
    """('sources', 0, 'users') -> 'sources[0].users'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def describe(error: ErrorDetails) -> str:
    """One line per problem: the key, what is wrong, what is expected."""
    loc, at = _walk(tuple(error["loc"]))
    key = dotted(loc)
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # A [[sources]] table whose forge is unknown or missing.
        ctx = error.get("ctx") or {}
        field = str(ctx.get("discriminator", "forge")).strip("'")
        expected = ", ".join(sorted(at)) if isinstance(at, dict) else "?"
        if kind == "union_tag_not_found":
            return f"{key}.{field}: required key is missing; expected one of: {expected}"
        tag = _short(ctx.get("tag"))
        return f"{key}.{field}: unknown {field} {tag}; expected one of: {expected}"
    given = error.get("input")
    if loc and loc[-1] in SECRET_KEYS:
        # Someone may have pasted a token here: never echo the value back.
        given = "<hidden>"
    if kind == "extra_forbidden":
        if loc[-1] in SECRET_KEYS or loc[-1] == "token":
            return (
                f"{key}: tokens never go in the config file; set token_env to the name of "
                "the environment variable that holds the token"
            )
        _, parent = _walk(tuple(error["loc"])[:-1])
        allowed = ", ".join(sorted(parent.model_fields) if _is_model(parent) else [])
        return f"{key}: unknown key; expected one of: {allowed}"
    if kind == "missing":
        return f"{key}: required key is missing"
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        hint = PATTERN_HINTS.get(pattern, f"text matching {pattern}")
        return f"{key}: {given!r} is not valid; expected {hint}"
    message = EXPECTED.get(kind) or error["msg"].removeprefix("Value error, ")
    if kind in EXPECTED or kind == "literal_error":
        return f"{key}: {message} (got {_short(given)})"
    return f"{key}: {message}"


def _short(value: Any) -> str:
    text = value if value == "<hidden>" else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], Any]:
    """Follow ``loc`` from the top of the config to what it points at.

    Returns the location as the owner wrote it and what sits there: a model, a
    ``{tag: model}`` mapping for a tagged union such as ``[[sources]]``, or None.
    Pydantic puts the tag of the union member it tried into the location
    (``sources.0.gitlab.groups``); the owner never wrote it, so it is dropped.
    """
    current: Any = EvidenceConfig
    clean: list[int | str] = []
    for part in loc:
        if isinstance(part, int):
            clean.append(part)
            continue
        if isinstance(current, dict):
            if part in current:
                current = current[part]
                continue
            current = None
        clean.append(part)
        field = current.model_fields.get(part) if _is_model(current) else None
        current = None if field is None else _models_in(field.annotation)
    return tuple(clean), current


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _models_in(annotation: Any) -> Any:
    """The model inside e.g. ``tuple[SystemConfig, ...]``, or {tag: model} for a tagged union."""
    if _is_model(annotation):
        return annotation
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, FieldInfo) and isinstance(meta.discriminator, str):
            tag = meta.discriminator
            return {
                value: model
                for model in get_args(annotation.__origin__)
                for value in get_args(model.model_fields[tag].annotation)
            }
    for arg in get_args(annotation):
        if (found := _models_in(arg)) is not None:
            return found
    return None
