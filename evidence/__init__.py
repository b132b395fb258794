"""Evidence Ledger: the application layer (CLI, build pipeline, errors).

The product's stages live in the sibling packages ``config``, ``collector`` and
``renderer``; this package wires them together and owns the process edge.
"""

__version__ = "0.1.0"
