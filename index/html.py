"""Read an HTML policy page as lines of text, with its headings marked as Markdown headings."""
from __future__ import annotations

import re


def html_to_text(html: str) -> str:
    """Readable lines of an HTML page: headings become Markdown headings, blocks become lines."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for tag in ("script", "style", "noscript", "nav", "header", "footer", "svg"):
        for node in tree.css(tag):
            node.decompose()
    body = tree.body or tree.root
    if body is None:
        return ""
    lines: list[str] = []
    blocks = "h1,h2,h3,h4,h5,h6,p,li,td,th,dt,dd,pre,blockquote,div"
    for node in body.css(blocks):
        if node.tag == "div" and node.css_first("p,li,div,h1,h2,h3,h4,h5,h6,table,ul,ol"):
            continue  # a wrapper: its children carry the text
        text = re.sub(r"\s+", " ", node.text(separator=" ", deep=True)).strip()
        if not text:
            continue
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = "#" * int(node.tag[1]) + " " + text
        lines.append(text)
    return "\n\n".join(lines)


