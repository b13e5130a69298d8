"""What Tests/API/check_openapi.sh checks beyond schemathesis, on the running server.

    extra_checks.py BASE_URL OPENAPI_JSON MEDIA_DIR              a server without a token
    extra_checks.py BASE_URL OPENAPI_JSON MEDIA_DIR --token TOKEN   one started with this token:
                                                                    only the authentication checks

Each check prints `ok   NAME` or `FAIL NAME: request → response, expected …`; the last line is
`extra checks: N passed, N failed`. Exit status 1 when any failed. Bodies are validated against
the document's own component schemas (JSON Schema 2020-12, formats checked).
"""
import http.client
import json
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012



BASE, SPEC_PATH, MEDIA = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
TOKEN = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--token" else None
SPEC = json.loads(SPEC_PATH.read_text())
REGISTRY = Registry().with_resource("urn:openapi", Resource.from_contents(SPEC, default_specification=DRAFT202012))
HOST = urlsplit(BASE)
results: list[tuple[str, str | None]] = []


def schema_errors(name: str, value) -> list[str]:
    validator = Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=REGISTRY,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in validator.iter_errors(value)]


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def show(self) -> str:
        text = self.body[:300].decode("utf-8", "replace") if self.body else ""
        kind = self.headers.get("Content-Type", "-")
        return f"{self.status} ({kind}) {text!r}"


