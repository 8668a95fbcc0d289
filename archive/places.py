"""Where a hardcopy is, in words: ruang → lemari/rak → boks (→ folder).

Pure functions, shared by the models, the service and the migration's reading of the older
free-text locations. A name is kept as the arsiparis wrote it, without a doubled leading
word ("Boks Boks 03" is "Boks 03"); it is shown with its kind's word in front unless it
already starts with one ("03" and "Boks 03" both read "Boks 03", and are the same box).
"""

#: The word shown in front of a name of each kind, and the words that already say it.
KINDS = {
    "ruang": ("Ruang", ("ruang", "ruangan", "gudang")),
    "lemari": ("Lemari", ("lemari", "rak", "lemari/rak", "filing", "roll")),
    "boks": ("Boks", ("boks", "box", "kotak")),
    "folder": ("Folder", ("folder", "map")),
}
LEVELS = ("ruang", "lemari", "boks")
#: The record's columns, in the same order.
COLUMNS = ("room", "cabinet", "box", "folder")
MAX_LENGTH = 80


def clean(kind, text):
    """``text`` with its spaces tidied and a doubled leading word dropped; None if empty."""
    words = " ".join((text or "").replace("\x00", "").split()).split(" ")
    said = KINDS[kind][1]
    while len(words) > 2 and words[0].casefold() in said and words[1].casefold() in said:
        words.pop(0)
    name = " ".join(words).strip()
    return name or None


def label(kind, name):
    """The name as it is read and printed: "Ruang Arsip Lt. 1", "Lemari 2", "Boks 03"."""
    if not name:
        return None
    word, said = KINDS[kind]
    first = name.split(" ", 1)[0].casefold()
    return name if first in said else f"{word} {name}"


def key(kind, name):
    """What makes two names the same place of one kind (case and the kind's word aside)."""
    return " ".join((label(kind, clean(kind, name)) or "").casefold().split())


def line(room, cabinet, box, folder=None):
    """The whole place in one line: "Ruang Arsip Lt. 1 · Lemari 2 · Boks 03 · Folder 7"."""
    parts = [
        label(kind, clean(kind, value))
        for kind, value in zip(
            ("ruang", "lemari", "boks", "folder"), (room, cabinet, box, folder), strict=True
        )
    ]
    return " · ".join(p for p in parts if p) or None
