"""Schemathesis hooks for Tests/API/check_openapi.sh (loaded through SCHEMATHESIS_HOOKS=hooks).

The upload routes (POST /api/v1/search, /embed, /label as multipart/form-data) declare their
`file` part as `image/*, audio/*`. Random bytes only ever reach the "undecodable upload" 422, so
the file parts are drawn from a few real images of the media folder under test
(MMSEARCH_API_MEDIA: the smallest JPEG and PNG files there) or, now and then, from random bytes.
"""
import os
import sys
from pathlib import Path

import schemathesis
from hypothesis import strategies as st
from hypothesis.internal import lambda_sources

# CPython before 3.11.8 (Debian bookworm has 3.11.2) fails `ast.parse` of a large module with
# "AST constructor recursion depth mismatch" — which hypothesis calls only to describe a lambda
# in a strategy's repr. Describe lambdas without reading their source there: the repr is all
# that changes.
if sys.version_info < (3, 11, 8):
    lambda_sources.lambda_description = lambda f: "lambda"


def _samples(suffixes: tuple[str, ...], count: int = 3) -> list[bytes]:
    folder = os.environ.get("MMSEARCH_API_MEDIA")
    if not folder:
        return []
    files = sorted((p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in suffixes),
                   key=lambda p: p.stat().st_size)
    return [p.read_bytes() for p in files[:count]]


def _strategy(samples: list[bytes]) -> st.SearchStrategy[bytes]:
    noise = st.binary(min_size=0, max_size=256)
    if not samples:
        return noise
    return st.one_of(st.sampled_from(samples), st.sampled_from(samples), noise)


schemathesis.openapi.media_type("image/jpeg", _strategy(_samples((".jpg", ".jpeg"))))
schemathesis.openapi.media_type("image/png", _strategy(_samples((".png",))))
