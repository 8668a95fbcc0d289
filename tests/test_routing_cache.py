"""The suite's cache of compiled URL builders (tests/fixtures/routing.py) gives every rule
the code Werkzeug itself compiles for it, and builds the same URLs."""

from flask import url_for
from werkzeug.routing.rules import Rule

from tests.fixtures import routing


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
    assert Rule._compile_builder is routing._cached_compile_builder
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            cached = rule._compile_builder(append_unknown)
            assert _same_code(cached, routing.uncached(rule, append_unknown)), rule.rule


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
