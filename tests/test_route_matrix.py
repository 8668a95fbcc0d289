"""Every route × method × role (and anonymous) against one expected-access table.

The table below is the single statement of who may use what. A route added to the app
without a row here fails ``test_every_route_is_listed``; a row for a route that no longer
exists fails too.
"""

import pytest

from intranet.extensions import db
from intranet.models import Membership
from intranet.models import TeamDecree
from intranet.models import User
from tests.conftest import ROLES
from tests.conftest import build_preview

PUBLIC = "public"
LOGIN = "login"  # any logged-in person


def only(*roles):
    return frozenset(roles)


TEAM = frozenset(ROLES)
WORK = frozenset(r for r in ROLES if r != "admin")
#: The records officers: the arsiparis, and the admin who keeps the system.
KEEPERS = only("arsiparis", "admin")

#: (endpoint, method) → who may use it.
ACCESS = {
    ("static", "GET"): PUBLIC,
    ("public.home", "GET"): PUBLIC,
    ("public.healthz", "GET"): PUBLIC,
    ("public.set_language", "POST"): PUBLIC,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): LOGIN,
    ("auth.account", "GET"): LOGIN,
    ("auth.account", "POST"): LOGIN,
    ("dashboard.index", "GET"): LOGIN,
    ("team.index", "GET"): TEAM,
    ("team.decree", "GET"): TEAM,
    ("team.decree_scan", "GET"): TEAM,
    ("admin.users", "GET"): only("admin"),
    ("admin.users", "POST"): only("admin"),
    ("admin.user", "GET"): only("admin"),
    ("admin.user_state", "POST"): only("admin"),
    ("admin.user_password", "POST"): only("admin"),
    ("admin.decrees", "GET"): only("admin"),
    ("admin.decrees", "POST"): only("admin"),
    ("admin.decree", "GET"): only("admin"),
    ("admin.add_member", "POST"): only("admin"),
    ("admin.remove_member", "POST"): only("admin"),
    ("admin.outbox", "GET"): only("admin"),
    ("admin.categories", "GET"): only("admin"),
    ("admin.categories", "POST"): only("admin"),
    ("admin.category", "POST"): only("admin"),
    ("team.acting", "GET"): TEAM,
    ("team.acting", "POST"): only("penanggungjawab"),
    ("team.revoke_acting", "POST"): only("penanggungjawab"),
    ("intake.assignments", "GET"): WORK,
    ("intake.assignments", "POST"): only("penanggungjawab"),
    ("intake.assignment", "GET"): WORK,
    ("intake.acknowledge", "POST"): WORK,
    ("intake.close", "POST"): only("penanggungjawab"),
    ("intake.agenda", "GET"): WORK,
    ("intake.new_material", "GET"): only("kontributor"),
    ("intake.new_material", "POST"): only("kontributor"),
    ("intake.import_eml", "GET"): only("kontributor"),
    ("intake.import_eml", "POST"): only("kontributor"),
    ("intake.material", "GET"): WORK,
    ("intake.material_file", "GET"): WORK,
    ("intake.print_agenda", "GET"): WORK,
    ("intake.handover", "GET"): only("kontributor"),
    ("intake.handover", "POST"): only("kontributor"),
    ("cases.index", "GET"): WORK,
    ("cases.detail", "GET"): WORK,
    ("cases.decide", "POST"): WORK,
    ("cases.save_concept", "POST"): WORK,
    ("cases.write", "GET"): WORK,
    ("cases.save_article", "POST"): WORK,
    ("cases.revisions", "GET"): WORK,
    ("cases.photos", "GET"): WORK,
    ("cases.photos", "POST"): WORK,
    ("cases.update_photo", "POST"): WORK,
    ("cases.arrange_photo", "POST"): WORK,
    ("cases.photo_file", "GET"): WORK,
    ("cases.preview", "GET"): WORK,
    ("cases.preview", "POST"): WORK,
    ("cases.add_comment", "POST"): WORK,
    ("public.preview", "GET"): PUBLIC,
    ("public.category", "GET"): PUBLIC,
    ("public.search", "GET"): PUBLIC,
    ("public.article", "GET"): PUBLIC,
    ("public.media", "GET"): PUBLIC,
    ("public.feed_xml", "GET"): PUBLIC,
    ("public.feed_atom", "GET"): PUBLIC,
    ("public.feed_json", "GET"): PUBLIC,
    ("public.category_feed_xml", "GET"): PUBLIC,
    ("public.category_feed_atom", "GET"): PUBLIC,
    ("public.category_feed_json", "GET"): PUBLIC,
    ("public.sitemap", "GET"): PUBLIC,
    ("cases.publish", "POST"): WORK,
    ("cases.withdraw", "POST"): WORK,
    ("cases.social", "POST"): WORK,
    ("cases.report", "GET"): WORK,
    ("cases.correct_published", "GET"): WORK,
    ("cases.correct_published", "POST"): WORK,
    ("cases.approve_published_correction", "POST"): WORK,
    ("cases.published_version", "GET"): WORK,
    ("public.preview_photo", "GET"): PUBLIC,
    ("archive.index", "GET"): TEAM,
    ("archive.record", "GET"): TEAM,
    ("archive.berkas", "GET"): TEAM,
    ("archive.original", "GET"): TEAM,
    ("archive.locations", "GET"): TEAM,
    ("archive.hardcopy", "POST"): KEEPERS,
    ("archive.new_manual", "GET"): KEEPERS,
    ("archive.new_manual", "POST"): KEEPERS,
    ("archive.box_label", "GET"): KEEPERS,
    ("archive.box_list", "GET"): KEEPERS,
    ("archive.fixity_log", "GET"): KEEPERS,
    ("archive.fixity_run", "GET"): KEEPERS,
    ("archive.tables", "GET"): KEEPERS,
    ("archive.tables", "POST"): KEEPERS,
    ("archive.new_retention", "POST"): KEEPERS,
    ("archive.classification", "POST"): KEEPERS,
    ("archive.retention", "POST"): KEEPERS,
    ("archive.search", "GET"): TEAM,
    ("archive.listing", "GET"): TEAM,
    ("archive.start_export", "POST"): KEEPERS,
    ("archive.export_status", "GET"): KEEPERS,
    ("archive.export_download", "GET"): KEEPERS,
}

