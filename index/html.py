"""Read an HTML policy page as lines of text, with its headings marked as Markdown headings.

Every piece of text of the page body is kept, in order: a block element (paragraph, list item,
`<div>`, …) starts a line, inline elements and bare text stay in the line they are in, `<br>`
breaks it. Headings `<h1>`–`<h6>` become Markdown headings, a paragraph whose text is all bold
becomes a `**bold**` line (a heading for the sectioner), and a table row becomes one line with
its cells separated by tabs (a row is never cut, a cell never read as a heading), unless its
cells hold paragraphs or headings (a table used to lay out the page). Scripts,
styles, forms and the page's `<nav>`, `<header>` and `<footer>` are dropped, and so are menus
written without them: a list of links to the site's own pages and nothing else (a list of
links to other sites, such as partners' policies, stays), with the link that titles it.
"""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "svg", "template", "head",
         "iframe", "object", "select", "option", "textarea", "button", "input", "title", "meta",
         "link", "form"}
_BLOCK = {"address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "hr", "li", "main", "ol", "p", "pre",
          "section", "summary", "ul", "table", "thead", "tbody", "tfoot", "caption", "body",
          "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "html", "menu", "hgroup"}
_BOLD = {"b", "strong"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# a row holding these is page layout (a whole policy in a table cell), read as blocks
_LAYOUT = "p, div, h1, h2, h3, h4, h5, h6, ul, ol, li, table, blockquote, dl"
BOLD_LINE = 120  # a bold paragraph longer than this is emphasis, not a heading


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Lines:
    """Lines being written: the current line is a list of (text, bold) pieces."""

    def __init__(self):
        self.lines: list[str] = []
        self.pieces: list[tuple[str, bool]] = []

    def add(self, text: str, bold: bool) -> None:
        self.pieces.append((text, bold))

    def flush(self, prefix: str = "", bold_heading: bool = False) -> None:
        text = _clean("".join(t for t, _ in self.pieces))
        if text:
            if prefix:
                text = f"{prefix} {text}"
            elif bold_heading and len(text) <= BOLD_LINE and not text.startswith("**") \
                    and all(b for t, b in self.pieces if t.strip()):
                text = f"**{text}**"
            self.lines.append(text)
        self.pieces = []


def _cell_text(node) -> str:
    return _clean(node.text(separator=" ", deep=True))


MENU_ITEMS = 3  # a list of fewer links is not taken for a menu


def _links_only(node) -> bool:
    """Whether all the text of a node is the text of its links (and there is some)."""
    text = _clean(node.text(separator=" ", deep=True))
    links = " ".join(_clean(a.text(separator=" ", deep=True)) for a in node.css("a[href]"))
    return bool(text) and _clean(links) == text


def _is_menu(node) -> bool:
    """A list whose items are only links, to one site (or relative, tel:, mailto:)."""
    items = [c for c in node.iter() if c.tag == "li"]
    if len(items) < MENU_ITEMS or not all(_links_only(li) for li in items):
        return False
    # a menu links within its own site (a stray shortened link aside); a list of partners'
    # policies links to as many sites as it has items
    sites = Counter(_site(a.attributes.get("href") or "") for li in items for a in li.css("a[href]"))
    own = sites.pop("", 0) + max(sites.values(), default=0)
    return own >= 0.75 * (own + sum(sites.values()) - max(sites.values(), default=0))


def _site(href: str) -> str:
    """The registered domain of a link (support.zoom.us → zoom.us; a.b.co.uk → b.co.uk);
    "" for a relative, tel: or mailto: link."""
    labels = (urlsplit(href).hostname or "").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in ("co", "com", "net", "org", "gov", "edu", "ac") else 2
    return ".".join(labels[-keep:])


def _titles_menu(node) -> bool:
    """A heading that is only a link, followed by a menu (a footer column: "Sales", links)."""
    nxt = node.next
    while nxt is not None and nxt.tag == "-text" and not (nxt.text_content or "").strip():
        nxt = nxt.next
    return nxt is not None and nxt.tag in ("ul", "ol", "menu") and _links_only(node) \
        and _is_menu(nxt)


def html_to_text(html: str) -> str:
    """Readable lines of an HTML page: headings become Markdown headings, blocks become lines."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    out = _Lines()
    # An explicit stack instead of recursion: pages nest deeply. Entries are (node, bold) to
    # visit, or ("end", tag) to close a block.
    stack: list = [(root, False)]
    while stack:
        item = stack.pop()
        if item[0] == "end":
            tag = item[1]
            if tag in _HEADINGS:
                out.flush("#" * int(tag[1]))
            else:
                out.flush(bold_heading=tag in ("p", "div", "center"))
            continue
        node, bold = item
        tag = node.tag
        if tag == "-text":
            text = node.text_content or ""
            if text:
                out.add(text, bold)
            continue
        if tag is None or tag.startswith("-") or tag in _SKIP:
            continue  # comments, doctype, dropped elements
        if (tag in ("ul", "ol", "menu") and _is_menu(node)) or (tag in _HEADINGS
                                                               and _titles_menu(node)):
            continue
        if tag == "br":
            out.flush()
            continue
        if tag == "tr" and not node.css_first(_LAYOUT):
            out.flush()
            cells = [_cell_text(c) for c in node.iter() if c.tag in ("td", "th")]
            cells = [c for c in cells if c]
            if cells:
                out.lines.append("\t".join(cells))
            continue
        block = tag in _BLOCK
        if block:
            out.flush()
            stack.append(("end", tag))
        children = list(node.iter(include_text=True))
        inner_bold = bold or tag in _BOLD
        for child in reversed(children):
            stack.append((child, inner_bold))
    out.flush()
    return "\n\n".join(out.lines)
