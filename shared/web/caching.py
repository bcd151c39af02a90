"""HTTP validators for public reads: an ETag on every answer, 304 when the client's copy is current.

The ETag is a hash of the body, so it changes exactly when what a client would see changes
(stock, price, the seller's name), whatever caused it. `Cache-Control: public, no-cache` lets a
browser or the edge keep the copy but makes it ask again each time; the answer to that question
is a 304 without a body. Nothing is ever served stale: stock and prices matter to a buyer.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request

PUBLIC_READ = "public, no-cache"


def fresh_or_304(payload: Any) -> Response:
    """`payload` as JSON with an ETag and Cache-Control; 304 if If-None-Match names that ETag."""
    response = jsonify(payload)
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=12).hexdigest())
    response.headers["Cache-Control"] = PUBLIC_READ
    response.make_conditional(request)  # in place: 304 without a body when it matches
    return response
