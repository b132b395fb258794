"""The domain: what the collector stores and the renderer reads.

Records of repositories and their items (``records``), the four evidence
categories (``categories``), a read-only view of the store (``snapshot``) and
what incremental collection remembers between runs (``incremental``). Pure
data: nothing here reads a forge, the store or the config.
"""
