"""The built book (`make book`, then `make check-html`) read as a reader would: no "nan" in any table cell,
no "…" truncating a settings table, every figure with a numbered caption, every claim of the report with an
evidence link that resolves to an element of a built page. Skipped when no book is built, unless
VAAL_REQUIRE_HTML=1 (CI, after building it)."""
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[1] / "_build" / "html"
PAGES = HTML / "book" / "chapters"
required = os.environ.get("VAAL_REQUIRE_HTML") == "1"
pytestmark = pytest.mark.skipif(not PAGES.is_dir() and not required, reason="no built book (make book)")


class Page(HTMLParser):
    """Table cells, figures (with or without a caption), links and element ids of one page."""

    def __init__(self):
        super().__init__()
        self.cells, self.links, self.ids, self.figures = [], [], set(), []
        self._cell = None
        self._figure = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag in ("td", "th"):
            self._cell = []
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "figure":
            self._figure = {"id": a.get("id"), "caption": False}
        if tag == "figcaption" and self._figure is not None:
            self._figure["caption"] = True
        if tag == "img" and self._figure is None:
            self.figures.append({"id": None, "caption": False, "src": a.get("src", "")})

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None
        if tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text())
    return p


def pages():
    if required:
        assert PAGES.is_dir(), f"{PAGES} does not exist: build the book first (make book)"
    return sorted(PAGES.glob("*.html"))


def test_no_table_cell_shows_nan_and_no_setting_is_truncated():
    for page in pages():
        p = parse(page)
        bad = [c for c in p.cells if re.fullmatch(r"(nan|NaN|<NA>|None)", c)]
        assert not bad, f"{page.name}: {len(bad)} table cell(s) show {bad[0]!r}"
        cut = [c for c in p.cells if c.endswith("...") or c == "…"]
        assert not cut, f"{page.name}: a table cell is truncated: {cut[0]!r}"


def test_every_figure_has_a_caption():
    for page in pages():
        naked = [f for f in parse(page).figures if not f["caption"]]
        assert not naked, f"{page.name}: {len(naked)} figure(s) without a caption, e.g. {naked[0]}"


def test_every_claim_links_to_evidence_that_exists():
    report = parse(PAGES / "report.html")
    links = [h for h in report.links if re.match(r"^[a-z_]+\.html#", h)]
    assert links, "the report links no evidence"
    for href in links:
        page, anchor = href.split("#")
        target = PAGES / page
        assert target.exists(), f"report links {href}: no page {page}"
        assert anchor in parse(target).ids, f"report links {href}: {page} has no element #{anchor}"
