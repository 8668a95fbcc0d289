"""Login throttling: every attempt is counted before the password is checked.

Counting first (rather than after a failure) means a burst of simultaneous guesses cannot
slip past the limit. A successful login clears its account's count; the per-address count
runs on, so guessing across many accounts from one address is still limited.
"""

from flask import current_app
from flask import request
from limits import parse

from intranet.extensions import limiter


def _keys(username):
    address = request.remote_addr or "-"
    account = (username or "").strip().lower()[:64]
    return [
        (parse(current_app.config["LOGIN_RATE_LIMIT"]), "login-account", address, account),
        (parse(current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]), "login-address", address),
    ]


def attempt(username):
    """Count a login attempt; False if it is over a limit (the caller answers 429)."""
    strategy = limiter.limiter
    allowed = True
    for item, *identifiers in _keys(username):
        if not strategy.hit(item, *identifiers):
            allowed = False
    return allowed


def succeeded(username):
    """Forget the account's failed attempts after a successful login."""
    item, *identifiers = _keys(username)[0]
    limiter.limiter.clear(item, *identifiers)
