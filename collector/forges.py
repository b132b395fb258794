"""Which class reads which forge. Adding a forge: one module and one line here."""

from __future__ import annotations

from collector.github import GitHubForge
from collector.sources import ForgeSource
from config.models import Source


def open_forge(source: Source, token: str) -> ForgeSource:
    forges = {
        "github": GitHubForge,
    }
    return forges[source.forge](source, token)
