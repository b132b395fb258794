"""The forges behind one interface: ``base`` (the interface and what every forge
shares), one package per forge (``github``, ``gitlab``), and ``registry``, the one
place that says which package reads which kind of ``[[sources]]`` table.

Adding a forge: a folder beside ``github/``, its settings model in
``config/models.py`` (added to ``Source``) and one line in ``registry.FORGES``.
"""

from collector.forges.registry import open_forge

__all__ = ["open_forge"]
