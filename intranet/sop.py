"""The SOP definition as data: steps, roles, kelengkapan, outputs, standard times, returns.

A definition is a TOML file in ``intranet/sop_definitions/``. It is validated when loaded:
an unknown role or check, a missing or repeated step, a return to a later step, or a
malformed field is refused with a clear message. Cases keep the code, version and content
hash of the definition they started under, so a new version never changes a running case.
"""

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from functools import cache
from pathlib import Path

ROLE_NAMES = (
    "penanggungjawab",
    "koordinator",
    "kontributor",
    "redaktur",
    "editor",
    "penulis",
    "arsiparis",
    "admin",
)

#: Every kelengkapan check a definition may name, with what it requires (shown to users).
CHECKS = {
    "sk_tim_valid": "SK Tim yang berlaku",
    "assignee": "penerima tugas",
    "source_material": "minimal satu bahan informasi terdaftar beserta berkasnya",
    "category": "kategori",
    "concept": "konsep artikel",
    "article_text": "judul, ringkasan dan isi berita",
    "photos": "minimal satu foto dengan keterangan dan kredit",
    "preview": "preview dari revisi terakhir",
    "published_url": "alamat berita terbit",
}
KINDS = ("task", "review", "publish")

#: What may happen to a case after publication (its ``[[after_publication]]`` rules).
AFTER_ACTIONS = ("correct", "approve_correction", "withdraw", "social_post")
#: Conditions an after-publication rule may require (``when``), with what they mean.
AFTER_CONDITIONS = {
    "on_site": "berita sedang terbit (belum ditarik)",
    "correction_pending": "ada koreksi yang menunggu persetujuan",
}
#: What a step may let its role change, and what a review step may approve.
EDITABLE = ("concept", "article", "photos", "preview")
REVIEWABLE = ("concept", "article")
DEFAULT_CODE = "sop-3-2022"
FOLDER = Path(__file__).resolve().parent / "sop_definitions"


class DefinitionError(ValueError):
    """A definition file is not valid; the message says where."""


@dataclass(frozen=True)
class Step:
    """One row of the SOP table."""

    number: int
    kegiatan: str
    roles: tuple[str, ...]
    kind: str
    kelengkapan: tuple[str, ...]
    output: str
    standard_days: int
    returns_to: tuple[int, ...] = ()
    all_roles: bool = False
    edits: tuple[str, ...] = ()
    reviews: str | None = None
    label: str | None = None
    hand_on: str | None = None
    handed: str | None = None

    @property
    def outcome(self):
        """The step as people name it: its outcome label ("Tulis konsep"), or, in a
        definition without labels (v1, v2), its output."""
        return self.label or self.output


@dataclass(frozen=True)
class AfterRule:
    """What may be done to a published case: who, when, with a reason, by someone else."""

    action: str
    label: str
    roles: tuple[str, ...]
    when: tuple[str, ...] = ()
    reason: bool = False
    separate_from_author: bool = False
    edits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """A whole SOP: its identity and its steps in order."""

    code: str
    version: int
    title: str
    number: str
    date: date
    signed_by: str
    steps: tuple[Step, ...]
    sha256: str
    after: tuple[AfterRule, ...] = ()

    def step(self, number):
        """The step with this number."""
        for s in self.steps:
            if s.number == number:
                return s
        raise DefinitionError(f"{self.code} v{self.version} has no step {number}")

    @property
    def first(self):
        return self.steps[0]

    @property
    def last(self):
        return self.steps[-1]

    def after_rule(self, action):
        """The after-publication rule for ``action``, or None when the definition has none."""
        return next((r for r in self.after if r.action == action), None)

    def roles_of(self, role):
        """The step numbers a role acts at."""
        return [s.number for s in self.steps if role in s.roles]


