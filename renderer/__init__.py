"""Store snapshot -> static site. Never talks to a forge or the store itself.

``build_site_model`` decides everything the pages show (pure); ``render_site``
writes the pages and swaps them into the output folder atomically.
"""

from renderer.render import RenderReport, render_site
from renderer.site import SiteModel, build_site_model

__all__ = ["RenderReport", "SiteModel", "build_site_model", "render_site"]
