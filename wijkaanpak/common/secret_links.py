"""Secret links: a random token goes out in a mail, only its SHA-256 is stored.

Used by the applicant's status link (budget) and the team invitation (projects). A token of
192 bits or more needs no salt or slow hash: nobody can guess their way back from the hash,
and a stolen database or backup holds no working link.
"""

import hashlib
import hmac
import secrets

# What an absent hash is compared with, so that "no link" costs the same work as a wrong one.
_NO_HASH = "0" * 64


def secret_hash(token):
    """The stored form of a token: its SHA-256, as hex."""
    return hashlib.sha256(str(token).encode()).hexdigest()


def new_secret(nbytes):
    """A new URL-safe token of `nbytes` random bytes and the hash to store of it."""
    token = secrets.token_urlsafe(nbytes)
    return token, secret_hash(token)


def secret_matches(stored_hash, token):
    """Whether `token` is the secret of `stored_hash`, compared in constant time. An empty
    stored hash (no link) never matches."""
    matches = hmac.compare_digest(stored_hash or _NO_HASH, secret_hash(token or ""))
    return matches and bool(stored_hash)
