"""Plain text from sanitised HTML: for search, summaries and the archive's record."""

import re

import nh3

BLOCK_END = re.compile(r"</(p|h2|h3|h4|li|blockquote|figcaption)>|<br\s*/?>", re.I)


def html_to_text(html):
    """Readable text of an HTML body, one line per block."""
    text = nh3.clean(BLOCK_END.sub("\n", html or ""), tags=set())
    text = (
        text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
