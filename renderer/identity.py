"""Who the site is about and how to reach them: ``[site]`` as the pages show it.

Links come from the owner's config, already validated there (http(s) URLs, an
e-mail address); they pass ``http_url`` once more here so nothing else can
reach an ``href``. Profile links carry rel="me" (IndieWeb's rel-me: profile
sites that link back verify each other).
"""

from __future__ import annotations

from pathlib import PurePath

from config.models import SiteConfig
from renderer.model import ContactLink, SiteIdentity
from renderer.text import clean_line, http_url

# [site.links] keys in the order the first screen shows them, with their labels.
PROFILE_LINKS = (
    ("github", "GitHub"),
    ("gitlab", "GitLab"),
    ("linkedin", "LinkedIn"),
    ("website", "Website"),
    ("cv", "CV"),
)
AVATAR_STEM = "avatar"


def avatar_path(source: PurePath) -> str:
    """Where the owner's picture is published: ``avatar.<ext>`` at the site root."""
    return AVATAR_STEM + source.suffix.lower()


def contact_links(site: SiteConfig) -> tuple[ContactLink, ...]:
    links = site.links
    found: list[ContactLink] = []
    email = clean_line(links.email, 200)
    if email and "@" in email and not any(c in email for c in "?#&/ "):
        found.append(ContactLink("email", email, f"mailto:{email}", me=True))
    for key, label in PROFILE_LINKS:
        href = http_url(getattr(links, key))
        if href:
            # A CV is the owner's document, not a profile that could link back.
            found.append(ContactLink(key, label, href, me=key != "cv"))
    for extra in links.other:
        href = http_url(extra.url)
        label = clean_line(extra.label, 60)
        if href and label:
            found.append(ContactLink("other", label, href, me=True))
    return tuple(found)


def site_identity(site: SiteConfig) -> SiteIdentity:
    return SiteIdentity(
        title=site.title,
        owner=site.owner,
        role=site.role,
        tagline=site.tagline,
        mission=site.mission,
        base_url=site.base_url,
        language=site.language,
        summary=site.summary or site.tagline,
        links=contact_links(site),
        avatar=avatar_path(site.avatar) if site.avatar is not None else None,
    )
