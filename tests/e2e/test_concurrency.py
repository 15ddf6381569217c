"""Reserved and provisioned concurrency, account settings (lambda-api.md §4.12, §4.13, §4.17)."""

from __future__ import annotations

import re

import pytest

from e2e_helpers import (
    error_code,
    expect_error,
    fn_path,
    fn_arn,
    make_zip,
    status_of,
    strip_meta,
    unique_name,
    wait_active,
    wait_for,
    wait_updated,
)

QUALIFIED_ONLY = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. "
    "Please specify either a function name or an unqualified function ARN."
)
BELOW_MINIMUM_RE = re.compile(
    r"^Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
    r"below its minimum value of \[(\d+)\]\.$"
)


def unreserved(client) -> int:
    return client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]


def usage(client) -> dict:
    return client.get_account_settings()["AccountUsage"]


# --------------------------------------------------------------------------------------------
# GetAccountSettings


def test_account_settings_of_a_new_account(fresh_client):
    s = fresh_client.get_account_settings()
    assert status_of(s) == 200
    assert set(strip_meta(s)) == {"AccountLimit", "AccountUsage"}
    assert s["AccountLimit"] == {
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert s["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}


def test_account_usage_counts_every_stored_version(fresh_client, make_function):
    c = fresh_client
    a = make_zip({"app.py": "def handler(e, c):\n    return 'a'\n"})
    b = make_zip({"app.py": "def handler(e, c):\n    return 'bb'\n", "x.txt": "b" * 300})
    d = make_zip({"app.py": "def handler(e, c):\n    return 'ddd'\n", "y.txt": "d" * 900})
    assert len({len(a), len(b), len(d)}) == 3
    name = make_function(c, zip_bytes=a)["FunctionName"]
    assert usage(c) == {"TotalCodeSize": len(a), "FunctionCount": 1}
    c.publish_version(FunctionName=name)
    wait_active(c, name, qualifier="1")
    assert usage(c)["TotalCodeSize"] == 2 * len(a)
    c.update_function_configuration(FunctionName=name, Description="config only")
    wait_updated(c, name)
    assert usage(c)["TotalCodeSize"] == 2 * len(a)
    c.publish_version(FunctionName=name)  # publish after a config-only change adds a copy
    wait_active(c, name, qualifier="2")
    assert usage(c)["TotalCodeSize"] == 3 * len(a)
    c.update_function_code(FunctionName=name, ZipFile=b)
    wait_updated(c, name)
    assert usage(c)["TotalCodeSize"] == 2 * len(a) + len(b)
    resp = c.update_function_code(FunctionName=name, ZipFile=d, Publish=True)
    wait_active(c, name, qualifier=resp["Version"])
    wait_updated(c, name)
    assert usage(c)["TotalCodeSize"] == 2 * len(a) + 2 * len(d)
    c.delete_function(FunctionName=name, Qualifier="1")
    assert usage(c)["TotalCodeSize"] == len(a) + 2 * len(d)
    second = make_function(c, zip_bytes=b)["FunctionName"]
    assert usage(c) == {"TotalCodeSize": len(a) + 2 * len(d) + len(b), "FunctionCount": 2}
    c.delete_function(FunctionName=name)
    c.delete_function(FunctionName=second)
    assert usage(c) == {"TotalCodeSize": 0, "FunctionCount": 0}


# --------------------------------------------------------------------------------------------
# Reserved concurrency


def test_reserved_concurrency_lifecycle(client, make_function):
    name = make_function(client)["FunctionName"]
    empty = client.get_function_concurrency(FunctionName=name)
    assert status_of(empty) == 200
    assert strip_meta(empty) == {}
    before = unreserved(client)
    put = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    assert status_of(put) == 200
    assert strip_meta(put) == {"ReservedConcurrentExecutions": 5}
    assert strip_meta(client.get_function_concurrency(FunctionName=name)) == {"ReservedConcurrentExecutions": 5}
    assert client.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert unreserved(client) == before - 5
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert unreserved(client) == before - 2
    deleted = client.delete_function_concurrency(FunctionName=name)
    assert status_of(deleted) == 204
    assert strip_meta(client.get_function_concurrency(FunctionName=name)) == {}
    assert "Concurrency" not in client.get_function(FunctionName=name)
    assert unreserved(client) == before


def test_reserved_concurrency_zero_is_allowed(client, make_function):
    name = make_function(client)["FunctionName"]
    assert client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)["ReservedConcurrentExecutions"] == 0
    assert client.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 0}


