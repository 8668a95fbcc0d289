"""The access policy pinned, every function of intranet/permissions.py, with no app.

The users are duck-typed (``is_authenticated``, ``id``, ``roles()``, ``has_role(*roles)``),
the records, files and materials plain objects, and every expectation is written out here
as a table of its own rather than read back from the module: every role × class, exactly.
"""

import itertools
from types import SimpleNamespace

import pytest
from werkzeug.exceptions import Forbidden

from intranet import permissions

ROLES = (
    "penanggungjawab",
    "koordinator",
    "kontributor",
    "redaktur",
    "editor",
    "penulis",
    "arsiparis",
    "admin",
)
NOT_ADMIN = frozenset(ROLES) - {"admin"}
CLASSES = ("biasa", "terbatas", "rahasia")

#: Who reads content (a material's words and files, an archive file) of each class.
CLASS_READERS = {
    "biasa": frozenset(ROLES),
    "terbatas": frozenset(
        {"penanggungjawab", "koordinator", "kontributor", "redaktur", "arsiparis"}
    ),
    "rahasia": frozenset({"penanggungjawab", "koordinator"}),
}
#: Who opens an archive record (its metadata) of each access class.
RECORD_READERS = {
    "biasa": frozenset(ROLES),
    "terbatas": frozenset({"penanggungjawab", "koordinator", "arsiparis", "admin"}),
    "rahasia": frozenset({"penanggungjawab", "koordinator"}),
}
#: Who enters each area; None: anyone logged in.
AREAS = {
    "dashboard": None,
    "account": None,
    "team": frozenset(ROLES),
    "admin": frozenset({"admin"}),
    "assignments": NOT_ADMIN,
    "assign": frozenset({"penanggungjawab"}),
    "agenda": NOT_ADMIN,
    "agenda_write": frozenset({"kontributor"}),
    "cases": NOT_ADMIN,
    "delegate": frozenset({"penanggungjawab"}),
    "archive": frozenset(ROLES),
    "archive_keep": frozenset({"arsiparis", "admin"}),
    "audit": frozenset({"admin", "penanggungjawab"}),
    "confirm_members": frozenset({"penanggungjawab"}),
    "archive_tables": frozenset({"arsiparis", "admin"}),
    "calendar": frozenset({"admin"}),
    "archive_dispose": frozenset({"arsiparis", "admin", "penanggungjawab"}),
    "archive_approve": frozenset({"penanggungjawab"}),
}
KEEPERS = frozenset({"arsiparis", "admin"})


class User:
    """A logged-in person (or, with ``authenticated=False``, a visitor) holding ``roles``."""

    def __init__(self, *roles, id=7, authenticated=True, acting=()):
        self.id = id
        self.is_authenticated = authenticated
        self._roles = frozenset(roles) | frozenset(acting)
        self._acting = frozenset(acting)

    def roles(self):
        return self._roles

    def role_source(self, role):
        """(membership, delegation): a delegation when held as an acting substitute."""
        if role not in self._roles:
            return None
        return ("membership", "delegation" if role in self._acting else None)

    def has_role(self, *roles):
        return bool(self._roles & set(roles))

    def __repr__(self):
        return f"User({', '.join(sorted(self._roles))}, authenticated={self.is_authenticated})"


class Bare:
    """An object with roles but no ``is_authenticated`` at all."""

    id = 7

    def roles(self):
        return frozenset(ROLES)

    def has_role(self, *roles):
        return True


#: A visitor whose object claims every role: the policy must look at is_authenticated first.
VISITOR = User(*ROLES, authenticated=False)
NOBODY = User()  # logged in, no role today
OUTSIDERS = [VISITOR, Bare(), NOBODY]
ONE_ROLE = [(role, User(role)) for role in ROLES]


def material(security_class, registered_by_id=1, disposition_to_id=2):
    return SimpleNamespace(
        security_class=security_class,
        registered_by_id=registered_by_id,
        disposition_to_id=disposition_to_id,
    )


def record(access_class):
    return SimpleNamespace(access_class=access_class)


def file(access_class):
    return SimpleNamespace(access_class=access_class)


def test_the_tables_are_exactly_these():
    assert permissions.TEAM == ROLES
    assert permissions.WORK == tuple(r for r in ROLES if r != "admin")
    assert permissions.CLASSES == CLASSES
    assert permissions.CLASS_READERS == CLASS_READERS
    assert permissions.RECORD_READERS == RECORD_READERS
    assert frozenset(permissions.KEEPERS) == KEEPERS
    assert permissions.AREAS.keys() == AREAS.keys()
    for area, roles in AREAS.items():
        assert frozenset(permissions.AREAS[area]) == (roles or frozenset()), area


