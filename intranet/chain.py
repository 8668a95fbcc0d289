"""Hash chains: canonical JSON and the SHA-256 link of each entry to the one before it.

Shared by the case trail and the admin audit log, so both chains are hashed one way.
"""

import hashlib
import json

#: The previous hash of a chain's first entry.
GENESIS = "0" * 64


def canonical_json(value):
    """Deterministic JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash, content):
    """The hash of an entry given the previous entry's hash."""
    return hashlib.sha256((prev_hash + "\n" + canonical_json(content)).encode()).hexdigest()
