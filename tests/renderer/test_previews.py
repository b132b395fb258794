"""Link previews: a 1200 × 630 PNG per home, system and stage, named in each page's meta."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

from config.models import EvidenceConfig
from renderer.previews import fit, home_preview, rasterise, wrap
from tests.renderer.builders import Inputs, make_config
from tests.renderer.site_files import attr, html_pages, one, parse

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG)
    width, height = struct.unpack(">II", content[16:24])  # the IHDR chunk comes first
    return width, height


def test_every_preview_is_a_1200_by_630_png(sample: Inputs, sample_site: Path) -> None:
    site = sample.model()
    expected = {"home.png"}
    expected |= {f"system-{s.slug}.png" for s in site.systems}
    expected |= {f"stage-{c.stage.category.value}.png" for c in site.categories}
    files = {p.name: p.read_bytes() for p in (sample_site / "previews").iterdir()}
    assert set(files) == expected
    assert {name: png_size(content) for name, content in files.items()} == dict.fromkeys(
        expected, (1200, 630)
    )


def test_previews_are_the_same_bytes_on_every_render(sample: Inputs, tmp_path: Path) -> None:
    # The golden site diffs them byte for byte: drawing must not depend on the run
    # (and, with the bundled font, not on the machine's fonts).
    first, second = tmp_path / "a", tmp_path / "b"
    sample.render(first)
    sample.render(second)
    for path in sorted((first / "previews").iterdir()):
        assert path.read_bytes() == (second / "previews" / path.name).read_bytes(), path.name


def test_each_page_names_its_preview_with_an_absolute_url(
    sample: Inputs, sample_site: Path
) -> None:
    base = sample.config.site.base_url
    for path, soup in html_pages(sample_site).items():
        image = attr(one(soup, 'meta[property="og:image"]'), "content")
        assert image.startswith(base), path
        assert (sample_site / image.removeprefix(base)).is_file(), path
        assert attr(one(soup, 'meta[property="og:image:alt"]'), "content"), path
        assert attr(one(soup, 'meta[name="twitter:card"]'), "content") == "summary_large_image"
    site = sample.model()
    system = site.systems[0]
    dossier = parse(sample_site / system.path)
    assert attr(one(dossier, 'meta[property="og:image"]'), "content") == (
        f"{base}previews/system-{system.slug}.png"
    )
    stage = parse(sample_site / "deployment.html")
    assert attr(one(stage, 'meta[property="og:image"]'), "content").endswith(
        "previews/stage-deployment.png"
    )
    item = parse(next((sample_site / "items").glob("*.html")))
    assert attr(one(item, 'meta[property="og:image"]'), "content") == f"{base}previews/home.png"


def test_long_text_is_cut_to_fit_and_wrapped() -> None:
    assert fit("short", 30) == "short"
    cut = fit("word " * 100, 30)
    assert cut.endswith("…") and len(cut) <= int(1040 / (30 * 0.6))
    lines = wrap("A mission statement that goes on " * 10, 34, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(len(line) <= int(1040 / (34 * 0.6)) for line in lines)
    assert wrap("", 34, 3) == ()


def test_hostile_text_stays_text_in_the_preview(sample: Inputs) -> None:
    config = make_config().model_dump()
    config["site"]["owner"] = '<script>alert(1)</script>"&'
    hostile = Inputs(EvidenceConfig.model_validate(config), sample.snapshot, sample.classified)
    preview = home_preview(hostile.model())
    root = ET.fromstring(preview.svg)  # noqa: S314 - our own output, and it must stay well-formed
    assert root.find(".//{http://www.w3.org/2000/svg}script") is None
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert '<script>alert(1)</script>"&' in texts  # a long name gets a smaller heading
    assert png_size(rasterise(preview.svg)) == (1200, 630)