# has_role


@pytest.mark.parametrize("role", ROLES)
def test_has_role_for_each_role(role):
    user = User(role)
    assert permissions.has_role(user) is True
    assert permissions.has_role(user, role) is True
    assert permissions.has_role(user, *ROLES) is True
    assert permissions.has_role(user, *(set(ROLES) - {role})) is False


def test_has_role_refuses_visitors_and_objects_without_is_authenticated():
    for user in (VISITOR, Bare()):
        assert permissions.has_role(user) is False
        assert permissions.has_role(user, *ROLES) is False


def test_has_role_without_roles_asked_means_any_logged_in_person():
    assert permissions.has_role(NOBODY) is True
    assert permissions.has_role(NOBODY, *ROLES) is False


def test_has_role_with_several_roles_held():
    user = User("admin", "kontributor")
    assert permissions.has_role(user, "kontributor") is True
    assert permissions.has_role(user, "admin") is True
    assert permissions.has_role(user, "penanggungjawab", "redaktur") is False


# can, role_required, area_required


@pytest.mark.parametrize("area", AREAS)
def test_can_each_area_for_each_role(monkeypatch, area):
    for role, user in ONE_ROLE:
        monkeypatch.setattr(permissions, "current_user", user)
        expected = AREAS[area] is None or role in AREAS[area]
        assert permissions.can(area) is expected, (area, role)
    for user in (VISITOR, Bare()):
        monkeypatch.setattr(permissions, "current_user", user)
        assert permissions.can(area) is False, area
    monkeypatch.setattr(permissions, "current_user", NOBODY)
    assert permissions.can(area) is (AREAS[area] is None), area


#: Areas for the holder in person: a Plh acting for the role is refused them.
IN_PERSON = {"delegate", "confirm_members"}


@pytest.mark.parametrize("area", AREAS)
def test_an_acting_substitute_enters_all_but_the_in_person_areas(monkeypatch, login_calls, area):
    plh = User("koordinator", acting=["penanggungjawab"])
    monkeypatch.setattr(permissions, "current_user", plh)
    expected = AREAS[area] is None or (
        bool(AREAS[area] & {"koordinator", "penanggungjawab"})
        and (area not in IN_PERSON or "koordinator" in AREAS[area])
    )
    assert permissions.can(area) is expected, area
    assert permissions.may_enter(plh, area) is expected, area
    if AREAS[area] is not None:
        decorated = permissions.area_required(area)(view)
        if expected:
            assert decorated() == ("shown", (), {})
        else:
            with pytest.raises(Forbidden):
                decorated()


def test_the_in_person_areas_are_exactly_these():
    assert permissions.IN_PERSON == IN_PERSON


def test_can_an_unknown_area_is_an_error(monkeypatch):
    monkeypatch.setattr(permissions, "current_user", User(*ROLES))
    with pytest.raises(KeyError):
        permissions.can("gudang")


@pytest.fixture
def login_calls(monkeypatch):
    """flask_login's login_required replaced by one that notes each call, in order."""
    calls = []

    def login_required(view):
        def wrapped(*args, **kwargs):
            calls.append("login")
            return view(*args, **kwargs)

        wrapped.login_wrapped = view
        return wrapped

    monkeypatch.setattr(permissions, "login_required", login_required)
    return calls


def view(*args, **kwargs):
    """The view's docstring."""
    return ("shown", args, kwargs)


@pytest.mark.parametrize(
    "allowed", [("admin",), ("penanggungjawab", "koordinator"), ROLES, ("arsiparis", "admin")]
)
def test_role_required_for_each_role(monkeypatch, login_calls, allowed):
    wrapped = permissions.role_required(*allowed)(view)
    assert wrapped.__name__ == "view"
    assert wrapped.__doc__ == "The view's docstring."
    for role, user in ONE_ROLE:
        monkeypatch.setattr(permissions, "current_user", user)
        login_calls.clear()
        if role in allowed:
            assert wrapped(1, case_id=2) == ("shown", (1,), {"case_id": 2})
        else:
            with pytest.raises(Forbidden):
                wrapped(1, case_id=2)
        assert login_calls == ["login"], role
    for user in OUTSIDERS:
        monkeypatch.setattr(permissions, "current_user", user)
        with pytest.raises(Forbidden):
            wrapped()


def test_role_required_without_roles_admits_any_logged_in_person(monkeypatch, login_calls):
    wrapped = permissions.role_required()(view)
    monkeypatch.setattr(permissions, "current_user", NOBODY)
    assert wrapped() == ("shown", (), {})
    monkeypatch.setattr(permissions, "current_user", VISITOR)
    with pytest.raises(Forbidden):
        wrapped()