def test_reserved_concurrency_by_arn(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    arn = fn_arn(alice.account_id, name)
    client.put_function_concurrency(FunctionName=arn, ReservedConcurrentExecutions=3)
    assert client.get_function_concurrency(FunctionName=arn)["ReservedConcurrentExecutions"] == 3
    client.delete_function_concurrency(FunctionName=arn)


@pytest.mark.parametrize("qualifier", ["1", "$LATEST", "live"])
def test_reserved_concurrency_rejects_qualified_names(client, alice, make_function, qualifier):
    name = make_function(client, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for ident in (f"{name}:{qualifier}", fn_arn(alice.account_id, name, qualifier)):
        expect_error(
            lambda: client.put_function_concurrency(FunctionName=ident, ReservedConcurrentExecutions=1),
            "InvalidParameterValueException",
            400,
            QUALIFIED_ONLY,
        )
        expect_error(lambda: client.get_function_concurrency(FunctionName=ident), "InvalidParameterValueException", 400, QUALIFIED_ONLY)
        expect_error(lambda: client.delete_function_concurrency(FunctionName=ident), "InvalidParameterValueException", 400, QUALIFIED_ONLY)
    assert "Concurrency" not in client.get_function(FunctionName=name)


def test_reserved_concurrency_on_missing_function(client, alice):
    name = unique_name("missing")
    expect_error(
        lambda: client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name)}:$LATEST",
    )
    expect_error(
        lambda: client.get_function_concurrency(FunctionName=name),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name)}",
    )


def test_reserved_concurrency_cannot_eat_the_unreserved_minimum(client, make_function):
    name = make_function(client)["FunctionName"]
    limits = client.get_account_settings()["AccountLimit"]
    free = limits["UnreservedConcurrentExecutions"]
    resp = expect_error(
        lambda: client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=free),
        "InvalidParameterValueException",
        400,
    )
    m = BELOW_MINIMUM_RE.match(resp["Error"]["Message"])
    assert m, resp["Error"]["Message"]
    minimum = int(m.group(1))
    if limits["ConcurrentExecutions"] == 1000:
        assert minimum == 100
    expect_error(
        lambda: client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=limits["ConcurrentExecutions"] + 1),
        "InvalidParameterValueException",
        400,
        m.group(0),
    )
    expect_error(
        lambda: client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=free - minimum + 1),
        "InvalidParameterValueException",
        400,
        m.group(0),
    )
    assert strip_meta(client.get_function_concurrency(FunctionName=name)) == {}
    try:
        ok = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=free - minimum)
        assert ok["ReservedConcurrentExecutions"] == free - minimum
        assert unreserved(client) == minimum
    finally:
        client.delete_function_concurrency(FunctionName=name)
    assert unreserved(client) == free


# --------------------------------------------------------------------------------------------
# Provisioned concurrency


@pytest.fixture
def published(fn):
    """A function with version 1 (Active) and alias 'live' -> 1 (the shared `fn` fixture)."""
    return fn