PRINCIPALS = [None, *ROLES]


def routes(app):
    """Every (endpoint, method, rule) the app serves, HEAD and OPTIONS aside."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def test_every_route_is_listed(app):
    served = {(endpoint, method) for endpoint, method, _ in routes(app)}
    assert served - ACCESS.keys() == set(), "routes missing from ACCESS"
    assert ACCESS.keys() - served == set(), "ACCESS lists routes the app does not serve"


def sample_args(app, scanned_decree, scenario, needed=None):
    """Real ids for the URL parameters: the scanned decree, a membership, the penulis, a case.

    A preview link, a published (and archived) article and a fixity run are made only when
    ``needed`` (the parameter names of the routes at hand; ``None``: all) asks for them.
    """

    def wants(*names):
        return needed is None or bool(set(needed) & set(names))

    with app.app_context():
        penulis = db.session.execute(db.select(User).where(User.username == "penulis")).scalar_one()
        decree = db.session.get(TeamDecree, scanned_decree)
        demo = db.session.execute(
            db.select(TeamDecree).where(TeamDecree.id != scanned_decree)
        ).scalar_one()
        membership = (
            db.session.execute(db.select(Membership).where(Membership.decree_id == demo.id))
            .scalars()
            .first()
        )
        from archive import fixity
        from tests.conftest import build_published
        from tests.conftest import build_scenario

        args = {
            **scenario,
            "filename": "css/warta.css",
            "user_id": penulis.id,
            "decree_id": decree.id,
            "category_id": 1,
            "number": 1,
            "membership_id": membership.id,
            "record_id": 1,
            "file_id": 1,
            "classification_id": 1,
            "rule_id": 1,
            "fmt": "csv",
        }
        if wants("token"):
            args["token"] = build_preview(app, scenario["case_id"])
        if wants("slug", "record_id", "file_id"):
            args["slug"] = build_published(app, build_scenario(app)["case_id"])
        if wants("run_id"):
            args["run_id"] = fixity.verify().id
        return args


def expected(access, principal):
    """'ok', 'login' (sent to the login page) or 'forbidden'."""
    if access == PUBLIC:
        return "ok"
    if principal is None:
        return "login"
    if access == LOGIN or principal in access:
        return "ok"
    return "forbidden"


def outcome(response):
    if response.status_code == 403:
        return "forbidden"
    if response.status_code in (301, 302, 303) and "/intranet/login?next=" in response.location:
        return "login"
    if response.status_code in (401, 403) or response.status_code >= 500:
        return f"status {response.status_code}"
    return "ok"


@pytest.mark.parametrize("key", sorted(ACCESS), ids=lambda k: f"{k[1]} {k[0]}")
def test_route_access(app, login, scanned_decree, scenario, key):
    endpoint, method = key
    rules = [r for e, m, r in routes(app) if (e, m) == key]
    args = sample_args(app, scanned_decree, scenario, {a for r in rules for a in r.arguments})
    for rule in rules:
        with app.test_request_context():
            from flask import url_for

            values = {k: args[k] for k in rule.arguments}
            if endpoint.startswith("public.category"):
                values["slug"] = "berita-terkini"
            url = url_for(endpoint, **values)
        mismatches = []
        for principal in PRINCIPALS:
            client = app.test_client() if principal is None else login(principal)
            response = client.open(url, method=method, data={})
            want, got = expected(ACCESS[key], principal), outcome(response)
            response.close()
            if want != got:
                mismatches.append((principal or "anonymous", want, got, response.status_code))
        assert mismatches == [], f"{method} {url}"
