"""Versions and aliases (lambda-api.md §2.3, §3.3, §3.4, §4.7–§4.10)."""

from __future__ import annotations

import pytest

from e2e_helpers import (
    MSG_PFE_FUNCTION,
    UUID_RE,
    expect_error,
    fn_arn,
    http_session,
    sha256_b64,
    status_of,
    strip_meta,
    unique_name,
    unique_zip,
    wait_active,
    wait_updated,
)

ALIAS_NAME_PATTERN = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"


def publish(client, name, **kw):
    """Publish and wait until the new version is Active; returns the PublishVersion response."""
    resp = client.publish_version(FunctionName=name, **kw)
    wait_active(client, name, qualifier=resp["Version"])
    return resp


def touch(client, name, description):
    client.update_function_configuration(FunctionName=name, Description=description)
    wait_updated(client, name)


def versions_of(client, name):
    return [v for p in client.get_paginator("list_versions_by_function").paginate(FunctionName=name) for v in p["Versions"]]


@pytest.fixture
def fn(client, make_function):
    """A function with versions 1 and 2 published (descriptions 'v1', 'v2')."""
    name = make_function(client, Description="v1")["FunctionName"]
    publish(client, name)
    touch(client, name, "v2")
    publish(client, name)
    return name


# --------------------------------------------------------------------------------------------
# PublishVersion


def test_publish_version(client, alice, make_function):
    code = unique_zip()
    name = make_function(client, zip_bytes=code, Description="desc")["FunctionName"]
    latest_before = client.get_function_configuration(FunctionName=name)
    resp = client.publish_version(FunctionName=name)
    assert status_of(resp) == 201
    assert resp["Version"] == "1"
    assert resp["FunctionArn"] == fn_arn(alice.account_id, name, "1")
    assert resp["State"] in ("Pending", "Active")
    assert resp["LastUpdateStatus"] == "Successful"
    assert resp["CodeSha256"] == sha256_b64(code)
    assert resp["CodeSize"] == len(code)
    assert resp["Description"] == "desc"
    assert UUID_RE.match(resp["RevisionId"])
    client.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier="1", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    latest_after = client.get_function_configuration(FunctionName=name)
    assert latest_after["RevisionId"] != latest_before["RevisionId"]  # publishing changes $LATEST's
    v1 = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert v1["RevisionId"] != latest_after["RevisionId"]
    assert v1["Version"] == "1"
    assert v1["FunctionArn"] == fn_arn(alice.account_id, name, "1")


def test_published_version_revision_is_stable(client, make_function):
    name = make_function(client)["FunctionName"]
    publish(client, name)
    rev = client.get_function_configuration(FunctionName=name, Qualifier="1")["RevisionId"]
    touch(client, name, "changed")
    client.update_function_code(FunctionName=name, ZipFile=unique_zip())
    wait_updated(client, name)
    v1 = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert v1["RevisionId"] == rev
    assert v1["Description"] == ""


def test_publish_is_idempotent_without_updates(client, make_function):
    name = make_function(client, Description="orig")["FunctionName"]
    first = publish(client, name)
    again = client.publish_version(FunctionName=name, Description="ignored")
    assert status_of(again) == 201
    assert again["Version"] == first["Version"] == "1"
    assert again["Description"] == "orig"
    assert [v["Version"] for v in versions_of(client, name)] == ["$LATEST", "1"]


def test_any_update_makes_the_next_publish_new(client, make_function):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    assert publish(client, name)["Version"] == "1"
    client.update_function_configuration(FunctionName=name)  # no-op config update
    wait_updated(client, name)
    assert publish(client, name)["Version"] == "2"
    client.update_function_code(FunctionName=name, ZipFile=code)  # identical bytes
    wait_updated(client, name)
    assert publish(client, name)["Version"] == "3"


def test_published_description(client, make_function):
    name = make_function(client, Description="latest-desc")["FunctionName"]
    assert publish(client, name, Description="given")["Description"] == "given"
    touch(client, name, "latest-desc-2")
    v2 = publish(client, name)
    assert v2["Description"] == "latest-desc-2"
    assert client.get_function_configuration(FunctionName=name, Qualifier="1")["Description"] == "given"


