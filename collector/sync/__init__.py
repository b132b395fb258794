"""The sync loop: any forge source into the store, page by page (``loop``).

``repository`` reconciles a source's listing with the store and collects one
repository; ``shard`` splits a fleet's repositories between runs.
"""

from collector.sync.loop import ProgressCallback, SourceReport, collect_source

__all__ = ["ProgressCallback", "SourceReport", "collect_source"]
