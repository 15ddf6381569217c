"""Bad input never crashes the server and never changes state: malformed JSON, wrong types,
unknown fields, bad base64, oversize bodies, zip attacks, garbage paths. After every test the
server still runs and the account's state is exactly what it was (autouse check)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from e2e_helpers import (
    HANDLER,
    RUNTIME,
    SYMLINK_ATTR,
    error_code,
    expect_error,
    fn_path,
    http_session,
    make_zip,
    raw_zip,
    role_arn,
    stored_entry,
    strip_meta,
    symlink_zip,
    unique_name,
    unique_zip,
    zeros_bomb,
)

CREATE = "/2015-03-31/functions"
BODY_ERRORS = ("InvalidRequestContentException", "ValidationException", "InvalidParameterValueException")


class World:
    def __init__(self, server, account, client, probe):
        self.server = server
        self.account = account
        self.client = client
        self.raw = server.raw(account)
        self.probe = probe

    def state(self) -> dict:
        c = self.client
        names = sorted(f["FunctionName"] for p in c.get_paginator("list_functions").paginate(FunctionVersion="ALL") for f in p["Functions"])
        got = c.get_function(FunctionName=self.probe)
        code = http_session().get(got["Code"]["Location"], timeout=30).content
        return {
            "names": names,
            "probe": got["Configuration"],
            "tags": got.get("Tags"),
            "code": hashlib.sha256(code).hexdigest(),
            "aliases": c.list_aliases(FunctionName=self.probe)["Aliases"],
            "usage": c.get_account_settings()["AccountUsage"],
        }

    def body(self, name: str | None = None, **overrides) -> dict:
        b = {
            "FunctionName": name or unique_name("bad"),
            "Runtime": RUNTIME,
            "Handler": HANDLER,
            "Role": role_arn(self.account.account_id),
            "Code": {"ZipFile": base64.b64encode(make_zip()).decode()},
        }
        b.update(overrides)
        return b


@pytest.fixture(scope="module")
def world(nimbus, account_factory, make_function):
    account = account_factory("mallory")
    client = nimbus.client(account)
    probe = make_function(client, Description="probe", Tags={"probe": "1"}, Environment={"Variables": {"AA": "1"}})["FunctionName"]
    client.create_alias(FunctionName=probe, Name="live", FunctionVersion="$LATEST")
    return World(nimbus, account, client, probe)


@pytest.fixture(autouse=True)
def unchanged(world):
    before = world.state()
    yield
    assert world.server.alive(), "the server died"
    assert world.server.get("/health").status_code == 200
    assert world.state() == before, "bad input changed state"


def assert_rejected(r, status=400, codes=BODY_ERRORS):
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert error_code(r) in codes, (error_code(r), r.text[:500])
    assert r.headers.get("x-amzn-RequestId")
    assert isinstance(r.json(), dict)


# --------------------------------------------------------------------------------------------
# Malformed bodies


@pytest.mark.parametrize(
    "body",
    [b'{"FunctionName": ', b"{", b"not json at all", b'{"FunctionName":"x",}', b"{'FunctionName': 'x'}", b'{"a":1}{"b":2}'],
    ids=["truncated", "brace", "text", "trailing-comma", "single-quotes", "two-documents"],
)
def test_malformed_json(world, body):
    r = world.raw.request("POST", CREATE, body, headers={"Content-Type": "application/json"})
    assert_rejected(r, codes=("InvalidRequestContentException",))


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"true", b""], ids=["array", "string", "number", "null", "bool", "empty"])
def test_non_object_bodies(world, body):
    r = world.raw.request("POST", CREATE, body, headers={"Content-Type": "application/json"})
    assert_rejected(r)


def test_malformed_json_on_update(world):
    r = world.raw.request("PUT", fn_path(world.probe, "/configuration"), b'{"Description": "x"', headers={"Content-Type": "application/json"})
    assert_rejected(r, codes=("InvalidRequestContentException",))


def test_invalid_utf8(world):
    body = b'{"FunctionName":"\xff\xfe\xfd","Runtime":"python3.12"}'
    r = world.raw.request("POST", CREATE, body, headers={"Content-Type": "application/json"})
    assert_rejected(r)


def test_deeply_nested_json(world):
    depth = 100_000
    body = b'{"FunctionName":' + b"[" * depth + b"]" * depth + b"}"
    r = world.raw.request("POST", CREATE, body, headers={"Content-Type": "application/json"})
    assert_rejected(r)


# --------------------------------------------------------------------------------------------
# Wrong types and unknown fields


@pytest.mark.parametrize(
    "field,value",
    [
        ("MemorySize", "big"),
        ("Timeout", "three"),
        ("Publish", "yes"),
        ("Environment", "x"),
        ("Environment", {"Variables": ["A=1"]}),
        ("Tags", ["a"]),
        ("Code", "zip"),
        ("Architectures", "x86_64"),
        ("Description", {"a": 1}),
        ("MemorySize", 99999999999999999999999),
        ("Timeout", [3]),
    ],
)
def test_wrong_types_on_create(world, field, value):
    body = world.body(**{field: value})
    r = world.raw.request("POST", CREATE, json_body=body)
    assert_rejected(r, codes=("InvalidRequestContentException", "ValidationException"))
    expect_error(lambda: world.client.get_function(FunctionName=body["FunctionName"]), "ResourceNotFoundException", 404)


@pytest.mark.parametrize("field,value", [("MemorySize", "big"), ("Timeout", "three"), ("Description", ["x"]), ("Environment", "x")])
def test_wrong_types_on_update(world, field, value):
    r = world.raw.request("PUT", fn_path(world.probe, "/configuration"), json_body={"Description": "changed", field: value})
    assert_rejected(r, codes=("InvalidRequestContentException", "ValidationException"))


def test_wrong_type_publish_on_update_code(world):
    body = {"ZipFile": base64.b64encode(unique_zip()).decode(), "Publish": "yes"}
    r = world.raw.request("PUT", fn_path(world.probe, "/code"), json_body=body)
    assert_rejected(r, codes=("InvalidRequestContentException", "ValidationException"))


def test_unknown_top_level_field(world):
    body = world.body(Bogus=1)
    r = world.raw.request("POST", CREATE, json_body=body)
    assert_rejected(r, codes=("InvalidRequestContentException",))
    expect_error(lambda: world.client.get_function(FunctionName=body["FunctionName"]), "ResourceNotFoundException", 404)


def test_unknown_nested_field(world):
    body = world.body()
    body["Code"]["Bogus"] = "x"
    r = world.raw.request("POST", CREATE, json_body=body)
    assert_rejected(r, codes=("InvalidRequestContentException",))


def test_unknown_field_on_update_applies_nothing(world):
    r = world.raw.request("PUT", fn_path(world.probe, "/configuration"), json_body={"Description": "changed", "Bogus": True})
    assert_rejected(r, codes=("InvalidRequestContentException",))


def test_unknown_field_on_alias_update(world):
    r = world.raw.request("PUT", fn_path(world.probe, "/aliases/live"), json_body={"Description": "changed", "Evil": 1})
    assert_rejected(r, codes=("InvalidRequestContentException",))


@pytest.mark.parametrize("zipfile_value", ["!!!not-base64!!!", "abc", "A", "====", "UEsDBA==\x00"])
def test_bad_base64_zip(world, zipfile_value):
    body = world.body(Code={"ZipFile": zipfile_value})
    r = world.raw.request("POST", CREATE, json_body=body)
    assert_rejected(r, codes=("InvalidParameterValueException", "InvalidRequestContentException"))
    r = world.raw.request("PUT", fn_path(world.probe, "/code"), json_body={"ZipFile": zipfile_value})
    assert_rejected(r, codes=("InvalidParameterValueException", "InvalidRequestContentException"))


def test_control_characters_in_names(world):
    r = world.raw.request("POST", CREATE, json_body=world.body(name="evil\u0000name"))
    assert_rejected(r, codes=("ValidationException", "InvalidParameterValueException"))
    r = world.raw.request("POST", CREATE, json_body=world.body(name="../../etc/passwd"))
    assert_rejected(r, codes=("ValidationException", "InvalidParameterValueException"))


# --------------------------------------------------------------------------------------------
# Oversize bodies


def test_oversize_request_body(world):
    name = unique_name("huge")
    blob = b"A" * (72 * 1024 * 1024)
    body = b'{"FunctionName":"' + name.encode() + b'","Runtime":"python3.12","Handler":"app.handler","Role":"' + role_arn(world.account.account_id).encode() + b'","Code":{"ZipFile":"' + blob + b'"}}'
    status, headers, data = world.raw.request_tolerant("POST", CREATE, body, headers={"Content-Type": "application/json"})
    assert status == 413, (status, data[:300])
    code = headers.get("x-amzn-errortype", "").split(":")[0]
    if not code:
        doc = json.loads(data)
        code = doc.get("code") or doc.get("Code") or doc.get("__type")
    assert code == "RequestEntityTooLargeException"
    expect_error(lambda: world.client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


def test_oversize_update_body(world):
    blob = b"A" * (72 * 1024 * 1024)
    status, _, data = world.raw.request_tolerant(
        "PUT", fn_path(world.probe, "/code"), b'{"ZipFile":"' + blob + b'"}', headers={"Content-Type": "application/json"}
    )
    assert status == 413, (status, data[:300])


def test_oversize_chunked_body_on_a_small_route(world):
    """Without a Content-Length the server keeps the body only up to one byte past the operation's own
    limit (1 MB for UpdateFunctionConfiguration), then answers 413 and changes nothing."""
    before = world.client.get_function_configuration(FunctionName=world.probe)["Description"]
    blob = b'{"Description":"' + b"A" * (2 * 1024 * 1024) + b'"}'
    url, body, headers = world.raw.prepare(
        "PUT", fn_path(world.probe, "/configuration"), blob, headers={"Content-Type": "application/json"}
    )
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        chunks = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
        conn.request("PUT", parts.path, body=chunks, headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    assert resp.status == 413, (resp.status, data[:300])
    assert resp.getheader("x-amzn-ErrorType", "").split(":")[0] == "RequestEntityTooLargeException"
    assert world.client.get_function_configuration(FunctionName=world.probe)["Description"] == before


# --------------------------------------------------------------------------------------------
# Zip attacks


ATTACKS = {
    "absolute-path": lambda: raw_zip([stored_entry("app.py", b"x = 1\n"), stored_entry("/etc/evil.py", b"x = 1\n")]),
    "dotdot": lambda: raw_zip([stored_entry("app.py", b"x = 1\n"), stored_entry("../evil.py", b"x = 1\n")]),
    "nested-dotdot": lambda: raw_zip([stored_entry("app.py", b"x = 1\n"), stored_entry("lib/../../evil.py", b"x = 1\n")]),
    "dotdot-dir": lambda: raw_zip([stored_entry("app.py", b"x = 1\n"), stored_entry("../", b"")]),
    "symlink-absolute": lambda: symlink_zip("passwd", "/etc/passwd"),
    "symlink-relative-out": lambda: symlink_zip("lib/escape", "../../../../etc"),
    "symlink-then-write-through": lambda: raw_zip(
        [
            stored_entry("app.py", b"x = 1\n"),
            stored_entry("d", b"/tmp", external_attr=SYMLINK_ATTR),
            stored_entry("d/evil.py", b"x = 1\n"),
        ]
    ),
    "zip-bomb": lambda: zeros_bomb(300),
    "zip-bomb-lying-sizes": lambda: zeros_bomb(300, lie_about_size=True),
}


@pytest.fixture(scope="module")
def attack_zips():
    return {k: v() for k, v in ATTACKS.items()}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_zip_attack_on_create(world, attack_zips, attack):
    name = unique_name("zip")
    expect_error(
        lambda: world.client.create_function(
            FunctionName=name, Runtime=RUNTIME, Handler=HANDLER, Role=role_arn(world.account.account_id), Code={"ZipFile": attack_zips[attack]}
        ),
        "InvalidParameterValueException",
        400,
    )
    expect_error(lambda: world.client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_zip_attack_on_update(world, attack_zips, attack):
    expect_error(
        lambda: world.client.update_function_code(FunctionName=world.probe, ZipFile=attack_zips[attack]),
        "InvalidParameterValueException",
        400,
    )


def test_truncated_zip(world):
    good = make_zip({"app.py": "def handler(e, c):\n    return 1\n" * 200})
    expect_error(
        lambda: world.client.update_function_code(FunctionName=world.probe, ZipFile=good[: len(good) // 2]),
        "InvalidParameterValueException",
        400,
    )


# --------------------------------------------------------------------------------------------
# Paths, methods, query strings


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/2015-03-31/functions/%ZZ"),
        ("GET", "/2015-03-31/functions/" + "x" * 10_000),
        ("GET", "/2015-03-31/functions/..%2F..%2Fetc%2Fpasswd"),
        ("GET", "/2015-03-31/functions/%00"),
        ("DELETE", "/2015-03-31/functions/%2e%2e"),
        ("PATCH", "/2015-03-31/functions"),
        ("GET", "/2015-03-31/functions/a/b/c/d/e/f"),
        ("GET", "/9999-01-01/functions"),
    ],
    ids=["bad-escape", "10k-name", "traversal", "nul", "dotdot", "patch", "deep", "unknown-version"],
)
def test_garbage_paths(world, method, path):
    r = world.raw.request(method, path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers.get("x-amzn-RequestId")
    assert isinstance(r.json(), dict)
    assert error_code(r)


@pytest.mark.parametrize("query", [[("MaxItems", "abc")], [("MaxItems", "-1")], [("MaxItems", "1e3")], [("MaxItems", "99999999999999999999")]])
def test_garbage_query(world, query):
    r = world.raw.request("GET", CREATE, query=query)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert error_code(r) in BODY_ERRORS


def test_burst_of_bad_requests(world):
    bodies = [b"{", b"[]", b'{"FunctionName":1}', b"\xff" * 100, b'{"Code":{"ZipFile":"!!"}}'] * 10

    def send(body):
        return world.raw.request("POST", CREATE, body, headers={"Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, bodies))
    assert all(s == 400 for s in statuses), statuses
    assert strip_meta(world.client.get_function_configuration(FunctionName=world.probe))["Description"] == "probe"
