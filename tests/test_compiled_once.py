"""The suite's caches of compiled code (tests/fixtures/compiled.py): every rule gets the URL
builder Werkzeug itself compiles for it; a template is compiled once, and again when its
source changes; a statement compiled for one app's engine serves the next as the same SQL."""

from flask import render_template_string
from flask import url_for
from jinja2 import DictLoader
from werkzeug.routing.rules import Rule

from tests.fixtures import compiled


def _same_code(a, b):
    a, b = a.__code__, b.__code__
    return (a.co_code, a.co_consts, a.co_names, a.co_varnames, a.co_argcount) == (
        b.co_code,
        b.co_consts,
        b.co_names,
        b.co_varnames,
        b.co_argcount,
    )


def test_every_rule_gets_the_code_werkzeug_compiles(app):
    assert Rule._compile_builder is compiled._cached_compile_builder
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            cached = rule._compile_builder(append_unknown)
            assert _same_code(cached, compiled.uncached(rule, append_unknown)), rule.rule


def test_rules_that_differ_only_in_defaults_get_their_own_builders(app):
    a = Rule("/halaman/<int:page>", endpoint="a", defaults={"page": 1})
    b = Rule("/halaman/<int:page>", endpoint="b", defaults={"page": 2})
    c = Rule("/halaman/<int:page>", endpoint="c")
    for rule in (a, b, c):
        app.url_map.add(rule)
    assert a._build() != b._build()
    assert a._build() == ("", "/halaman/1") and b._build() == ("", "/halaman/2")
    assert c._build(page=7) == ("", "/halaman/7")


def test_urls_built_through_the_cache_match_a_fresh_app(app, app_factory):
    other = app_factory()
    with app.test_request_context():
        first = url_for("public.article", slug="berita-satu", _external=False)
    with other.test_request_context():
        second = url_for("public.article", slug="berita-satu", _external=False)
    assert first == second == "/berita/berita-satu"


def test_a_template_is_compiled_once_and_again_when_its_source_changes(app, app_factory):
    compiled.TEMPLATES.clear()
    sources = {"halaman.html": "<p>{{ judul }}</p>"}
    first, second = app, app_factory()
    for each in (first, second):
        each.jinja_env.loader = DictLoader(sources)
    assert first.jinja_env.bytecode_cache is compiled.TEMPLATES
    with first.app_context():
        assert first.jinja_env.get_template("halaman.html").render(judul="Rapat") == "<p>Rapat</p>"
    assert len(compiled.TEMPLATES.kept) == 1
    kept = dict(compiled.TEMPLATES.kept)
    with second.app_context():
        # the second app takes the first one's code: the cache does not grow or change
        assert second.jinja_env.get_template("halaman.html").render(judul="Pleno") == "<p>Pleno</p>"
        assert compiled.TEMPLATES.kept == kept
    sources["halaman.html"] = "<h1>{{ judul }}</h1>"
    third = app_factory()
    third.jinja_env.loader = DictLoader(sources)
    with third.app_context():
        # the changed source is compiled again, never served from the old code
        assert (
            third.jinja_env.get_template("halaman.html").render(judul="Pleno") == "<h1>Pleno</h1>"
        )
        assert render_template_string("{{ 1 + 1 }}") == "2"


def test_a_statement_compiled_for_one_app_serves_the_next_with_the_same_sql(app, app_factory):
    from sqlalchemy import create_engine

    from intranet.extensions import db
    from intranet.models import User

    statement = db.select(User.id).where(User.username == "redaktur")
    with app.app_context():
        first = db.engine
        assert db.session.execute(statement).scalar_one()
        size = len(first._compiled_cache)
    other = app_factory()
    with other.app_context():
        second = db.engine
        assert second is not first
        assert second.dialect is first.dialect and second._compiled_cache is first._compiled_cache
        assert db.session.execute(statement).scalar_one()
        # the second app ran it from the first one's compiled SQL: nothing was added
        assert len(second._compiled_cache) == size
        shared = str(statement.compile(second))
    # the same SQL a fresh engine of its own compiles, once it has read its server
    fresh = create_engine(second.url)
    with fresh.connect():
        pass
    assert str(statement.compile(fresh)) == shared
    fresh.dispose()
