"""Function lifecycle: create/get/get-configuration/update code/update configuration/delete/list
(lambda-api.md §3, §4.1–§4.7), defaults, states and waiters, RevisionId, code hashing and
download, validation errors (§1.5, §3.5, §4.1)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from botocore.exceptions import WaiterError

from e2e_helpers import (
    HANDLER,
    HANDLER_SOURCE,
    LAST_MODIFIED_RE,
    MSG_DERIVED_QUALIFIER,
    MSG_NOT_A_ZIP,
    MSG_PFE_FUNCTION,
    MSG_UNZIPPED_TOO_LARGE,
    MSG_ZIPPED_TOO_LARGE,
    RUNTIME,
    UUID_RE,
    expect_error,
    expect_error_in,
    fn_arn,
    http_session,
    make_zip,
    oversized_unzip_zip,
    oversized_zip,
    role_arn,
    sha256_b64,
    status_of,
    strip_meta,
    unique_name,
    unique_zip,
    validation_text,
    wait_active,
    wait_updated,
)

ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
ENV_LIMIT_PREFIX = (
    "Lambda was unable to configure your environment variables because the environment variables "
    "you have provided exceeded the 4KB limit. String measured: "
)
RESERVED_PREFIX = (
    "Lambda was unable to configure your environment variables because the environment variables "
    "you have provided contains reserved keys that are currently not supported for modification. "
    "Reserved keys used in this request: "
)
DEPRECATED_RUNTIME = (
    "The runtime parameter of {rt} is no longer supported for creating or updating AWS Lambda functions. "
    "We recommend you use a supported runtime while creating or updating functions."
)

http = http_session()


def download(url: str):
    return http.get(url, timeout=60)


# --------------------------------------------------------------------------------------------
# Create / defaults / states


def test_create_returns_201_pending_with_aws_defaults(client, alice, make_function):
    code = unique_zip()
    name = unique_name()
    resp = make_function(client, name, zip_bytes=code, wait=False)
    assert status_of(resp) == 201
    assert resp["FunctionName"] == name
    assert resp["FunctionArn"] == fn_arn(alice.account_id, name)
    assert resp["Runtime"] == RUNTIME
    assert resp["Role"] == role_arn(alice.account_id)
    assert resp["Handler"] == HANDLER
    assert resp["CodeSize"] == len(code)
    assert resp["CodeSha256"] == sha256_b64(code)
    assert resp["Description"] == ""
    assert resp["Timeout"] == 3
    assert resp["MemorySize"] == 128
    assert resp["Version"] == "$LATEST"
    assert resp["TracingConfig"] == {"Mode": "PassThrough"}
    assert UUID_RE.match(resp["RevisionId"])
    assert resp["PackageType"] == "Zip"
    assert resp["Architectures"] == ["x86_64"]
    assert resp["EphemeralStorage"] == {"Size": 512}
    assert resp["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert resp["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert LAST_MODIFIED_RE.match(resp["LastModified"]), resp["LastModified"]
    assert resp["State"] == "Pending"
    assert resp["StateReason"] == "The function is being created."
    assert resp["StateReasonCode"] == "Creating"
    assert "LastUpdateStatus" not in resp
    assert "Environment" not in resp
    assert "Layers" not in resp


def test_function_becomes_active_and_waiters_work(client, make_function):
    resp = make_function(client, wait=False)
    name = resp["FunctionName"]
    client.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.get_waiter("function_active").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    cfg = client.get_function(FunctionName=name)["Configuration"]
    assert cfg["State"] == "Active"
    assert cfg["LastUpdateStatus"] == "Successful"
    assert "StateReason" not in cfg
    assert "StateReasonCode" not in cfg


def test_function_exists_waiter_fails_for_missing_function(client):
    with pytest.raises(WaiterError):
        client.get_waiter("function_exists").wait(
            FunctionName=unique_name("missing"), WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )


def test_activation_changes_revision_id(client, make_function):
    resp = make_function(client, wait=False)
    cfg = wait_active(client, resp["FunctionName"])
    assert UUID_RE.match(cfg["RevisionId"])
    assert cfg["RevisionId"] != resp["RevisionId"]


def test_publish_on_create_reports_version_1_with_unqualified_arn(client, alice, make_function):
    resp = make_function(client, wait=False, Publish=True)
    name = resp["FunctionName"]
    assert status_of(resp) == 201
    assert resp["Version"] == "1"
    assert resp["FunctionArn"] == fn_arn(alice.account_id, name)
    assert resp["State"] == "Pending"
    wait_active(client, name)
    v1 = wait_active(client, name, qualifier="1")
    assert v1["Version"] == "1"
    assert v1["FunctionArn"] == fn_arn(alice.account_id, name, "1")


def test_explicit_empty_environment_is_reported(client, make_function):
    resp = make_function(client, Environment={"Variables": {}})
    assert resp["Environment"] == {"Variables": {}}
    cfg = client.get_function_configuration(FunctionName=resp["FunctionName"])
    assert cfg["Environment"] == {"Variables": {}}


def test_create_with_all_common_settings(client, make_function):
    resp = make_function(
        client,
        Description="hello world",
        Timeout=900,
        MemorySize=10240,
        Environment={"Variables": {"GREETING": "hi", "COUNT": "3"}},
        Architectures=["arm64"],
        EphemeralStorage={"Size": 1024},
        TracingConfig={"Mode": "Active"},
    )
    cfg = client.get_function_configuration(FunctionName=resp["FunctionName"])
    for c in (resp, cfg):
        assert c["Description"] == "hello world"
        assert c["Timeout"] == 900
        assert c["MemorySize"] == 10240
        assert c["Environment"] == {"Variables": {"GREETING": "hi", "COUNT": "3"}}
        assert c["Architectures"] == ["arm64"]
        assert c["EphemeralStorage"] == {"Size": 1024}
        assert c["TracingConfig"] == {"Mode": "Active"}


def test_environment_at_the_4kb_limit_is_accepted(client, make_function):
    # compact JSON {"KK":"xxx..."} of exactly 4096 bytes
    value = "x" * (4096 - len('{"KK":""}'))
    resp = make_function(client, Environment={"Variables": {"KK": value}})
    assert resp["Environment"]["Variables"]["KK"] == value


# --------------------------------------------------------------------------------------------
# Get / GetConfiguration / code location


def test_get_function_shape(client, alice, make_function, nimbus):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    resp = client.get_function(FunctionName=name)
    assert status_of(resp) == 200
    body = strip_meta(resp)
    assert set(body) == {"Configuration", "Code"}  # no Tags, no Concurrency when none are set
    cfg = body["Configuration"]
    assert cfg["FunctionArn"] == fn_arn(alice.account_id, name)
    assert cfg["State"] == "Active"
    assert cfg["LastUpdateStatus"] == "Successful"
    assert cfg["CodeSha256"] == sha256_b64(code)
    assert cfg["CodeSize"] == len(code)
    assert body["Code"]["RepositoryType"] == "S3"
    loc = urlsplit(body["Code"]["Location"])
    assert loc.scheme == "http"
    assert loc.port == nimbus.port


def test_get_function_configuration_equals_get_function_configuration_member(client, make_function):
    name = make_function(client)["FunctionName"]
    a = client.get_function(FunctionName=name)["Configuration"]
    b = strip_meta(client.get_function_configuration(FunctionName=name))
    assert a == b


def test_runtime_version_config_on_single_get_only(client, make_function):
    name = make_function(client)["FunctionName"]
    cfg = client.get_function_configuration(FunctionName=name)
    assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]+", cfg["RuntimeVersionConfig"]["RuntimeVersionArn"])
    listed = [f for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]]
    entry = next(f for f in listed if f["FunctionName"] == name)
    assert "RuntimeVersionConfig" not in entry


def test_get_function_by_arn_and_partial_arn(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    for ident in (fn_arn(alice.account_id, name), f"{alice.account_id}:function:{name}"):
        cfg = client.get_function(FunctionName=ident)["Configuration"]
        assert cfg["FunctionName"] == name
        assert cfg["FunctionArn"] == fn_arn(alice.account_id, name)


def test_get_with_latest_qualifier_reports_qualified_arn(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    cfg = client.get_function_configuration(FunctionName=name, Qualifier="$LATEST")
    assert cfg["FunctionArn"] == fn_arn(alice.account_id, name, "$LATEST")
    assert cfg["Version"] == "$LATEST"
    cfg2 = client.get_function(FunctionName=f"{name}:$LATEST")["Configuration"]
    assert cfg2["FunctionArn"] == fn_arn(alice.account_id, name, "$LATEST")


def test_code_location_downloads_exact_zip_without_auth(client, make_function):
    code = make_zip({"app.py": "def handler(e, c):\n    return 42\n", "lib/data.txt": "x" * 5000})
    name = make_function(client, zip_bytes=code)["FunctionName"]
    loc = client.get_function(FunctionName=name)["Code"]["Location"]
    r = download(loc)
    assert r.status_code == 200
    assert r.content == code


def test_code_location_follows_versions(client, make_function):
    old, new = unique_zip("old"), unique_zip("new")
    name = make_function(client, zip_bytes=old, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    client.update_function_code(FunctionName=name, ZipFile=new)
    wait_updated(client, name)
    assert download(client.get_function(FunctionName=name)["Code"]["Location"]).content == new
    assert download(client.get_function(FunctionName=name, Qualifier="1")["Code"]["Location"]).content == old


def _tampered_variants(url: str, replacements: list[tuple[str, str]]) -> list[str]:
    out = []
    last = url[-1]
    out.append(url[:-1] + ("B" if last != "B" else "C"))
    for old, new in replacements:
        if old and old in url:
            out.append(url.replace(old, new))
    parts = urlsplit(url)
    if parts.query:
        out.append(urlunsplit(parts._replace(query="")))
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        for i, (k, v) in enumerate(pairs):
            if not v or not re.search(r"sig|token|expir|date|cred|hash|sha|key|exp", k, re.I):
                continue
            changed = list(pairs)
            changed[i] = (k, v[:-1] + ("0" if v[-1] != "0" else "1"))
            out.append(urlunsplit(parts._replace(query=urlencode(changed))))
    return [u for u in dict.fromkeys(out) if u != url]


def test_code_location_cannot_be_tampered(client, bob_client, alice, bob, make_function):
    a_code, b_code = unique_zip("alice-secret"), unique_zip("bob-secret")
    a_name = make_function(client, zip_bytes=a_code)["FunctionName"]
    b_name = make_function(bob_client, zip_bytes=b_code)["FunctionName"]
    a_loc = client.get_function(FunctionName=a_name)["Code"]["Location"]
    a_hex, b_hex = hashlib.sha256(a_code).hexdigest(), hashlib.sha256(b_code).hexdigest()
    a_b64, b_b64 = sha256_b64(a_code), sha256_b64(b_code)
    swaps = [
        (a_name, b_name),
        (alice.account_id, bob.account_id),
        (a_hex, b_hex),
        (a_b64, b_b64),
        (a_b64.replace("+", "-").replace("/", "_").rstrip("="), b_b64.replace("+", "-").replace("/", "_").rstrip("=")),
    ]
    variants = _tampered_variants(a_loc, swaps)
    assert variants
    for url in variants:
        r = download(url)
        assert r.status_code == 403, f"tampered code URL {url} answered {r.status_code}"
        assert r.content not in (a_code, b_code)


# --------------------------------------------------------------------------------------------
# CodeSha256 / CodeSize


def test_code_sha256_is_base64_of_the_raw_digest(client, make_function):
    code = make_zip({"app.py": "def handler(e, c):\n    return 'sha'\n", "big.txt": "y" * 100_000})
    resp = make_function(client, zip_bytes=code)
    digest = hashlib.sha256(code).digest()
    assert resp["CodeSha256"] == base64.b64encode(digest).decode()
    assert len(resp["CodeSha256"]) == 44
    assert resp["CodeSize"] == len(code)


def test_identical_code_has_identical_hash_across_functions(client, bob_client, make_function):
    code = unique_zip()
    a = make_function(client, zip_bytes=code)
    b = make_function(client, zip_bytes=code)
    c = make_function(bob_client, zip_bytes=code)
    assert a["CodeSha256"] == b["CodeSha256"] == c["CodeSha256"] == sha256_b64(code)
    for fn, cl in ((b, client), (c, bob_client)):
        assert download(cl.get_function(FunctionName=fn["FunctionName"])["Code"]["Location"]).content == code


def _stored_bytes(data_dir) -> tuple[int, int]:
    """(bytes in plain files of the data dir, excluding SQLite files), used to see whether
    identical code is stored again. Also returns the number of files."""
    total = files = 0
    for path in Path(data_dir).rglob("*"):
        if not path.is_file() or path.name.endswith(("-wal", "-shm", "-journal")):
            continue
        try:
            with open(path, "rb") as f:
                if f.read(16) == b"SQLite format 3\x00":
                    continue
            total += path.stat().st_size
            files += 1
        except OSError:
            continue
    return total, files


def _copies_of(data_dir, blob: bytes) -> int:
    n = 0
    for path in Path(data_dir).rglob("*"):
        try:
            if path.is_file() and path.stat().st_size == len(blob) and path.read_bytes() == blob:
                n += 1
        except OSError:
            continue
    return n


def test_identical_code_is_stored_once(client, bob_client, nimbus, make_function):
    code = make_zip({"app.py": HANDLER_SOURCE, "blob.bin": os.urandom(4 << 20)}, compression=zipfile.ZIP_STORED)
    before, _ = _stored_bytes(nimbus.data_dir)
    first = make_function(client, zip_bytes=code)["FunctionName"]
    after_first, _ = _stored_bytes(nimbus.data_dir)
    make_function(client, zip_bytes=code)
    make_function(bob_client, zip_bytes=code)
    client.publish_version(FunctionName=first)
    after_more, _ = _stored_bytes(nimbus.data_dir)
    assert _copies_of(nimbus.data_dir, code) <= 1
    if after_first - before >= len(code) // 2:  # code lives in plain files: the copies must not
        assert after_more - after_first < len(code) // 2, "identical code was stored again"


# --------------------------------------------------------------------------------------------
# UpdateFunctionCode


def test_update_function_code(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    before = client.get_function_configuration(FunctionName=name)
    new = unique_zip()
    resp = client.update_function_code(FunctionName=name, ZipFile=new)
    assert status_of(resp) == 200
    assert resp["FunctionArn"] == fn_arn(alice.account_id, name)
    assert resp["Version"] == "$LATEST"
    assert resp["CodeSha256"] == sha256_b64(new)
    assert resp["CodeSize"] == len(new)
    assert resp["State"] == "Active"
    assert resp["LastUpdateStatus"] == "InProgress"
    assert resp["LastUpdateStatusReason"] == "The function is being created."
    assert resp["LastUpdateStatusReasonCode"] == "Creating"
    assert resp["RevisionId"] != before["RevisionId"]
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    got = client.get_function(FunctionName=name)
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert got["Configuration"]["CodeSha256"] == sha256_b64(new)
    assert got["Configuration"]["RevisionId"] != resp["RevisionId"]  # InProgress -> Successful
    assert download(got["Code"]["Location"]).content == new


def test_update_code_with_identical_bytes_is_still_an_update(client, make_function):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    before = client.get_function_configuration(FunctionName=name)
    resp = client.update_function_code(FunctionName=name, ZipFile=code)
    assert resp["LastUpdateStatus"] == "InProgress"
    assert resp["CodeSha256"] == before["CodeSha256"]
    assert resp["RevisionId"] != before["RevisionId"]
    wait_updated(client, name)


def test_update_code_on_missing_function(client, alice):
    name = unique_name("missing")
    expect_error(
        lambda: client.update_function_code(FunctionName=name, ZipFile=make_zip()),
        "ResourceNotFoundException",
        404,
    )


# --------------------------------------------------------------------------------------------
# UpdateFunctionConfiguration


def test_update_configuration_changes_given_fields_and_keeps_others(client, alice, make_function):
    name = make_function(client, Description="before", Environment={"Variables": {"AA": "1"}})["FunctionName"]
    before = client.get_function_configuration(FunctionName=name)
    resp = client.update_function_configuration(FunctionName=name, Description="after", Timeout=30, MemorySize=256)
    assert status_of(resp) == 200
    assert resp["Description"] == "after"
    assert resp["Timeout"] == 30
    assert resp["MemorySize"] == 256
    assert resp["State"] == "Active"
    assert resp["LastUpdateStatus"] == "InProgress"
    assert resp["LastUpdateStatusReason"] == "The function is being created."
    assert resp["LastUpdateStatusReasonCode"] == "Creating"
    assert resp["RevisionId"] != before["RevisionId"]
    for key in ("Role", "Runtime", "Handler", "CodeSha256", "CodeSize", "Environment", "Architectures", "FunctionArn"):
        assert resp[key] == before[key], key
    after = wait_updated(client, name)
    assert after["Description"] == "after"
    assert after["Environment"] == {"Variables": {"AA": "1"}}


def test_update_configuration_replaces_environment(client, make_function):
    name = make_function(client, Environment={"Variables": {"AA": "1", "BB": "2"}})["FunctionName"]
    resp = client.update_function_configuration(FunctionName=name, Environment={"Variables": {"CC": "3"}})
    assert resp["Environment"] == {"Variables": {"CC": "3"}}
    assert wait_updated(client, name)["Environment"] == {"Variables": {"CC": "3"}}


def test_update_configuration_runtime_handler_role(client, bob, make_function):
    name = make_function(client)["FunctionName"]
    resp = client.update_function_configuration(
        FunctionName=name, Runtime="python3.13", Handler="main.run", Role=role_arn(bob.account_id)
    )
    assert resp["Runtime"] == "python3.13"
    assert resp["Handler"] == "main.run"
    assert resp["Role"] == role_arn(bob.account_id)


def test_noop_update_changes_revision_id(client, make_function):
    name = make_function(client)["FunctionName"]
    before = client.get_function_configuration(FunctionName=name)
    resp = client.update_function_configuration(FunctionName=name)
    assert resp["LastUpdateStatus"] == "InProgress"
    assert resp["RevisionId"] != before["RevisionId"]
    after = wait_updated(client, name)
    assert after["RevisionId"] not in (before["RevisionId"], resp["RevisionId"])


def test_update_configuration_by_full_and_partial_arn(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    r1 = client.update_function_configuration(FunctionName=fn_arn(alice.account_id, name), Description="one")
    assert r1["Description"] == "one"
    wait_updated(client, name)
    r2 = client.update_function_configuration(FunctionName=f"{alice.account_id}:function:{name}", Description="two")
    assert r2["Description"] == "two"
    wait_updated(client, name)
    assert client.get_function_configuration(FunctionName=name)["Description"] == "two"


def test_last_modified_changes_on_update(client, make_function):
    resp = make_function(client)
    name = resp["FunctionName"]
    first = client.get_function_configuration(FunctionName=name)["LastModified"]
    time.sleep(1.1)
    upd = client.update_function_configuration(FunctionName=name, Description="touch")
    assert LAST_MODIFIED_RE.match(upd["LastModified"])
    assert upd["LastModified"] != first


# --------------------------------------------------------------------------------------------
# RevisionId preconditions (§3.4)


def test_update_configuration_with_stale_revision_id(client, make_function):
    name = make_function(client)["FunctionName"]
    current = client.get_function_configuration(FunctionName=name)["RevisionId"]
    expect_error(
        lambda: client.update_function_configuration(FunctionName=name, Description="x", RevisionId="00000000-0000-0000-0000-000000000000"),
        "PreconditionFailedException",
        412,
        MSG_PFE_FUNCTION,
    )
    assert client.get_function_configuration(FunctionName=name)["Description"] == ""
    resp = client.update_function_configuration(FunctionName=name, Description="ok", RevisionId=current)
    assert resp["Description"] == "ok"
    wait_updated(client, name)
    expect_error(
        lambda: client.update_function_configuration(FunctionName=name, Description="again", RevisionId=current),
        "PreconditionFailedException",
        412,
        MSG_PFE_FUNCTION,
    )


def test_update_code_with_stale_revision_id(client, make_function):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    current = client.get_function_configuration(FunctionName=name)["RevisionId"]
    expect_error(
        lambda: client.update_function_code(FunctionName=name, ZipFile=unique_zip(), RevisionId=current + "x"),
        "PreconditionFailedException",
        412,
        MSG_PFE_FUNCTION,
    )
    assert client.get_function_configuration(FunctionName=name)["CodeSha256"] == sha256_b64(code)
    new = unique_zip()
    assert client.update_function_code(FunctionName=name, ZipFile=new, RevisionId=current)["CodeSha256"] == sha256_b64(new)
    wait_updated(client, name)


# --------------------------------------------------------------------------------------------
# Delete


def test_delete_function(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    resp = client.delete_function(FunctionName=name)
    assert status_of(resp) == 204
    arn = fn_arn(alice.account_id, name)
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404, f"Function not found: {arn}")
    expect_error(lambda: client.delete_function(FunctionName=name), "ResourceNotFoundException", 404, f"Function not found: {arn}")
    names = [f["FunctionName"] for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]]
    assert name not in names


def test_delete_by_arn_then_recreate_same_name(client, alice, make_function):
    name = make_function(client, Description="first")["FunctionName"]
    client.delete_function(FunctionName=fn_arn(alice.account_id, name))
    resp = make_function(client, name, Description="second")
    assert resp["Description"] == "second"
    assert resp["State"] == "Pending"


# --------------------------------------------------------------------------------------------
# List


def _all_functions(client, **kw):
    return [f for p in client.get_paginator("list_functions").paginate(**kw) for f in p["Functions"]]


def test_list_functions_entries_are_unqualified_and_stateless(client, alice, make_function):
    name = make_function(client, Description="listed")["FunctionName"]
    entry = next(f for f in _all_functions(client) if f["FunctionName"] == name)
    assert entry["FunctionArn"] == fn_arn(alice.account_id, name)
    assert entry["Version"] == "$LATEST"
    assert entry["Description"] == "listed"
    for key in ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "RuntimeVersionConfig"):
        assert key not in entry, key


def test_list_functions_all_versions_are_qualified(client, alice, make_function):
    name = make_function(client, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    entries = [f for f in _all_functions(client, FunctionVersion="ALL") if f["FunctionName"] == name]
    assert sorted(f["FunctionArn"] for f in entries) == sorted(
        [fn_arn(alice.account_id, name, "$LATEST"), fn_arn(alice.account_id, name, "1")]
    )
    assert sorted(f["Version"] for f in entries) == ["$LATEST", "1"]
    default = [f for f in _all_functions(client) if f["FunctionName"] == name]
    assert [f["FunctionArn"] for f in default] == [fn_arn(alice.account_id, name)]


def test_list_functions_rejects_other_function_version_values(client):
    expect_error(
        lambda: client.list_functions(FunctionVersion="LATEST"),
        "ValidationException",
        400,
        contains=["at 'functionVersion'", "Member must satisfy enum value set: [ALL]"],
    )


# --------------------------------------------------------------------------------------------
# Not found / qualifier errors


def test_missing_function_errors(client, alice):
    name = unique_name("missing")
    arn = fn_arn(alice.account_id, name)
    msg = f"Function not found: {arn}"
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404, msg)
    expect_error(lambda: client.get_function_configuration(FunctionName=name), "ResourceNotFoundException", 404, msg)
    expect_error(lambda: client.get_function(FunctionName=arn), "ResourceNotFoundException", 404, msg)


def test_missing_qualifier_errors(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    expect_error(
        lambda: client.get_function(FunctionName=name, Qualifier="1221"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name, '1221')}",
    )
    expect_error(
        lambda: client.get_function_configuration(FunctionName=name, Qualifier="aliasdoesnotexist"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name, 'aliasdoesnotexist')}",
    )
    expect_error(
        lambda: client.get_function(FunctionName=name, Qualifier="$latest"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name, '$latest')}",
    )


def test_derived_qualifier_mismatch(client, make_function):
    name = make_function(client, Publish=True)["FunctionName"]
    for call in (client.get_function, client.get_function_configuration):
        expect_error(
            lambda: call(FunctionName=f"{name}:1", Qualifier="2"),
            "InvalidParameterValueException",
            400,
            MSG_DERIVED_QUALIFIER,
        )


def test_function_in_another_region_is_not_reachable(client, alice):
    arn = fn_arn(alice.account_id, unique_name(), region="eu-west-1")
    expect_error(
        lambda: client.get_function(FunctionName=arn),
        "ResourceNotFoundException",
        404,
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    )


# --------------------------------------------------------------------------------------------
# Validation (§1.5, §2.2, §3.5, §4.1)


@pytest.mark.parametrize(
    "bad",
    ["my-function!", "*", "name:1:2", "function:name:$LATEST:extra", "arn:aws:lambda::123456789012:function:x", "invalid-account:function:x", "arn:aws:s3:::bucket"],
)
def test_function_name_pattern_violations(client, bad):
    expect_error(
        lambda: client.get_function(FunctionName=bad),
        "ValidationException",
        400,
        startswith=f"1 validation error detected: Value '{bad}' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ",
    )


def test_create_name_longer_than_64_is_ipve(client, alice, make_function):
    name = "a" * 65
    expect_error(
        lambda: make_function(client, name, wait=False),
        "InvalidParameterValueException",
        400,
        validation=validation_text(name, "functionName", "Member must have length less than or equal to 64"),
    )


def test_get_name_longer_than_64_is_not_found(client):
    expect_error(lambda: client.get_function(FunctionName="b" * 65), "ResourceNotFoundException", 404)


def test_create_invalid_role(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, Role="not-a-role"),
        "ValidationException",
        400,
        validation=validation_text("not-a-role", "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}"),
    )


def test_timeout_above_900(client, make_function):
    text = validation_text("901", "timeout", "Member must have value less than or equal to 900")
    expect_error(lambda: make_function(client, wait=False, Timeout=901), "ValidationException", 400, validation=text)
    name = make_function(client)["FunctionName"]
    expect_error(lambda: client.update_function_configuration(FunctionName=name, Timeout=901), "ValidationException", 400, validation=text)
    assert client.get_function_configuration(FunctionName=name)["Timeout"] == 3


def test_memory_size_above_10240(client, make_function):
    text = validation_text("10241", "memorySize", "Member must have value less than or equal to 10240")
    expect_error(lambda: make_function(client, wait=False, MemorySize=10241), "ValidationException", 400, validation=text)


def test_ephemeral_storage_above_10240(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, EphemeralStorage={"Size": 10241}),
        "ValidationException",
        400,
        contains=["at 'ephemeralStorage.size'", "Member must have value less than or equal to 10240"],
    )


def test_description_longer_than_256(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, Description="d" * 257),
        "ValidationException",
        400,
        contains=["at 'description'", "Member must have length less than or equal to 256"],
    )


def test_handler_with_whitespace(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, Handler="app handler"),
        "ValidationException",
        400,
        contains=["at 'handler'", "Member must satisfy regular expression pattern: [^\\s]+"],
    )


@pytest.mark.parametrize("runtime", ["python9.9", "PYTHON3.12", "cobol"])
def test_unknown_runtime(client, make_function, runtime):
    resp = expect_error(
        lambda: make_function(client, wait=False, Runtime=runtime),
        "InvalidParameterValueException",
        400,
        startswith=f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [",
    )
    assert resp["Error"]["Message"].endswith("] or be a valid ARN")
    assert "python3.12" in resp["Error"]["Message"]


@pytest.mark.parametrize("runtime", ["python3.7", "nodejs14.x", "go1.x", "provided", "java8"])
def test_deprecated_runtime(client, make_function, runtime):
    expect_error(
        lambda: make_function(client, wait=False, Runtime=runtime),
        "InvalidParameterValueException",
        400,
        DEPRECATED_RUNTIME.format(rt=runtime),
    )


def test_two_architectures(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, Architectures=["x86_64", "arm64"]),
        "ValidationException",
        400,
        contains=["at 'architectures'", "Member must have length less than or equal to 1"],
    )


def test_bad_architecture_value(client, make_function):
    expect_error(
        lambda: make_function(client, wait=False, Architectures=["X86_64"]),
        "ValidationException",
        400,
        contains=[
            "Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: "
            "[Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
        ],
    )


@pytest.mark.parametrize("missing", [("Runtime",), ("Handler",), ("Runtime", "Handler")])
def test_zip_function_needs_runtime_and_handler(client, alice, missing):
    params = dict(
        FunctionName=unique_name(),
        Runtime=RUNTIME,
        Handler=HANDLER,
        Role=role_arn(alice.account_id),
        Code={"ZipFile": make_zip()},
    )
    for key in missing:
        del params[key]
    expect_error(
        lambda: client.create_function(**params),
        "InvalidParameterValueException",
        400,
        "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
    )
    expect_error(lambda: client.get_function(FunctionName=params["FunctionName"]), "ResourceNotFoundException", 404)


def test_duplicate_function_name(client, make_function):
    name = make_function(client)["FunctionName"]
    expect_error(lambda: make_function(client, name, wait=False), "ResourceConflictException", 409, f"Function already exist: {name}")


def test_environment_over_4kb(client, make_function):
    value = "x" * (4097 - len('{"BIG":""}'))
    measured = json.dumps({"BIG": value}, separators=(",", ":"))
    assert len(measured) == 4097
    expect_error(
        lambda: make_function(client, wait=False, Environment={"Variables": {"BIG": value}}),
        "InvalidParameterValueException",
        400,
        ENV_LIMIT_PREFIX + measured,
    )
    name = make_function(client)["FunctionName"]
    expect_error(
        lambda: client.update_function_configuration(FunctionName=name, Environment={"Variables": {"BIG": value}}),
        "InvalidParameterValueException",
        400,
        ENV_LIMIT_PREFIX + measured,
    )
    assert "Environment" not in client.get_function_configuration(FunctionName=name)


@pytest.mark.parametrize(
    "key",
    [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ],
)
def test_reserved_environment_keys(client, make_function, key):
    expect_error(
        lambda: make_function(client, wait=False, Environment={"Variables": {key: "v", "OK_KEY": "v"}}),
        "InvalidParameterValueException",
        400,
        RESERVED_PREFIX + key,
    )


def test_reserved_keys_on_update_lists_every_key(client, make_function):
    name = make_function(client, Environment={"Variables": {"KEEP": "1"}})["FunctionName"]
    resp = expect_error(
        lambda: client.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"AWS_REGION": "x", "AWS_ACCESS_KEY_ID": "y"}}
        ),
        "InvalidParameterValueException",
        400,
        startswith=RESERVED_PREFIX,
    )
    listed = resp["Error"]["Message"][len(RESERVED_PREFIX) :]
    assert sorted(listed.split(", ")) == ["AWS_ACCESS_KEY_ID", "AWS_REGION"]
    assert client.get_function_configuration(FunctionName=name)["Environment"] == {"Variables": {"KEEP": "1"}}


@pytest.mark.parametrize("key", ["1BAD", "BAD-NAME", "has space"])
def test_invalid_environment_variable_name(client, make_function, key):
    name = unique_name()
    expect_error_in(
        lambda: make_function(client, name, wait=False, Environment={"Variables": {key: "v"}}),
        ("ValidationException", "InvalidParameterValueException"),
        400,
    )
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


# --------------------------------------------------------------------------------------------
# Code validation and size limits (§3.5)


def test_not_a_zip(client, make_function):
    name = unique_name()
    expect_error(
        lambda: make_function(client, name, wait=False, zip_bytes=b"this is not a zip file"),
        "InvalidParameterValueException",
        400,
        MSG_NOT_A_ZIP,
    )
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)
    code = unique_zip()
    existing = make_function(client, zip_bytes=code)["FunctionName"]
    expect_error(
        lambda: client.update_function_code(FunctionName=existing, ZipFile=b"PK\x03\x04garbage"),
        "InvalidParameterValueException",
        400,
        MSG_NOT_A_ZIP,
    )
    assert client.get_function_configuration(FunctionName=existing)["CodeSha256"] == sha256_b64(code)


@pytest.fixture(scope="module")
def big_unzip_zip():
    return oversized_unzip_zip()


def test_unzipped_size_limit(client, make_function, big_unzip_zip):
    name = unique_name()
    expect_error(
        lambda: make_function(client, name, wait=False, zip_bytes=big_unzip_zip),
        "InvalidParameterValueException",
        400,
        MSG_UNZIPPED_TOO_LARGE,
    )
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


def test_unzipped_size_limit_on_update(client, make_function, big_unzip_zip):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    expect_error(
        lambda: client.update_function_code(FunctionName=name, ZipFile=big_unzip_zip),
        "InvalidParameterValueException",
        400,
        MSG_UNZIPPED_TOO_LARGE,
    )
    assert client.get_function_configuration(FunctionName=name)["CodeSha256"] == sha256_b64(code)


def test_zipped_size_limit(client, make_function):
    name = unique_name()
    expect_error(
        lambda: make_function(client, name, wait=False, zip_bytes=oversized_zip()),
        "RequestEntityTooLargeException",
        413,
        MSG_ZIPPED_TOO_LARGE,
    )
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)