def test_role_required_refuses_an_unknown_role_when_decorating():
    with pytest.raises(ValueError, match=r"^unknown roles \{'bendahara'\}$"):
        permissions.role_required("admin", "bendahara")
    with pytest.raises(ValueError, match="unknown roles"):
        permissions.role_required("Admin")


@pytest.mark.parametrize("area", AREAS)
def test_area_required_for_each_role(monkeypatch, login_calls, area):
    decorated = permissions.area_required(area)(view)
    if AREAS[area] is None:
        # login alone: the login decorator itself, no role check around it
        assert decorated.login_wrapped is view
        return
    for role, user in ONE_ROLE:
        monkeypatch.setattr(permissions, "current_user", user)
        if role in AREAS[area]:
            assert decorated() == ("shown", (), {}), (area, role)
        else:
            with pytest.raises(Forbidden):
                decorated()
    monkeypatch.setattr(permissions, "current_user", NOBODY)
    with pytest.raises(Forbidden):
        decorated()


# strictest and the class rules


@pytest.mark.parametrize(
    "classes",
    [c for n in range(4) for c in itertools.permutations(CLASSES, n)]
    + [("biasa", "biasa"), ("terbatas", "biasa", "terbatas")],
)
def test_strictest(classes):
    expected = "biasa"
    if "terbatas" in classes:
        expected = "terbatas"
    if "rahasia" in classes:
        expected = "rahasia"
    assert permissions.strictest(classes) == expected
    assert permissions.strictest(iter(classes)) == expected


@pytest.mark.parametrize("security_class", CLASSES)
@pytest.mark.parametrize("role", ROLES)
def test_can_read_class(role, security_class):
    assert permissions.can_read_class(User(role), security_class) is (
        role in CLASS_READERS[security_class]
    )


def test_can_read_class_unknown_classes_and_outsiders():
    for cls in ("rahasia negara", "", None, "BIASA"):
        assert permissions.can_read_class(User(*ROLES), cls) is False
    for user in OUTSIDERS:
        for cls in CLASSES:
            assert permissions.can_read_class(user, cls) is False
    assert permissions.can_read_class(User("admin", "koordinator"), "rahasia") is True


@pytest.mark.parametrize("role", ROLES)
def test_readable_classes(role):
    assert permissions.readable_classes(User(role)) == [
        c for c in CLASSES if role in CLASS_READERS[c]
    ]


def test_readable_classes_of_outsiders_and_of_several_roles():
    for user in OUTSIDERS:
        assert permissions.readable_classes(user) == []
    assert permissions.readable_classes(User("admin", "redaktur")) == ["biasa", "terbatas"]


@pytest.mark.parametrize("security_class", CLASSES)
@pytest.mark.parametrize("role", ROLES)
def test_can_read_material(role, security_class):
    user = User(role, id=7)
    # neither registered by nor disposed to the reader: the class decides
    assert permissions.can_read_material(user, material(security_class)) is (
        role in CLASS_READERS[security_class]
    )
    # whoever registered it or had it disposed to them reads it whatever its class
    assert permissions.can_read_material(user, material(security_class, 7, 2)) is True
    assert permissions.can_read_material(user, material(security_class, 1, 7)) is True
    assert permissions.can_read_material(user, material(security_class, None, 7)) is True
    assert permissions.can_read_material(user, material(security_class, 7, None)) is True


@pytest.mark.parametrize("security_class", CLASSES)
def test_can_read_material_refuses_visitors_even_their_own(security_class):
    for user in (VISITOR, Bare()):
        assert permissions.can_read_material(user, material(security_class, 7, 7)) is False
    assert permissions.can_read_material(NOBODY, material(security_class, 7, 2)) is True
    assert permissions.can_read_material(NOBODY, material(security_class)) is False
    assert permissions.can_read_material(User(*ROLES), material("lainnya")) is False


@pytest.mark.parametrize("access_class", CLASSES)
@pytest.mark.parametrize("role", ROLES)
def test_can_read_record(role, access_class):
    assert permissions.can_read_record(User(role), record(access_class)) is (
        role in RECORD_READERS[access_class]
    )


def test_can_read_record_unknown_classes_and_outsiders():
    for cls in ("rahasia negara", "", None):
        assert permissions.can_read_record(User(*ROLES), record(cls)) is False
    for user in OUTSIDERS:
        for cls in CLASSES:
            assert permissions.can_read_record(user, record(cls)) is False


@pytest.mark.parametrize("role", ROLES)
def test_readable_record_classes(role):
    assert permissions.readable_record_classes(User(role)) == [
        c for c in CLASSES if role in RECORD_READERS[c]
    ]


