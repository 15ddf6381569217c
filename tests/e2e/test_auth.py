"""SigV4 authentication (lambda-api.md §1.7): every API request is verified; failures are 403
with the right code and execute nothing."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from e2e_helpers import (
    HANDLER,
    RUNTIME,
    Account,
    error_code,
    expect_error,
    fn_arn,
    fn_path,
    make_zip,
    role_arn,
    unique_name,
)

LIST = "/2015-03-31/functions"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def create_body(account: Account, name: str) -> dict:
    return {
        "FunctionName": name,
        "Runtime": RUNTIME,
        "Handler": HANDLER,
        "Role": role_arn(account.account_id),
        "Code": {"ZipFile": base64.b64encode(make_zip()).decode()},
    }


def assert_not_created(client, name):
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


def test_signed_raw_request_works(raw):
    # sanity check of the raw signer itself, so the failures below mean what they say
    r = raw.request("GET", LIST)
    assert r.status_code == 200, r.text
    assert "Functions" in r.json()


def test_signed_raw_create_works(raw, client, alice):
    name = unique_name()
    r = raw.request("POST", LIST, json_body=create_body(alice, name))
    assert r.status_code == 201, r.text
    assert r.json()["FunctionName"] == name
    assert client.get_function_configuration(FunctionName=name)["FunctionName"] == name


def test_missing_authentication(raw):
    r = raw.request("GET", LIST, sign=False)
    assert r.status_code == 403
    assert error_code(r) == "MissingAuthenticationTokenException"
    assert r.headers["Content-Type"].startswith("application/json")


def test_unsigned_create_executes_nothing(raw, client, alice):
    name = unique_name()
    r = raw.request("POST", LIST, json_body=create_body(alice, name), sign=False)
    assert r.status_code == 403
    assert error_code(r) == "MissingAuthenticationTokenException"
    assert_not_created(client, name)


def test_unknown_access_key(nimbus, alice):
    stranger = alice.with_key("AKIAUNKNOWNKEY000000")
    c = nimbus.client(stranger)
    expect_error(lambda: c.list_functions(), "UnrecognizedClientException", 403)
    r = nimbus.raw(stranger).request("GET", LIST)
    assert r.status_code == 403
    assert error_code(r) == "UnrecognizedClientException"


def test_wrong_secret(nimbus, alice, client):
    c = nimbus.client(alice.with_secret(alice.secret_access_key[:-1] + ("A" if alice.secret_access_key[-1] != "A" else "B")))
    expect_error(lambda: c.list_functions(), "InvalidSignatureException", 403)
    name = unique_name()
    expect_error(
        lambda: c.create_function(
            FunctionName=name, Runtime=RUNTIME, Handler=HANDLER, Role=role_arn(alice.account_id), Code={"ZipFile": make_zip()}
        ),
        "InvalidSignatureException",
        403,
    )
    assert_not_created(client, name)


def test_other_accounts_secret_does_not_sign_for_alice(nimbus, alice, bob):
    c = nimbus.client(alice.with_secret(bob.secret_access_key))
    expect_error(lambda: c.list_functions(), "InvalidSignatureException", 403)


@pytest.mark.parametrize("minutes", [-10, 10, -60 * 24])
def test_clock_skew_outside_five_minutes(raw, minutes):
    r = raw.request("GET", LIST, when=now() + datetime.timedelta(minutes=minutes))
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"


@pytest.mark.parametrize("minutes", [-4, 4])
def test_clock_skew_inside_five_minutes(raw, minutes):
    r = raw.request("GET", LIST, when=now() + datetime.timedelta(minutes=minutes))
    assert r.status_code == 200, r.text


def test_expired_create_executes_nothing(raw, client, alice):
    name = unique_name()
    r = raw.request("POST", LIST, json_body=create_body(alice, name), when=now() - datetime.timedelta(minutes=6))
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"
    assert_not_created(client, name)


def test_body_changed_after_signing(raw, client, alice):
    name, other = unique_name(), unique_name()
    url, body, headers = raw.prepare("POST", LIST, json_body=create_body(alice, name))
    tampered = body.replace(name.encode(), other.encode())
    assert tampered != body and len(tampered) == len(body)
    r = raw.send("POST", url, tampered, headers)
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"
    assert_not_created(client, name)
    assert_not_created(client, other)


def test_query_changed_after_signing(raw):
    url, body, headers = raw.prepare("GET", LIST, query=[("MaxItems", "5")])
    r = raw.send("GET", url.replace("MaxItems=5", "MaxItems=6"), body, headers)
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"


def test_path_changed_after_signing(raw, client, make_function):
    a = make_function(client)["FunctionName"]
    b = make_function(client)["FunctionName"]
    url, body, headers = raw.prepare("DELETE", fn_path(a))
    r = raw.send("DELETE", url.replace(a, b), body, headers)
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"
    assert client.get_function(FunctionName=b)["Configuration"]["FunctionName"] == b


def test_signed_header_changed_after_signing(raw):
    url, body, headers = raw.prepare("GET", LIST)
    stamp = headers["X-Amz-Date"]
    later = (datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ") + datetime.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    r = raw.send("GET", url, body, {**headers, "X-Amz-Date": later})
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"


def test_signature_for_another_service_is_rejected(raw):
    r = raw.request("GET", LIST, service="s3")
    assert r.status_code == 403


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIDONLY",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date",
        "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abcdef",
    ],
)
def test_malformed_authorization(raw, authorization):
    url, body, headers = raw.prepare("GET", LIST)
    headers["Authorization"] = authorization
    r = raw.send("GET", url, body, headers)
    assert r.status_code in (400, 403), r.status_code
    assert error_code(r) == "IncompleteSignatureException"


def test_garbage_signature_value(raw):
    url, body, headers = raw.prepare("GET", LIST)
    sig_at = headers["Authorization"].index("Signature=") + len("Signature=")
    headers["Authorization"] = headers["Authorization"][:sig_at] + "0" * 64
    r = raw.send("GET", url, body, headers)
    assert r.status_code == 403
    assert error_code(r) == "InvalidSignatureException"


def test_auth_errors_are_json_with_request_id(raw, nimbus, alice):
    for r in (
        raw.request("GET", LIST, sign=False),
        nimbus.raw(alice.with_key("AKIAUNKNOWNKEY000001")).request("GET", LIST),
        nimbus.raw(alice.with_secret("wrong")).request("GET", LIST),
    ):
        assert r.status_code == 403
        assert r.headers.get("x-amzn-RequestId")
        assert isinstance(r.json(), dict)


def test_region_comes_from_the_credential_scope(nimbus, alice, client, make_function):
    eu = nimbus.client(alice, region="eu-west-1")
    name = make_function(eu, wait=False)["FunctionName"]
    cfg = eu.get_function_configuration(FunctionName=name)
    assert cfg["FunctionArn"] == fn_arn(alice.account_id, name, region="eu-west-1")
    # us-east-1 is a different partition of the same account
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)
    us_names = [f["FunctionName"] for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]]
    assert name not in us_names
    expect_error(
        lambda: client.get_function(FunctionName=fn_arn(alice.account_id, name, region="eu-west-1")),
        "ResourceNotFoundException",
        404,
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    )
    eu.delete_function(FunctionName=name)


def test_health_needs_no_auth_but_api_does(nimbus):
    assert nimbus.get("/health").status_code == 200
    r = nimbus.get(LIST)
    assert r.status_code == 403
    assert error_code(r) == "MissingAuthenticationTokenException"
    assert json.loads(r.text) is not None
