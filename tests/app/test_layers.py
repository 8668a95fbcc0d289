"""The layers hold: no import cycle anywhere in the two packages, the archive a library.

``lint-imports`` (run by ``make test``) checks the contracts in pyproject.toml; this test
looks at the whole graph, function-local imports included, so a cycle hidden inside a
function is found too.
"""

import grimp


def _cycles(graph):
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_anywhere():
    graph = grimp.build_graph("intranet", "archive")
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for m in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(m)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.y", imported="a.z")
    assert _cycles(graph) == [["a.x", "a.y"]]


def test_the_archive_imports_nothing_of_the_intranets_models_or_services():
    graph = grimp.build_graph("intranet", "archive")
    imported = {
        m
        for importer in graph.find_children("archive") | {"archive"}
        for m in graph.find_modules_directly_imported_by(importer)
        if m.startswith("intranet")
    }
    assert sorted(imported) == [
        "intranet.audit",
        "intranet.clock",
        "intranet.counters",
        "intranet.database",
        "intranet.extensions",
        "intranet.forms",
        "intranet.forms.admin",
        "intranet.heap",
        "intranet.links",
        "intranet.pdf",
        "intranet.permissions",
        "intranet.queue",
        "intranet.roles",
        "intranet.signatures",
        "intranet.storage",
        "intranet.tabular",
        "intranet.text",
        "intranet.transactions",
        "intranet.uploads",
    ]
