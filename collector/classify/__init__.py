"""Which evidence category an item proves, and whether visitors see it.

Pure and re-run on every render, so a rule change needs no refetch: owner tags
and rules (``rules``, ``default_rules.toml``) decide the categories
(``classification``); ``trail`` links a merged change to its release,
deployments and incidents.
"""

from collector.classify.classification import (
    ClassifiedItem,
    Policy,
    Reason,
    classify,
    classify_snapshot,
    needs_changed_files,
    read_owner_labels,
)

__all__ = [
    "ClassifiedItem",
    "Policy",
    "Reason",
    "classify",
    "classify_snapshot",
    "needs_changed_files",
    "read_owner_labels",
]
