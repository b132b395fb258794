"""Which class reads which forge. Adding a forge: one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collector.forges.base.interface import ForgeSource
from collector.forges.base.limits import Limits
from collector.forges.base.signals import Recall, SignalSettings
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from config.models import CollectConfig, Source


def open_forge(
    source: Source,
    token: str,
    collect: CollectConfig | None = None,
    *,
    signals: SignalSettings | None = None,
    recall: Recall | None = None,
) -> ForgeSource:
    """The forge client for ``source``; ``collect`` sets its retries and rate-limit patience.

    ``signals`` and ``recall`` (the store) let a forge fetch only the signals the
    owner's rules need and skip what the store already holds.
    """
    limits = Limits.from_config(collect or CollectConfig())
    # Each class takes its own config model; the "forge" tag has chosen which one it is.
    forges: dict[str, Callable[[Any, str], ForgeSource]] = {
        "github": lambda config, secret: GitHubForge(
            config, secret, limits=limits, signals=signals, recall=recall
        ),
        "gitlab": lambda config, secret: GitLabForge(
            config, secret, limits=limits, signals=signals, recall=recall
        ),
    }
    return forges[source.forge](source, token)