def test_readable_record_classes_of_outsiders_and_of_several_roles():
    for user in OUTSIDERS:
        assert permissions.readable_record_classes(user) == []
    assert permissions.readable_record_classes(User("admin", "redaktur")) == [
        "biasa",
        "terbatas",
    ]


@pytest.mark.parametrize("file_class", CLASSES)
@pytest.mark.parametrize("record_class", CLASSES)
@pytest.mark.parametrize("role", ROLES)
def test_can_read_archive_file(role, record_class, file_class):
    expected = role in RECORD_READERS[record_class] and role in CLASS_READERS[file_class]
    assert (
        permissions.can_read_archive_file(User(role), record(record_class), file(file_class))
        is expected
    )


def test_can_read_archive_file_outsiders():
    for user in OUTSIDERS:
        assert permissions.can_read_archive_file(user, record("biasa"), file("biasa")) is False


#: The classes of a version's files: none, one of each, and mixtures.
FILE_SETS = [(), *[(c,) for c in CLASSES], ("biasa", "terbatas"), ("biasa", "rahasia"), CLASSES]


@pytest.mark.parametrize("files", FILE_SETS)
@pytest.mark.parametrize("record_class", CLASSES)
@pytest.mark.parametrize("role", ROLES)
def test_can_read_berkas(role, record_class, files):
    version = SimpleNamespace(files=[file(c) for c in files])
    expected = role in RECORD_READERS[record_class] and all(role in CLASS_READERS[c] for c in files)
    assert permissions.can_read_berkas(User(role), record(record_class), version) is expected


def test_can_read_berkas_outsiders():
    version = SimpleNamespace(files=[])
    for user in OUTSIDERS:
        assert permissions.can_read_berkas(user, record("biasa"), version) is False


@pytest.mark.parametrize("role", ROLES)
def test_keeps_archive(role):
    assert permissions.keeps_archive(User(role)) is (role in KEEPERS)


def test_keeps_archive_outsiders():
    for user in OUTSIDERS:
        assert permissions.keeps_archive(user) is False


#: A penyusutan list assembled by ``created`` and submitted by ``submitted`` (user ids).
def disposal(created=1, submitted=2):
    return SimpleNamespace(created_by_id=created, submitted_by_id=submitted)


#: (created_by_id, submitted_by_id) of a list, seen by the user whose id is 7.
PROPOSERS = {
    "someone else assembled and submitted it": ((1, 2), False),
    "they assembled it": ((7, 2), True),
    "they submitted it": ((1, 7), True),
    "they did both": ((7, 7), True),
    "not yet submitted, someone else's": ((1, None), False),
    "not yet submitted, their own": ((7, None), True),
}


@pytest.mark.parametrize("case", PROPOSERS)
@pytest.mark.parametrize("role", ROLES)
def test_proposed_by(role, case):
    (created, submitted), expected = PROPOSERS[case]
    assert permissions.proposed_by(User(role), disposal(created, submitted)) is expected


def test_proposed_by_visitors_is_false_even_for_their_own_id():
    for user in (VISITOR, Bare()):
        assert permissions.proposed_by(user, disposal(7, 7)) is False, user
    # a logged-in person without a role today still proposed what they proposed
    assert permissions.proposed_by(NOBODY, disposal(7, 7)) is True
    assert permissions.proposed_by(NOBODY, disposal(1, 2)) is False


@pytest.mark.parametrize("case", PROPOSERS)
@pytest.mark.parametrize("role", ROLES)
def test_can_decide_disposal(role, case):
    """Only the Penanggung Jawab, and never on a list they assembled or submitted."""
    (created, submitted), proposed = PROPOSERS[case]
    expected = role == "penanggungjawab" and not proposed
    assert permissions.can_decide_disposal(User(role), disposal(created, submitted)) is expected


def test_can_decide_disposal_with_the_keepers_roles_held_too():
    both = User("penanggungjawab", "arsiparis")
    assert permissions.can_decide_disposal(both, disposal(1, 2)) is True
    assert permissions.can_decide_disposal(both, disposal(7, 2)) is False
    assert permissions.can_decide_disposal(User("arsiparis", "admin"), disposal(1, 2)) is False


def test_can_decide_disposal_outsiders():
    for user in OUTSIDERS:
        assert permissions.can_decide_disposal(user, disposal(1, 2)) is False, user


def test_the_disposal_tables_are_exactly_these():
    assert permissions.DISPOSAL_APPROVERS == ("penanggungjawab",)
    assert permissions.DISPOSAL_READERS == ("arsiparis", "admin", "penanggungjawab")
    assert permissions.KEEPERS == ("arsiparis", "admin")