def test_publish_with_code_sha256(client, make_function):
    code = unique_zip()
    name = make_function(client, zip_bytes=code)["FunctionName"]
    actual = sha256_b64(code)
    given = sha256_b64(b"something else")
    expect_error(
        lambda: client.publish_version(FunctionName=name, CodeSha256=given),
        "InvalidParameterValueException",
        400,
        f"CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST ({actual}). "
        "Please try again with the CodeSHA256 in $LATEST.",
    )
    assert [v["Version"] for v in versions_of(client, name)] == ["$LATEST"]
    assert client.publish_version(FunctionName=name, CodeSha256=actual)["Version"] == "1"


def test_publish_with_revision_id(client, make_function):
    name = make_function(client)["FunctionName"]
    expect_error(
        lambda: client.publish_version(FunctionName=name, RevisionId="11111111-1111-1111-1111-111111111111"),
        "PreconditionFailedException",
        412,
        MSG_PFE_FUNCTION,
    )
    rev = client.get_function_configuration(FunctionName=name)["RevisionId"]
    assert client.publish_version(FunctionName=name, RevisionId=rev)["Version"] == "1"


def test_publish_missing_function(client, alice):
    name = unique_name("missing")
    expect_error(
        lambda: client.publish_version(FunctionName=name),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, name)}",
    )