def request(method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> Response:
    connection = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def check(name: str):
    """Decorator: runs the check now; an AssertionError is its failure message."""
    def run(body):
        try:
            body()
            results.append((name, None))
            print(f"ok   {name}")
        except AssertionError as failure:
            results.append((name, str(failure)))
            print(f"FAIL {name}: {failure}")
        except Exception as error:  # a crash of the check itself is a failure too
            results.append((name, repr(error)))
            print(f"FAIL {name}: {error!r}")
    return run


def expect_error(response: Response, what: str, status: int, code: str):
    assert response.status == status, f"{what} → {response.show()}, expected {status} {code}"
    assert response.headers.get("Content-Type", "").startswith("application/json"), \
        f"{what} → Content-Type {response.headers.get('Content-Type')!r}, expected application/json"
    body = response.json()
    errors = schema_errors("Error", body)
    assert not errors, f"{what} → {response.show()}: not an error body: {errors}"
    assert body["error"]["code"] == code, f"{what} → code {body['error']['code']!r}, expected {code!r}"


def auth_checks(token: str):
    @check("token: status and openapi.json are public; status says auth: true")
    def _():
        status = request("GET", "/api/v1/status")
        assert status.status == 200 and status.json().get("auth") is True, f"GET /api/v1/status (no token) → {status.show()}"
        document = request("GET", "/api/v1/openapi.json")
        assert document.status == 200, f"GET /api/v1/openapi.json (no token) → {document.show()}"

    for method, path in [("GET", "/api/v1/stats"), ("GET", "/api/v1/search?q=a+dog"), ("GET", "/api/v1/files/1"),
                         ("GET", "/api/v1/files/1/content"), ("GET", "/api/v1/index/events"), ("POST", "/api/v1/index")]:
        @check(f"token: {method} {path} without it → 401, with a wrong one → 401")
        def _():
            for headers, how in [({}, "no token"), ({"Authorization": "Bearer wrong-wrong-wrong-wrong"}, "wrong bearer"),
                                 ({"Cookie": "mmsearch_token=wrong-wrong-wrong-wrong"}, "wrong cookie")]:
                response = request(method, path, headers=headers, timeout=10)
                expect_error(response, f"{method} {path} ({how})", 401, "unauthorized")

    for headers, how in [({"Authorization": f"Bearer {token}"}, "bearer"), ({"Cookie": f"mmsearch_token={token}"}, "cookie")]:
        @check(f"token: the right one as {how} is let in")
        def _():
            response = request("GET", "/api/v1/stats", headers=headers)
            assert response.status == 200, f"GET /api/v1/stats ({how}) → {response.show()}"


if TOKEN is not None:
    auth_checks(TOKEN)
    failed = [name for name, failure in results if failure]
    print(f"extra checks: {len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


@check("the served document is the committed openapi.json")
def _():
    response = request("GET", "/api/v1/openapi.json")
    assert response.status == 200, f"GET /api/v1/openapi.json → {response.show()}"
    assert response.json() == SPEC, ("GET /api/v1/openapi.json differs from the committed "
                                     f"{SPEC_PATH.name}: the binary embeds a stale copy")


@check("status is public and conforms")
def _():
    response = request("GET", "/api/v1/status")
    assert response.status == 200, f"GET /api/v1/status → {response.show()}"
    errors = schema_errors("Status", response.json())
    assert not errors, f"GET /api/v1/status → {response.show()}: {errors}"


@check("index events: text/event-stream whose first event is `state`")
def _():
    connection = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=10)
    try:
        connection.request("GET", "/api/v1/index/events", headers={"Accept": "text/event-stream"})
        response = connection.getresponse()
        assert response.status == 200, f"GET /api/v1/index/events → {response.status}"
        kind = response.headers.get("Content-Type", "")
        assert kind.startswith("text/event-stream"), f"GET /api/v1/index/events → Content-Type {kind!r}"
        lines = []
        while True:  # up to the first blank line: one event (comments skipped)
            line = response.readline().decode("utf-8").rstrip("\r\n")
            if line == "" and any(not l.startswith(":") for l in lines):
                break
            lines.append(line)
            assert len(lines) < 50, f"no event in {lines!r}"
        fields = dict(l.split(": ", 1) for l in lines if l and not l.startswith(":"))
        assert fields.get("event") == "state", f"first event {lines!r}, expected `event: state`"
        errors = schema_errors("IndexState", json.loads(fields.get("data", "null")))
        assert not errors, f"state event data {fields.get('data')!r}: {errors}"
    finally:
        connection.close()


def first_result(query: str) -> dict:
    response = request("GET", f"/api/v1/search?q={query.replace(' ', '+')}&top=3&modality=image")
    assert response.status == 200, f"GET /api/v1/search?q={query} → {response.show()}"
    body = response.json()
    errors = schema_errors("QueryResults", body)
    assert not errors, f"GET /api/v1/search?q={query} → {response.show()}: {errors}"
    assert body["results"], f"GET /api/v1/search?q={query} → no results (is the index of {MEDIA} empty?)"
    return body["results"][0]


IMAGE: dict = {}


@check("search, then the best result's record")
def _():
    hit = first_result("a photo")
    response = request("GET", f"/api/v1/files/{hit['id']}")
    assert response.status == 200, f"GET /api/v1/files/{hit['id']} → {response.show()}"
    record = response.json()
    errors = schema_errors("FileDetail", record)
    assert not errors, f"GET /api/v1/files/{hit['id']} → {response.show()}: {errors}"
    assert record["id"] == hit["id"] and record["path"] == hit["path"], \
        f"GET /api/v1/files/{hit['id']} → {record['id']} {record['path']}, expected the hit {hit['path']}"
    IMAGE.update(record)


@check("content: whole, a range, an unsatisfiable range")
def _():
    assert IMAGE, "no file record (the check before failed)"
    url, size = IMAGE["content"], IMAGE["size"]
    original = Path(IMAGE["path"]).read_bytes()
    whole = request("GET", url)
    assert whole.status == 200, f"GET {url} → {whole.show()}"
    assert whole.headers.get("Accept-Ranges") == "bytes", f"GET {url}: Accept-Ranges {whole.headers.get('Accept-Ranges')!r}"
    assert whole.body == original, f"GET {url}: {len(whole.body)} bytes, not the file's {len(original)}"
    assert size == len(original), f"record size {size}, the file has {len(original)} bytes"
    part = request("GET", url, headers={"Range": "bytes=10-19"})
    assert part.status == 206, f"GET {url} Range: bytes=10-19 → {part.show()}, expected 206"
    assert part.headers.get("Content-Range") == f"bytes 10-19/{size}", \
        f"GET {url} Range: bytes=10-19 → Content-Range {part.headers.get('Content-Range')!r}, expected 'bytes 10-19/{size}'"
    assert part.body == original[10:20], f"GET {url} Range: bytes=10-19 → {len(part.body)} bytes, not bytes 10-19"
    tail = request("GET", url, headers={"Range": "bytes=-5"})
    assert tail.status == 206 and tail.body == original[-5:], f"GET {url} Range: bytes=-5 → {tail.show()}, expected the last 5 bytes"
    beyond = request("GET", url, headers={"Range": f"bytes={size}-"})
    expect_error(beyond, f"GET {url} Range: bytes={size}-", 416, "range_not_satisfiable")


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert data[:2] == b"\xff\xd8", "not a JPEG (no SOI marker)"
    i = 2
    while i + 9 < len(data):
        assert data[i] == 0xFF, f"bad JPEG marker at {i}"
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise AssertionError("no SOF marker in the JPEG")


@check("thumbnail: a JPEG within size×size, with Cache-Control and ETag")
def _():
    assert IMAGE, "no file record (the check before failed)"
    assert IMAGE["thumbnail"], f"{IMAGE['path']} ({IMAGE['modality']}) has no thumbnail URL"
    url = IMAGE["thumbnail"] + "?size=64"
    response = request("GET", url)
    assert response.status == 200, f"GET {url} → {response.show()}"
    assert response.headers.get("Content-Type", "").startswith("image/jpeg"), f"GET {url} → {response.show()}"
    assert response.headers.get("Cache-Control") and response.headers.get("ETag"), \
        f"GET {url}: Cache-Control {response.headers.get('Cache-Control')!r}, ETag {response.headers.get('ETag')!r}"
    width, height = jpeg_size(response.body)
    assert max(width, height) <= 64 and min(width, height) >= 1, f"GET {url}: {width}×{height}, expected at most 64×64"


@check("more like this: an indexed file's id finds that file first")
def _():
    assert IMAGE, "no file record (the check before failed)"
    body = json.dumps({"terms": [{"id": IMAGE["id"]}], "top": 3}).encode()
    response = request("POST", "/api/v1/search", body, {"Content-Type": "application/json"})
    assert response.status == 200, f"POST /api/v1/search {body!r} → {response.show()}"
    document = response.json()
    errors = schema_errors("QueryResults", document)
    assert not errors, f"POST /api/v1/search {body!r} → {response.show()}: {errors}"
    assert document["query"] == {"kind": "id", "value": str(IMAGE["id"])}, \
        f"POST /api/v1/search {body!r} → query {document['query']}, expected kind id, value {IMAGE['id']!r} as text"
    assert document["results"] and document["results"][0]["id"] == IMAGE["id"], \
        f"POST /api/v1/search {body!r} → first {document['results'][:1]}, expected file {IMAGE['id']}"


@check("query by upload: an indexed image finds itself first")
def _():
    assert IMAGE, "no file record (the check before failed)"
    path = Path(IMAGE["path"])
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
           f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"top\"\r\n\r\n3\r\n--{boundary}--\r\n".encode()
    response = request("POST", "/api/v1/search", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    what = f"POST /api/v1/search multipart file={path.name} top=3"
    assert response.status == 200, f"{what} → {response.show()}"
    document = response.json()
    errors = schema_errors("QueryResults", document)
    assert not errors, f"{what} → {response.show()}: {errors}"
    assert document["query"]["kind"] == "upload" and document["query"]["value"] == path.name, \
        f"{what} → query {document['query']}, expected kind upload, value {path.name!r}"
    assert document["results"] and document["results"][0]["path"] == IMAGE["path"], \
        f"{what} → first {document['results'][:1]}, expected {IMAGE['path']}"


ERROR_CASES = [
    ("GET", "/api/v1/no-such-route", None, None, 404, "not_found"),
    ("DELETE", "/api/v1/stats", None, None, 405, "method_not_allowed"),
    ("PUT", "/api/v1/search", b"{}", "application/json", 405, "method_not_allowed"),
    ("GET", "/api/v1/search", None, None, 400, "bad_request"),
    ("GET", "/api/v1/search?q=", None, None, 400, "bad_request"),
    ("GET", "/api/v1/search?q=a+dog&top=0", None, None, 400, "bad_request"),
    ("GET", "/api/v1/files/999999999", None, None, 404, "not_found"),
    ("POST", "/api/v1/search", b"{", "application/json", 400, "bad_request"),
    ("POST", "/api/v1/search", b"terms", "text/plain", 415, "unsupported_media_type"),
]
for method, path, body, kind, status, code in ERROR_CASES:
    what = f"{method} {path}" + (f" ({kind}) {body!r}" if body is not None else "")

    @check(f"error: {what} → {status} {code}")
    def _():
        expect_error(request(method, path, body, {"Content-Type": kind} if kind else {}), what, status, code)


failed = [name for name, failure in results if failure]
print(f"extra checks: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
