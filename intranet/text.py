"""Plain text: from sanitised HTML (for search, summaries and the archive's record), and as a
spreadsheet cell."""

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


#: What makes a spreadsheet read a cell as a formula (or, for tab and carriage return, lets
#: it skip to one), when it is the cell's first character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A value for a CSV or XLSX cell: text a spreadsheet would read as a formula gets a
    leading apostrophe, so it stays text; everything else is kept as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values):
    """Each value of a row as ``spreadsheet_cell`` makes it."""
    return [spreadsheet_cell(v) for v in values]