def test_update_code_with_publish(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    new = unique_zip()
    resp = client.update_function_code(FunctionName=name, ZipFile=new, Publish=True)
    assert resp["Version"] == "1"
    assert resp["FunctionArn"] == fn_arn(alice.account_id, name, "1")
    assert resp["State"] == "Pending"
    assert resp["CodeSha256"] == sha256_b64(new)
    v1 = wait_active(client, name, qualifier="1")
    assert v1["CodeSha256"] == sha256_b64(new)
    assert wait_updated(client, name)["CodeSha256"] == sha256_b64(new)


def test_versions_are_listed_in_numeric_order(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    for i in range(11):
        if i:
            touch(client, name, f"d{i}")
        assert publish(client, name)["Version"] == str(i + 1)
    versions = versions_of(client, name)
    assert [v["Version"] for v in versions] == ["$LATEST"] + [str(i) for i in range(1, 12)]
    assert [v["FunctionArn"] for v in versions] == [fn_arn(alice.account_id, name, v["Version"]) for v in versions]
    for v in versions:
        for key in ("State", "StateReason", "LastUpdateStatus"):
            assert key not in v, key


def test_list_versions_of_missing_function(client):
    expect_error(lambda: client.list_versions_by_function(FunctionName=unique_name("missing")), "ResourceNotFoundException", 404)


def test_version_numbers_are_never_reused(client, make_function):
    name = make_function(client)["FunctionName"]
    publish(client, name)
    touch(client, name, "b")
    publish(client, name)
    assert status_of(client.delete_function(FunctionName=name, Qualifier="2")) == 204
    touch(client, name, "c")
    assert publish(client, name)["Version"] == "3"
    assert [v["Version"] for v in versions_of(client, name)] == ["$LATEST", "1", "3"]


def test_get_by_version_qualifier(client, alice, fn):
    for kw in ({"FunctionName": fn, "Qualifier": "1"}, {"FunctionName": f"{fn}:1"}, {"FunctionName": fn_arn(alice.account_id, fn, "1")}):
        cfg = client.get_function(**kw)["Configuration"]
        assert cfg["Version"] == "1"
        assert cfg["FunctionArn"] == fn_arn(alice.account_id, fn, "1")
        assert cfg["Description"] == "v1"
        assert cfg["State"] == "Active"


# --------------------------------------------------------------------------------------------
# DeleteFunction with qualifiers (§2.3, §4.7)


def test_delete_latest_qualifier_is_rejected(client, fn):
    expect_error(
        lambda: client.delete_function(FunctionName=fn, Qualifier="$LATEST"),
        "InvalidParameterValueException",
        400,
        "$LATEST version cannot be deleted without deleting the function.",
    )
    assert client.get_function(FunctionName=fn)["Configuration"]["FunctionName"] == fn


def test_delete_alias_qualifier_is_rejected(client, fn):
    client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    expect_error(
        lambda: client.delete_function(FunctionName=fn, Qualifier="live"),
        "InvalidParameterValueException",
        400,
        "Deletion of aliases is not currently supported.",
    )
    assert client.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"


def test_delete_version(client, alice, fn):
    assert status_of(client.delete_function(FunctionName=fn, Qualifier="1")) == 204
    expect_error(
        lambda: client.get_function(FunctionName=fn, Qualifier="1"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, fn, '1')}",
    )
    assert status_of(client.delete_function(FunctionName=fn, Qualifier="1")) == 204  # idempotent
    assert status_of(client.delete_function(FunctionName=fn, Qualifier="99")) == 204  # never existed
    assert [v["Version"] for v in versions_of(client, fn)] == ["$LATEST", "2"]
    assert client.get_function(FunctionName=fn)["Configuration"]["Version"] == "$LATEST"


def test_delete_version_referenced_by_alias(client, fn):
    client.create_alias(FunctionName=fn, Name="prod", FunctionVersion="1")
    expect_error(
        lambda: client.delete_function(FunctionName=fn, Qualifier="1"),
        "ResourceConflictException",
        409,
        "Unable to delete version because the following aliases reference it: [prod]",
    )
    assert client.get_function(FunctionName=fn, Qualifier="1")["Configuration"]["Version"] == "1"


def test_delete_function_removes_versions_aliases_and_policies(client, make_function):
    name = make_function(client)["FunctionName"]
    publish(client, name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    client.add_permission(FunctionName=name, StatementId="s1", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    client.delete_function(FunctionName=name)
    make_function(client, name)
    assert [v["Version"] for v in versions_of(client, name)] == ["$LATEST"]
    assert client.list_aliases(FunctionName=name)["Aliases"] == []
    expect_error(lambda: client.get_policy(FunctionName=name), "ResourceNotFoundException", 404)


# --------------------------------------------------------------------------------------------
# Aliases


def test_create_and_get_alias(client, alice, fn):
    resp = client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    assert status_of(resp) == 201
    alias_arn = fn_arn(alice.account_id, fn, "live")
    body = strip_meta(resp)
    assert set(body) == {"AliasArn", "Name", "FunctionVersion", "Description", "RevisionId"}
    assert body["AliasArn"] == alias_arn
    assert body["Name"] == "live"
    assert body["FunctionVersion"] == "1"
    assert body["Description"] == ""
    assert UUID_RE.match(body["RevisionId"])
    for ident in (fn, fn_arn(alice.account_id, fn), alias_arn):
        got = client.get_alias(FunctionName=ident, Name="live")
        assert status_of(got) == 200
        assert strip_meta(got) == body


def test_alias_with_description_and_latest(client, fn):
    resp = client.create_alias(FunctionName=fn, Name="edge", FunctionVersion="$LATEST", Description="tip")
    assert resp["FunctionVersion"] == "$LATEST"
    assert resp["Description"] == "tip"


def test_create_alias_does_not_change_function_revisions(client, fn):
    latest = client.get_function_configuration(FunctionName=fn)["RevisionId"]
    v1 = client.get_function_configuration(FunctionName=fn, Qualifier="1")["RevisionId"]
    alias = client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    assert client.get_function_configuration(FunctionName=fn)["RevisionId"] == latest
    assert client.get_function_configuration(FunctionName=fn, Qualifier="1")["RevisionId"] == v1
    assert alias["RevisionId"] not in (latest, v1)


def test_get_function_through_alias_reports_alias_arn(client, alice, fn):
    client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    alias_arn = fn_arn(alice.account_id, fn, "live")
    for kw in ({"FunctionName": fn, "Qualifier": "live"}, {"FunctionName": alias_arn}, {"FunctionName": f"{fn}:live"}):
        cfg = client.get_function(**kw)["Configuration"]
        assert cfg["FunctionArn"] == alias_arn
        assert cfg["Version"] == "1"
        conf = client.get_function_configuration(**kw)
        assert conf["FunctionArn"] == alias_arn
        assert conf["Version"] == "1"


def test_alias_code_location(client, make_function):
    old = unique_zip("old")
    name = make_function(client, zip_bytes=old)["FunctionName"]
    publish(client, name)
    client.update_function_code(FunctionName=name, ZipFile=unique_zip("new"))
    wait_updated(client, name)
    client.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    loc = client.get_function(FunctionName=name, Qualifier="stable")["Code"]["Location"]
    assert http_session().get(loc, timeout=30).content == old


def test_alias_errors(client, alice, fn):
    arn = fn_arn(alice.account_id, fn)
    client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    expect_error(
        lambda: client.create_alias(FunctionName=fn, Name="live", FunctionVersion="2"),
        "ResourceConflictException",
        409,
        f"Alias already exists: {arn}:live",
    )
    expect_error(
        lambda: client.create_alias(FunctionName=fn, Name="other", FunctionVersion="9"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {arn}:9",
    )
    missing = unique_name("missing")
    expect_error(
        lambda: client.create_alias(FunctionName=missing, Name="x", FunctionVersion="1"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, missing)}:1",
    )
    expect_error(
        lambda: client.get_alias(FunctionName=fn, Name="nope"),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {arn}:nope",
    )
    expect_error(
        lambda: client.update_alias(FunctionName=fn, Name="nope", Description="x"),
        "ResourceNotFoundException",
        404,
        f"Alias not found: {arn}:nope",
    )
    expect_error(
        lambda: client.update_alias(FunctionName=fn, Name="live", FunctionVersion="42"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {arn}:42",
    )
    assert client.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"


def test_alias_name_rules(client, fn):
    expect_error(
        lambda: client.create_alias(FunctionName=fn, Name="2024", FunctionVersion="1"),
        "ValidationException",
        400,
        contains=["Value '2024' at 'name' failed to satisfy constraint", ALIAS_NAME_PATTERN],
    )
    assert client.create_alias(FunctionName=fn, Name="2024-01-02", FunctionVersion="1")["Name"] == "2024-01-02"


def test_update_alias(client, fn):
    created = client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1", Description="first")
    same = client.update_alias(FunctionName=fn, Name="live")
    assert status_of(same) == 200
    assert same["RevisionId"] != created["RevisionId"]  # new revision even without changes
    assert same["FunctionVersion"] == "1"
    assert same["Description"] == "first"
    moved = client.update_alias(FunctionName=fn, Name="live", FunctionVersion="2")
    assert moved["FunctionVersion"] == "2"
    assert moved["Description"] == "first"  # omitted members are kept
    described = client.update_alias(FunctionName=fn, Name="live", Description="second")
    assert described["FunctionVersion"] == "2"
    assert described["Description"] == "second"
    assert strip_meta(client.get_alias(FunctionName=fn, Name="live")) == strip_meta(described)


def test_update_alias_revision_id(client, fn):
    created = client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    expect_error(
        lambda: client.update_alias(FunctionName=fn, Name="live", FunctionVersion="2", RevisionId="stale"),
        "PreconditionFailedException",
        412,
        MSG_PFE_FUNCTION,
    )
    assert client.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"
    ok = client.update_alias(FunctionName=fn, Name="live", FunctionVersion="2", RevisionId=created["RevisionId"])
    assert ok["FunctionVersion"] == "2"


def test_delete_alias(client, alice, fn):
    client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    assert status_of(client.delete_alias(FunctionName=fn, Name="live")) == 204
    expect_error(
        lambda: client.get_alias(FunctionName=fn, Name="live"),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {fn_arn(alice.account_id, fn)}:live",
    )
    assert status_of(client.delete_alias(FunctionName=fn, Name="live")) == 204
    assert status_of(client.delete_alias(FunctionName=fn, Name="never-existed")) == 204


def test_list_aliases_sorted_and_filtered(client, fn):
    for name, version in (("charlie", "1"), ("alpha", "2"), ("bravo", "1"), ("alpha2", "$LATEST")):
        client.create_alias(FunctionName=fn, Name=name, FunctionVersion=version)
    resp = client.list_aliases(FunctionName=fn)
    assert status_of(resp) == 200
    assert [a["Name"] for a in resp["Aliases"]] == ["alpha", "alpha2", "bravo", "charlie"]
    assert "NextMarker" not in resp
    only1 = client.list_aliases(FunctionName=fn, FunctionVersion="1")["Aliases"]
    assert [a["Name"] for a in only1] == ["bravo", "charlie"]


def test_list_aliases_of_missing_function(client):
    expect_error(lambda: client.list_aliases(FunctionName=unique_name("missing")), "ResourceNotFoundException", 404)


# --------------------------------------------------------------------------------------------
# Routing configuration (§4.10)


def test_routing_config_round_trip_and_removal(client, fn):
    rc = {"AdditionalVersionWeights": {"2": 0.3}}
    created = client.create_alias(FunctionName=fn, Name="canary", FunctionVersion="1", RoutingConfig=rc)
    assert created["RoutingConfig"] == rc
    assert client.get_alias(FunctionName=fn, Name="canary")["RoutingConfig"] == rc
    listed = client.list_aliases(FunctionName=fn)["Aliases"]
    assert next(a for a in listed if a["Name"] == "canary")["RoutingConfig"] == rc
    updated = client.update_alias(FunctionName=fn, Name="canary", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in updated
    assert "RoutingConfig" not in client.get_alias(FunctionName=fn, Name="canary")


def test_routing_config_empty_map_is_accepted(client, fn):
    resp = client.create_alias(FunctionName=fn, Name="plain", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in resp


def test_routing_config_rules(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    for i in range(3):
        if i:
            touch(client, name, f"d{i}")
        publish(client, name)
    arn = fn_arn(alice.account_id, name)

    def create(version, weights, alias="a1"):
        return lambda: client.create_alias(
            FunctionName=name, Name=alias, FunctionVersion=version, RoutingConfig={"AdditionalVersionWeights": weights}
        )

    expect_error(
        create("1", {"2": 0.1, "3": 0.1}),
        "InvalidParameterValueException",
        400,
        "Number of items in AdditionalVersionWeights cannot be greater than 1",
    )
    expect_error(create("1", {"2": 1.5}), "ValidationException", 400, contains=["routingConfig.additionalVersionWeights", "Map value must satisfy constraint"])
    expect_error(create("1", {"$LATEST": 0.5}), "ValidationException", 400, contains=["routingConfig.additionalVersionWeights", "Map keys must satisfy constraint"])
    expect_error(
        create("1", {"1": 0.5}),
        "InvalidParameterValueException",
        400,
        "Invalid function version 1. Function version 1 is already included in routing configuration.",
    )
    expect_error(create("1", {"9": 0.5}), "ResourceNotFoundException", 404, f"Function not found: {arn}:9")
    expect_error(
        create("$LATEST", {"1": 0.5}),
        "InvalidParameterValueException",
        400,
        "$LATEST is not supported for an alias pointing to more than 1 version",
    )
    assert client.list_aliases(FunctionName=name)["Aliases"] == []
    # the same rules on UpdateAlias
    client.create_alias(FunctionName=name, Name="a1", FunctionVersion="1")
    expect_error(
        lambda: client.update_alias(FunctionName=name, Name="a1", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
        "InvalidParameterValueException",
        400,
        "Invalid function version 1. Function version 1 is already included in routing configuration.",
    )
    expect_error(
        lambda: client.update_alias(FunctionName=name, Name="a1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}),
        "InvalidParameterValueException",
        400,
        "Number of items in AdditionalVersionWeights cannot be greater than 1",
    )
    ok = client.update_alias(FunctionName=name, Name="a1", RoutingConfig={"AdditionalVersionWeights": {"3": 0.25}})
    assert ok["RoutingConfig"] == {"AdditionalVersionWeights": {"3": 0.25}}


def test_delete_version_referenced_by_routing_weight(client, fn):
    client.create_alias(FunctionName=fn, Name="canary", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    expect_error(
        lambda: client.delete_function(FunctionName=fn, Qualifier="2"),
        "ResourceConflictException",
        409,
        "Unable to delete version because the following aliases reference it: [canary]",
    )
