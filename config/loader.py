"""Read ``evidence.toml`` into an ``EvidenceConfig``, reporting every problem at once.

Each problem is one line: the dotted key, what is wrong and what is expected.
Nothing is silently defaulted when a value is present but wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from config.models import ENV_NAME, REPO_PATH, REPO_SPEC, SLUG, EvidenceConfig
from evidence.errors import ConfigError

# Regexes are for the machine; owners read these instead.
PATTERN_HINTS = {
    SLUG: "lowercase letters, digits and single dashes, e.g. 'ocm-brain'",
    REPO_PATH: "owner/name, e.g. 'acme-corp/payments-api'",
    REPO_SPEC: "forge:owner/name, e.g. 'github:acme-corp/payments-api'",
    ENV_NAME: "the NAME of an environment variable in capitals, e.g. GITHUB_TOKEN",
}
SECRET_KEYS = frozenset({"token_env"})
EXPECTED = {
    "string_type": "expected text in quotes",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
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
    return LoadedConfig(parse_config(text, source=str(path)), path, path.parent)


def parse_config(text: str, *, source: str = "evidence.toml") -> EvidenceConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"is not valid TOML: {exc}"], source) from None
    try:
        return EvidenceConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([describe(error) for error in exc.errors()], source) from None


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
    loc = tuple(error["loc"])
    key = dotted(loc)
    kind = error["type"]
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
        allowed = ", ".join(sorted(_fields_at(EvidenceConfig, loc[:-1])))
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


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model reached by following ``loc`` from ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_in(annotation: Any) -> Any:
    """The model class inside an annotation such as ``tuple[GitHubSource, ...]``."""
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if (found := _model_in(arg)) is not None:
            return found
    return None
