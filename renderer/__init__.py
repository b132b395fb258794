"""Store snapshot -> static site. Never talks to a forge or the store itself.

``build_site_model`` decides everything the pages show (pure); ``render_site``
writes the pages and swaps them into the output folder atomically; ``Theme``
carries the owner's template overrides and extra CSS.
"""

from renderer.render import RenderReport, render_site
from renderer.site import SiteModel, build_site_model
from renderer.theme import Theme
from renderer.writer import PageProgress

__all__ = ["PageProgress", "RenderReport", "SiteModel", "Theme", "build_site_model", "render_site"]
