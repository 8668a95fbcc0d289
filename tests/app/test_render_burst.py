"""The collector pause a PDF render runs in (``intranet.heap.render_burst``): the objects that
existed before are left out of full collections during the render and only then; what the
render makes is still collected; whatever the process had set aside stays set aside."""

import gc
import weakref

import pytest

from archive.store import archive_store
from intranet import pdf as intranet_pdf
from intranet.heap import render_burst


class Node:
    """A container the collector tracks; two of them pointing at each other make a cycle."""

    def __init__(self):
        self.other = None


def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def nothing_frozen():
    gc.unfreeze()  # nothing in the suite freezes; this makes the starting state certain
    yield
    gc.unfreeze()


def test_a_cycle_made_during_the_burst_is_still_collected(nothing_frozen):
    with render_burst():
        made = cycle()
        gc.collect()
        assert made() is None


def test_an_older_cycle_waits_for_the_first_collection_after_the_burst(nothing_frozen):
    older = cycle()  # unreachable already, but not yet collected
    with render_burst():
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert older() is not None  # set aside: the render's collections do not walk it
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert older() is None


def test_the_pause_ends_when_the_render_fails(nothing_frozen):
    with pytest.raises(ValueError), render_burst():
        assert gc.get_freeze_count() > 0
        raise ValueError("render failed")
    assert gc.get_freeze_count() == 0


def test_a_heap_the_process_froze_stays_frozen(nothing_frozen):
    gc.freeze()
    frozen = gc.get_freeze_count()
    with render_burst():
        made = cycle()
    assert gc.get_freeze_count() == frozen  # neither released nor grown by the render
    gc.collect()
    assert made() is None


def test_both_renderers_leave_the_collector_as_they_found_it(app, nothing_frozen):
    from archive import pdf as archive_pdf

    with app.test_request_context():
        assert intranet_pdf.render("<p>Daftar arsip</p>").startswith(b"%PDF")
        assert gc.get_freeze_count() == 0
        store = archive_store()
        data = archive_pdf.render("<p>Berkas</p>", store, [], "uji")
        assert data.startswith(b"%PDF") and gc.get_freeze_count() == 0
        with pytest.raises(archive_pdf.MissingGlyphs):
            archive_pdf.render("<p>\ue000</p>", store, [], "uji")
        assert gc.get_freeze_count() == 0
