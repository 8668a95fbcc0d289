"""The garbage collector during a large burst of allocation (a WeasyPrint render).

A render builds a box tree of tens of thousands of container objects that live until the
PDF is written. Their number makes the collector run full collections during the render,
and a full collection walks every object of the process: a web worker's modules, its app
and whatever it has cached, which the render did not make and cannot free. With the objects
that existed before the render set aside (``gc.freeze``) those collections walk only what
the render made; the objects set aside come back to the oldest generation afterwards and
are collected as before. Nothing is kept alive that would otherwise be freed: reference
counting frees as usual, and cycles among the older objects wait for the next full
collection after the render.
"""

import gc
from contextlib import contextmanager


@contextmanager
def render_burst():
    """Run the block with the process's existing objects left out of full collections.

    When the objects are already set aside (another thread's render, or a process that froze
    its start-up heap), the block runs as it is and leaves them as they were.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