def test_provisioned_concurrency_lifecycle(client, alice, published):
    name = published
    before = unreserved(client)
    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert status_of(put) == 202
    body = strip_meta(put)
    assert body["RequestedProvisionedConcurrentExecutions"] == 2
    assert body["AvailableProvisionedConcurrentExecutions"] == 0
    assert body["AllocatedProvisionedConcurrentExecutions"] == 0
    assert body["Status"] == "IN_PROGRESS"
    assert isinstance(body["LastModified"], str) and body["LastModified"]

    def ready():
        g = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        return g if g["Status"] == "READY" else None

    got = wait_for(ready, timeout=20, what="provisioned concurrency READY")
    assert status_of(got) == 200
    assert got["RequestedProvisionedConcurrentExecutions"] == 2
    assert got["AvailableProvisionedConcurrentExecutions"] == 2
    assert got["AllocatedProvisionedConcurrentExecutions"] == 2
    assert unreserved(client) == before - 2

    listed = client.list_provisioned_concurrency_configs(FunctionName=name)
    assert status_of(listed) == 200
    items = listed["ProvisionedConcurrencyConfigs"]
    assert [i["FunctionArn"] for i in items] == [fn_arn(alice.account_id, name, "1")]
    assert items[0]["RequestedProvisionedConcurrentExecutions"] == 2

    assert status_of(client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")) == 204
    expect_error(
        lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"),
        "ProvisionedConcurrencyConfigNotFoundException",
        404,
        "No Provisioned Concurrency Config found for this function",
    )
    assert client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []
    assert unreserved(client) == before
    assert status_of(client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")) == 204


def test_provisioned_concurrency_on_alias(client, alice, published):
    put = client.put_provisioned_concurrency_config(FunctionName=published, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert status_of(put) == 202
    items = client.list_provisioned_concurrency_configs(FunctionName=published)["ProvisionedConcurrencyConfigs"]
    assert [i["FunctionArn"] for i in items] == [fn_arn(alice.account_id, published, "live")]
    # deleting the alias deletes its provisioned-concurrency config
    client.delete_alias(FunctionName=published, Name="live")
    assert client.list_provisioned_concurrency_configs(FunctionName=published)["ProvisionedConcurrencyConfigs"] == []


def test_provisioned_concurrency_errors(client, alice, published):
    name = published
    arn = fn_arn(alice.account_id, name)
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1),
        "InvalidParameterValueException",
        400,
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )
    for op in (client.get_provisioned_concurrency_config, client.delete_provisioned_concurrency_config):
        expect_error(
            lambda: op(FunctionName=name, Qualifier="$LATEST"),
            "InvalidParameterValueException",
            400,
            "The function resource provided must be an alias or a published version.",
        )
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="nosuch", ProvisionedConcurrentExecutions=1),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {arn}:nosuch",
    )
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="9", ProvisionedConcurrentExecutions=1),
        "ResourceNotFoundException",
        404,
        f"Function not found: {arn}:9",
    )
    missing = unique_name("missing")
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=missing, Qualifier="live", ProvisionedConcurrentExecutions=1),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {fn_arn(alice.account_id, missing)}:live",
    )
    expect_error(
        lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live"),
        "ProvisionedConcurrencyConfigNotFoundException",
        404,
        "No Provisioned Concurrency Config found for this function",
    )
    assert client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []


def test_provisioned_concurrency_zero_is_a_validation_error(raw, published):
    r = raw.request(
        "PUT",
        fn_path(published, "/provisioned-concurrency", version="2019-09-30"),
        json_body={"ProvisionedConcurrentExecutions": 0},
        query=[("Qualifier", "1")],
    )
    assert r.status_code == 400
    assert error_code(r) == "ValidationException"
    assert "provisionedConcurrentExecutions" in r.text


def test_provisioned_alias_and_version_conflicts(client, published):
    name = published
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1),
        "ResourceConflictException",
        409,
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
    )
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1),
        "ResourceConflictException",
        409,
        "Version is pointed by a Provisioned Concurrency alias",
    )


def test_provisioned_cannot_exceed_reserved(client, published):
    client.put_function_concurrency(FunctionName=published, ReservedConcurrentExecutions=2)
    expect_error(
        lambda: client.put_provisioned_concurrency_config(FunctionName=published, Qualifier="1", ProvisionedConcurrentExecutions=3),
        "InvalidParameterValueException",
        400,
        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
    )
    assert client.list_provisioned_concurrency_configs(FunctionName=published)["ProvisionedConcurrencyConfigs"] == []
    assert status_of(client.put_provisioned_concurrency_config(FunctionName=published, Qualifier="1", ProvisionedConcurrentExecutions=2)) == 202