def parse(text, source="<definition>"):
    """Parse and validate a definition from TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DefinitionError(f"{source}: not valid TOML: {e}") from e
    sha = hashlib.sha256(text.encode()).hexdigest()
    for key, kind in (
        ("code", str),
        ("version", int),
        ("title", str),
        ("number", str),
        ("date", date),
        ("signed_by", str),
        ("steps", list),
    ):
        if not _is(raw.get(key), kind):
            raise DefinitionError(f"{source}: '{key}' is missing or not a {kind.__name__}")
    if raw["version"] < 1:
        raise DefinitionError(f"{source}: version must be 1 or more")
    steps = tuple(_step(s, i, source) for i, s in enumerate(raw["steps"], 1))
    if not steps:
        raise DefinitionError(f"{source}: no steps")
    numbers = [s.number for s in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise DefinitionError(
            f"{source}: steps must be numbered 1..{len(steps)} in order, got {numbers}"
        )
    for s in steps:
        for target in s.returns_to:
            if not 1 <= target < s.number:
                raise DefinitionError(
                    f"{source}: step {s.number} may only return to an earlier step, not {target}"
                )
        if s.returns_to and s.kind != "review":
            raise DefinitionError(f"{source}: step {s.number} returns cases but is not a review")
    if steps[-1].kind != "publish" or any(s.kind == "publish" for s in steps[:-1]):
        raise DefinitionError(
            f"{source}: the last step, and only the last, must be of kind 'publish'"
        )
    after = raw.get("after_publication", [])
    if not isinstance(after, list):
        raise DefinitionError(f"{source}: 'after_publication' must be a list of tables")
    rules = tuple(_after_rule(r, i, source) for i, r in enumerate(after, 1))
    actions = [r.action for r in rules]
    if len(set(actions)) != len(actions):
        raise DefinitionError(f"{source}: an after-publication action is defined twice")
    return Definition(
        code=raw["code"],
        version=raw["version"],
        title=raw["title"],
        number=raw["number"],
        date=raw["date"],
        signed_by=raw["signed_by"],
        steps=steps,
        sha256=sha,
        after=rules,
    )


def _is(value, kind):
    """``isinstance``, except that a bool is no int and a datetime no date (TOML has both)."""
    if kind is int and isinstance(value, bool):
        return False
    if kind is date and isinstance(value, datetime):
        return False
    return isinstance(value, kind)


def _roles(raw, where):
    """A step's or rule's roles: known, and each listed once (all_roles counts them)."""
    roles = tuple(raw["roles"])
    if not roles:
        raise DefinitionError(f"{where}: no roles")
    for i, role in enumerate(roles):
        if role not in ROLE_NAMES:
            raise DefinitionError(f"{where}: unknown role '{role}'")
        if role in roles[:i]:
            raise DefinitionError(f"{where}: role '{role}' is listed twice")
    return roles


def _after_rule(raw, position, source):
    where = f"{source}: after_publication #{position}"
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: not a table")
    unknown_keys = set(raw) - {
        "action",
        "label",
        "roles",
        "when",
        "reason",
        "separate_from_author",
        "edits",
    }
    if unknown_keys:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown_keys)}")
    for key, kind in (("action", str), ("label", str), ("roles", list)):
        if not _is(raw.get(key), kind):
            raise DefinitionError(f"{where}: '{key}' is missing or not a {kind.__name__}")
    if raw["action"] not in AFTER_ACTIONS:
        raise DefinitionError(f"{where}: unknown action '{raw['action']}'")
    roles = _roles(raw, where)
    when = raw.get("when", [])
    if not isinstance(when, list) or any(
        not isinstance(c, str) or c not in AFTER_CONDITIONS for c in when
    ):
        raise DefinitionError(f"{where}: 'when' must list some of {', '.join(AFTER_CONDITIONS)}")
    flags = {}
    for key in ("reason", "separate_from_author"):
        flags[key] = raw.get(key, False)
        if not isinstance(flags[key], bool):
            raise DefinitionError(f"{where}: '{key}' must be true or false")
    edits = raw.get("edits", [])
    if not isinstance(edits, list) or any(e != "article" for e in edits):
        raise DefinitionError(f"{where}: 'edits' may only list article")
    return AfterRule(
        action=raw["action"],
        label=raw["label"],
        roles=roles,
        when=tuple(when),
        edits=tuple(edits),
        **flags,
    )


def _step(raw, position, source):
    where = f"{source}: step #{position}"
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: not a table")
    unknown_keys = set(raw) - {
        "number",
        "kegiatan",
        "roles",
        "kind",
        "kelengkapan",
        "output",
        "standard_days",
        "returns_to",
        "all_roles",
        "edits",
        "reviews",
        "label",
        "hand_on",
        "handed",
    }
    if unknown_keys:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown_keys)}")
    for key, kind in (
        ("number", int),
        ("kegiatan", str),
        ("roles", list),
        ("kind", str),
        ("output", str),
        ("standard_days", int),
    ):
        if not _is(raw.get(key), kind):
            raise DefinitionError(f"{where}: '{key}' is missing or not a {kind.__name__}")
    roles = _roles(raw, where)
    if raw["kind"] not in KINDS:
        raise DefinitionError(f"{where}: unknown kind '{raw['kind']}'")
    checks = raw.get("kelengkapan", [])
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise DefinitionError(f"{where}: 'kelengkapan' must be a list of check names")
    checks = tuple(checks)
    for check in checks:
        if check not in CHECKS:
            raise DefinitionError(f"{where}: unknown kelengkapan check '{check}'")
    if raw["standard_days"] < 1:
        raise DefinitionError(f"{where}: standard_days must be 1 or more")
    returns = raw.get("returns_to", [])
    if not isinstance(returns, list) or not all(_is(n, int) for n in returns):
        raise DefinitionError(f"{where}: 'returns_to' must be a list of step numbers")
    all_roles = raw.get("all_roles", False)
    if not isinstance(all_roles, bool):
        raise DefinitionError(f"{where}: 'all_roles' must be true or false")
    if all_roles and len(roles) < 2:
        raise DefinitionError(f"{where}: 'all_roles' needs two or more roles")
    edits = raw.get("edits", [])
    if not isinstance(edits, list) or any(e not in EDITABLE for e in edits):
        raise DefinitionError(f"{where}: 'edits' must list some of {', '.join(EDITABLE)}")
    reviews = raw.get("reviews")
    if reviews is not None and (reviews not in REVIEWABLE or raw["kind"] != "review"):
        raise DefinitionError(
            f"{where}: 'reviews' must be one of {', '.join(REVIEWABLE)}, on a review step"
        )
    words = {}
    for key in ("label", "hand_on", "handed"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise DefinitionError(f"{where}: '{key}' must be a non-empty text")
        words[key] = value.strip() if value else None
    return Step(
        number=raw["number"],
        kegiatan=raw["kegiatan"],
        roles=roles,
        kind=raw["kind"],
        kelengkapan=checks,
        output=raw["output"],
        standard_days=raw["standard_days"],
        returns_to=tuple(sorted(set(returns))),
        all_roles=all_roles,
        edits=tuple(edits),
        reviews=reviews,
        **words,
    )


@cache
def definitions():
    """Every definition in the folder, keyed by (code, version)."""
    found = {}
    for path in sorted(FOLDER.glob("*.toml")):
        d = parse(path.read_text(encoding="utf-8"), source=path.name)
        if (d.code, d.version) in found:
            raise DefinitionError(f"{path.name}: {d.code} v{d.version} is defined twice")
        found[(d.code, d.version)] = d
    return found


def get(code, version):
    """The definition with this code and version."""
    try:
        return definitions()[(code, version)]
    except KeyError:
        raise DefinitionError(f"no SOP definition {code} v{version}") from None


def current(code=DEFAULT_CODE):
    """The newest version of a definition: what new cases start under."""
    versions = [d for (c, _), d in definitions().items() if c == code]
    if not versions:
        raise DefinitionError(f"no SOP definition {code}")
    return max(versions, key=lambda d: d.version)
