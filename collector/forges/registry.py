"""Which forge package reads which kind of ``[[sources]]`` table: the one registry.

Adding a forge: its package beside ``github/`` and ``gitlab/`` (a class with
the constructor below that implements ``ForgeSource``), its settings model in
``config/models.py`` (extending ``SourceSettings``, added to ``Source``), and
one line in ``FORGES``. A test checks that every settings model has a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from collector.forges.base.interface import ForgeSource
from collector.forges.base.limits import Limits
from collector.forges.base.signals import Recall, SignalSettings
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from config.models import CollectConfig, GitHubSource, GitLabSource, SourceSettings


class ForgeFactory(Protocol):
    """What a forge package's class is called with (its settings model as ``config``)."""

    def __call__(
        self,
        config: Any,
        token: str,
        *,
        limits: Limits,
        signals: SignalSettings | None,
        recall: Recall | None,
    ) -> ForgeSource: ...


FORGES: Mapping[type[SourceSettings], ForgeFactory] = {
    GitHubSource: GitHubForge,
    GitLabSource: GitLabForge,
}


def open_forge(
    source: SourceSettings,
    token: str,
    collect: CollectConfig | None = None,
    *,
    signals: SignalSettings | None = None,
    recall: Recall | None = None,
    registry: Mapping[type[SourceSettings], ForgeFactory] = FORGES,
) -> ForgeSource:
    """The forge client for ``source``; ``collect`` sets its retries and rate-limit patience.

    ``signals`` and ``recall`` (the store) let a forge fetch only the signals the
    owner's rules need and skip what the store already holds.
    """
    factory = registry[type(source)]
    limits = Limits.from_config(collect or CollectConfig())
    return factory(source, token, limits=limits, signals=signals, recall=recall)
