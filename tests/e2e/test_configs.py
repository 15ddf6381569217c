"""Event invoke configs (§4.14), event source mappings (§4.15) and function URL configs (§4.16).

Event source mappings point at SQS queue ARNs that do not exist: queues arrive in a later issue,
so creation must succeed for now; these tests check the stored-and-returned shape only."""

from __future__ import annotations

import datetime
import uuid

import pytest

from e2e_helpers import (
    MSG_DERIVED_QUALIFIER,
    MSG_RESOURCE_DOES_NOT_EXIST,
    UUID_RE,
    expect_error,
    fn_arn,
    fn_path,
    sqs_arn,
    status_of,
    strip_meta,
    unique_name,
    wait_for,
)

EMPTY_DESTINATIONS = {"OnSuccess": {}, "OnFailure": {}}




# ============================================================================================
# Event invoke config


def test_put_event_invoke_config(client, alice, fn, raw):
    resp = client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    assert status_of(resp) == 200
    body = strip_meta(resp)
    assert set(body) == {"FunctionArn", "LastModified", "MaximumRetryAttempts", "DestinationConfig"}
    assert body["FunctionArn"] == fn_arn(alice.account_id, fn, "$LATEST")
    assert body["MaximumRetryAttempts"] == 1
    assert body["DestinationConfig"] == EMPTY_DESTINATIONS
    assert isinstance(body["LastModified"], datetime.datetime)
    got = client.get_function_event_invoke_config(FunctionName=fn)
    assert status_of(got) == 200
    assert strip_meta(got) == body
    # LastModified is an epoch number on the wire (a `timestamp`, unlike FunctionConfiguration's)
    r = raw.request("GET", fn_path(fn, "/event-invoke-config", version="2019-09-25"))
    assert r.status_code == 200
    lm = r.json()["LastModified"]
    assert isinstance(lm, (int, float)) and not isinstance(lm, bool)
    assert abs(lm - datetime.datetime.now(datetime.timezone.utc).timestamp()) < 3600


def test_put_replaces_and_update_merges(client, alice, fn, make_function):
    target = make_function(client)["FunctionName"]
    dest = fn_arn(alice.account_id, target)
    client.put_function_event_invoke_config(
        FunctionName=fn, MaximumRetryAttempts=2, DestinationConfig={"OnSuccess": {"Destination": dest}}
    )
    got = client.get_function_event_invoke_config(FunctionName=fn)
    assert got["DestinationConfig"] == {"OnSuccess": {"Destination": dest}, "OnFailure": {}}
    replaced = client.put_function_event_invoke_config(FunctionName=fn, MaximumEventAgeInSeconds=100)
    assert "MaximumRetryAttempts" not in replaced
    assert replaced["MaximumEventAgeInSeconds"] == 100
    assert replaced["DestinationConfig"] == EMPTY_DESTINATIONS
    merged = client.update_function_event_invoke_config(
        FunctionName=fn, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": dest}}
    )
    assert status_of(merged) == 200
    assert merged["MaximumEventAgeInSeconds"] == 100
    assert merged["MaximumRetryAttempts"] == 0
    assert merged["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": dest}}
    merged2 = client.update_function_event_invoke_config(FunctionName=fn, MaximumEventAgeInSeconds=21600)
    assert merged2["MaximumRetryAttempts"] == 0
    assert merged2["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": dest}}
    assert strip_meta(client.get_function_event_invoke_config(FunctionName=fn)) == strip_meta(merged2)


def test_event_invoke_config_qualifiers(client, alice, fn):
    v1 = client.put_function_event_invoke_config(FunctionName=fn, Qualifier="1", MaximumRetryAttempts=0)
    assert v1["FunctionArn"] == fn_arn(alice.account_id, fn, "1")
    al = client.put_function_event_invoke_config(FunctionName=f"{fn}:live", MaximumRetryAttempts=1)
    assert al["FunctionArn"] == fn_arn(alice.account_id, fn, "live")
    by_arn = client.get_function_event_invoke_config(FunctionName=fn_arn(alice.account_id, fn, "live"))
    assert by_arn["MaximumRetryAttempts"] == 1
    latest = client.put_function_event_invoke_config(FunctionName=fn, Qualifier="$LATEST", MaximumRetryAttempts=2)
    assert latest["FunctionArn"] == fn_arn(alice.account_id, fn, "$LATEST")
    assert client.get_function_event_invoke_config(FunctionName=fn)["MaximumRetryAttempts"] == 2
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=f"{fn}:1", Qualifier="live", MaximumRetryAttempts=0),
        "InvalidParameterValueException",
        400,
        MSG_DERIVED_QUALIFIER,
    )
    listed = client.list_function_event_invoke_configs(FunctionName=fn)
    assert status_of(listed) == 200
    arns = sorted(c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"])
    assert arns == sorted(fn_arn(alice.account_id, fn, q) for q in ("1", "live", "$LATEST"))
    for item in listed["FunctionEventInvokeConfigs"]:
        assert item["DestinationConfig"] == EMPTY_DESTINATIONS


def test_event_invoke_config_delete(client, alice, fn):
    client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    assert status_of(client.delete_function_event_invoke_config(FunctionName=fn)) == 204
    msg = f"The function {fn_arn(alice.account_id, fn, '$LATEST')} doesn't have an EventInvokeConfig"
    expect_error(lambda: client.get_function_event_invoke_config(FunctionName=fn), "ResourceNotFoundException", 404, msg)
    expect_error(lambda: client.delete_function_event_invoke_config(FunctionName=fn), "ResourceNotFoundException", 404, msg)
    expect_error(
        lambda: client.update_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1),
        "ResourceNotFoundException",
        404,
        msg,
    )
    assert client.list_function_event_invoke_configs(FunctionName=fn)["FunctionEventInvokeConfigs"] == []


def test_event_invoke_config_missing_function(client, alice):
    name = unique_name("missing")
    for call in (
        lambda: client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1),
        lambda: client.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1),
        lambda: client.list_function_event_invoke_configs(FunctionName=name),
    ):
        expect_error(call, "ResourceNotFoundException", 404, "The function doesn't exist.")
    expect_error(
        lambda: client.get_function_event_invoke_config(FunctionName=name),
        "ResourceNotFoundException",
        404,
        f"The function {fn_arn(alice.account_id, name, '$LATEST')} doesn't have an EventInvokeConfig",
    )


def test_event_invoke_config_validation(client, alice, fn):
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn),
        "InvalidParameterValueException",
        400,
        "You must specify at least one of error handling or destination setting.",
    )
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=3),
        "ValidationException",
        400,
        contains=["at 'maximumRetryAttempts'", "Member must have value less than or equal to 2"],
    )
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn, MaximumEventAgeInSeconds=21601),
        "ValidationException",
        400,
        contains=["at 'maximumEventAgeInSeconds'", "Member must have value less than or equal to 21600"],
    )
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn, DestinationConfig={"OnFailure": {"Destination": "not-an-arn"}}),
        "ValidationException",
        400,
        contains=["at 'destinationConfig.onFailure.destination'"],
    )
    ghost = fn_arn(alice.account_id, unique_name("ghost"))
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": ghost}}),
        "InvalidParameterValueException",
        400,
        f"The destination ARN {ghost} is invalid.",
    )
    expect_error(
        lambda: client.put_function_event_invoke_config(
            FunctionName=fn, DestinationConfig={"OnFailure": {"Destination": fn_arn(alice.account_id, fn)}}
        ),
        "InvalidParameterValueException",
        400,
        "You can't specify the function as a destination for itself.",
    )
    table = f"arn:aws:dynamodb:us-east-1:{alice.account_id}:table/t"
    expect_error(
        lambda: client.put_function_event_invoke_config(FunctionName=fn, DestinationConfig={"OnSuccess": {"Destination": table}}),
        "InvalidParameterValueException",
        400,
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={table}), onFailure=null) is invalid.",
    )
    assert client.list_function_event_invoke_configs(FunctionName=fn)["FunctionEventInvokeConfigs"] == []


# ============================================================================================
# Event source mappings

SQS_KEYS = {
    "UUID",
    "BatchSize",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FunctionArn",
    "FunctionResponseTypes",
    "LastModified",
    "MaximumBatchingWindowInSeconds",
    "State",
    "StateTransitionReason",
}


def queue(account) -> str:
    return sqs_arn(account.account_id, f"q-{uuid.uuid4().hex[:12]}")


def wait_esm_state(client, mapping_uuid, state):
    def check():
        m = client.get_event_source_mapping(UUID=mapping_uuid)
        return m if m["State"] == state else None

    return wait_for(check, timeout=15, what=f"mapping {mapping_uuid} State={state}")


def test_create_sqs_mapping_shape(client, alice, fn, raw):
    q = queue(alice)
    resp = client.create_event_source_mapping(EventSourceArn=q, FunctionName=fn)
    assert status_of(resp) == 202
    body = strip_meta(resp)
    assert set(body) == SQS_KEYS
    assert UUID_RE.match(body["UUID"]) and uuid.UUID(body["UUID"]).version == 4
    assert body["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:{alice.account_id}:event-source-mapping:{body['UUID']}"
    assert body["EventSourceArn"] == q
    assert body["FunctionArn"] == fn_arn(alice.account_id, fn)
    assert body["BatchSize"] == 10
    assert body["MaximumBatchingWindowInSeconds"] == 0
    assert body["FunctionResponseTypes"] == []
    assert body["State"] == "Creating"
    assert body["StateTransitionReason"] == "USER_INITIATED"
    assert isinstance(body["LastModified"], datetime.datetime)
    got = wait_esm_state(client, body["UUID"], "Enabled")
    assert status_of(got) == 200
    assert set(strip_meta(got)) == SQS_KEYS
    for key in ("UUID", "EventSourceArn", "FunctionArn", "BatchSize", "EventSourceMappingArn"):
        assert got[key] == body[key]
    r = raw.request("GET", f"/2015-03-31/event-source-mappings/{body['UUID']}")
    lm = r.json()["LastModified"]
    assert isinstance(lm, (int, float)) and not isinstance(lm, bool)


def test_create_mapping_with_options(client, alice, fn):
    pattern = '{"body":{"kind":["order"]}}'
    resp = client.create_event_source_mapping(
        EventSourceArn=queue(alice),
        FunctionName=fn,
        BatchSize=100,
        MaximumBatchingWindowInSeconds=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria={"Filters": [{"Pattern": pattern}]},
        ScalingConfig={"MaximumConcurrency": 5},
        Enabled=False,
    )
    assert set(strip_meta(resp)) == SQS_KEYS | {"FilterCriteria", "ScalingConfig"}
    assert resp["BatchSize"] == 100
    assert resp["MaximumBatchingWindowInSeconds"] == 5
    assert resp["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert resp["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    assert resp["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert resp["State"] in ("Creating", "Disabled")
    got = wait_esm_state(client, resp["UUID"], "Disabled")
    assert got["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}


@pytest.mark.parametrize("form", ["version", "alias", "arn", "latest"])
def test_mapping_function_name_forms(client, alice, fn, form):
    ident, expected = {
        "version": (f"{fn}:1", fn_arn(alice.account_id, fn, "1")),
        "alias": (f"{fn}:live", fn_arn(alice.account_id, fn, "live")),
        "arn": (fn_arn(alice.account_id, fn), fn_arn(alice.account_id, fn)),
        "latest": (fn_arn(alice.account_id, fn, "$LATEST"), fn_arn(alice.account_id, fn, "$LATEST")),
    }[form]
    resp = client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=ident)
    assert resp["FunctionArn"] == expected


def test_update_mapping_states(client, alice, fn, make_function):
    m = client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=fn)
    wait_esm_state(client, m["UUID"], "Enabled")
    upd = client.update_event_source_mapping(UUID=m["UUID"], BatchSize=5)
    assert status_of(upd) == 202
    assert upd["State"] == "Updating"
    assert upd["BatchSize"] == 5
    assert wait_esm_state(client, m["UUID"], "Enabled")["BatchSize"] == 5
    off = client.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    assert off["State"] == "Disabling"
    wait_esm_state(client, m["UUID"], "Disabled")
    on = client.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    assert on["State"] == "Enabling"
    wait_esm_state(client, m["UUID"], "Enabled")
    other = make_function(client)["FunctionName"]
    moved = client.update_event_source_mapping(UUID=m["UUID"], FunctionName=other)
    assert moved["FunctionArn"] == fn_arn(alice.account_id, other)
    assert wait_esm_state(client, m["UUID"], "Enabled")["FunctionArn"] == fn_arn(alice.account_id, other)


def test_delete_mapping(client, alice, fn):
    m = client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=fn)
    wait_esm_state(client, m["UUID"], "Enabled")
    d = client.delete_event_source_mapping(UUID=m["UUID"])
    assert status_of(d) == 202
    assert d["UUID"] == m["UUID"]
    assert d["State"] == "Deleting"

    def gone():
        try:
            client.get_event_source_mapping(UUID=m["UUID"])
            return False
        except client.exceptions.ResourceNotFoundException:
            return True

    wait_for(gone, timeout=15, what="mapping deleted")
    expect_error(lambda: client.get_event_source_mapping(UUID=m["UUID"]), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)


def test_mapping_errors(client, alice, fn):
    missing = str(uuid.uuid4())
    expect_error(lambda: client.get_event_source_mapping(UUID=missing), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(lambda: client.update_event_source_mapping(UUID=missing, BatchSize=2), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(lambda: client.delete_event_source_mapping(UUID=missing), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(
        lambda: client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=unique_name("missing")),
        "InvalidParameterValueException",
        400,
        "Function does not exist",
    )
    expect_error(
        lambda: client.create_event_source_mapping(FunctionName=fn),
        "InvalidParameterValueException",
        400,
        "Unrecognized event source.",
    )
    expect_error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=queue(alice), FunctionName=fn, DestinationConfig={"OnFailure": {"Destination": queue(alice)}}
        ),
        "InvalidParameterValueException",
        400,
        "Unsupported DestinationConfig parameter for given event source mapping type.",
    )
    expect_error(
        lambda: client.create_event_source_mapping(
            EventSourceArn=queue(alice), FunctionName=fn, FilterCriteria={"Filters": [{"Pattern": "not json"}]}
        ),
        "InvalidParameterValueException",
        400,
        "Invalid filter pattern definition.",
    )
    window_msg = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    expect_error(
        lambda: client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=fn, BatchSize=11),
        "InvalidParameterValueException",
        400,
        window_msg,
    )
    ok = client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=fn, BatchSize=11, MaximumBatchingWindowInSeconds=1)
    wait_esm_state(client, ok["UUID"], "Enabled")
    expect_error(
        lambda: client.update_event_source_mapping(UUID=ok["UUID"], BatchSize=20, MaximumBatchingWindowInSeconds=0),
        "InvalidParameterValueException",
        400,
        window_msg,
    )
    assert client.get_event_source_mapping(UUID=ok["UUID"])["BatchSize"] == 11


def test_duplicate_mapping(client, alice, fn):
    q = queue(alice)
    first = client.create_event_source_mapping(EventSourceArn=q, FunctionName=fn)
    expect_error(
        lambda: client.create_event_source_mapping(EventSourceArn=q, FunctionName=fn),
        "ResourceConflictException",
        409,
        f'An event source mapping with SQS arn (" {q} ") and function (" {fn} ") already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
    )


def test_list_mappings_with_filters(client, alice, fn, make_function):
    q1, q2 = queue(alice), queue(alice)
    other = make_function(client)["FunctionName"]
    a = client.create_event_source_mapping(EventSourceArn=q1, FunctionName=fn)["UUID"]
    b = client.create_event_source_mapping(EventSourceArn=q2, FunctionName=fn)["UUID"]
    c = client.create_event_source_mapping(EventSourceArn=q1, FunctionName=other)["UUID"]
    by_queue = client.list_event_source_mappings(EventSourceArn=q1)
    assert status_of(by_queue) == 200
    assert sorted(m["UUID"] for m in by_queue["EventSourceMappings"]) == sorted([a, c])
    by_fn = client.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert sorted(m["UUID"] for m in by_fn) == sorted([a, b])
    both = client.list_event_source_mappings(FunctionName=other, EventSourceArn=q1)["EventSourceMappings"]
    assert [m["UUID"] for m in both] == [c]
    all_uuids = [m["UUID"] for p in client.get_paginator("list_event_source_mappings").paginate() for m in p["EventSourceMappings"]]
    assert {a, b, c} <= set(all_uuids)
    assert client.list_event_source_mappings(EventSourceArn=queue(alice))["EventSourceMappings"] == []
    assert client.list_event_source_mappings(FunctionName=unique_name("missing"))["EventSourceMappings"] == []


def test_deleting_the_function_keeps_the_mapping(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    m = client.create_event_source_mapping(EventSourceArn=queue(alice), FunctionName=name)
    wait_esm_state(client, m["UUID"], "Enabled")
    client.delete_function(FunctionName=name)
    got = client.get_event_source_mapping(UUID=m["UUID"])
    assert got["FunctionArn"] == fn_arn(alice.account_id, name)
    assert got["State"] == "Enabled"


# ============================================================================================
# Function URL configs

URL_QUALIFIER_PATTERN = "((?!^\\d+$)^[0-9a-zA-Z-_]+$)"


def test_create_and_get_url_config(client, alice, fn):
    resp = client.create_function_url_config(FunctionName=fn, AuthType="NONE")
    assert status_of(resp) == 201
    body = strip_meta(resp)
    assert set(body) == {"FunctionUrl", "FunctionArn", "AuthType", "CreationTime"}
    assert body["FunctionArn"] == fn_arn(alice.account_id, fn)
    assert body["AuthType"] == "NONE"
    assert body["FunctionUrl"].startswith(("http://", "https://"))
    got = client.get_function_url_config(FunctionName=fn)
    assert status_of(got) == 200
    g = strip_meta(got)
    assert set(g) == {"FunctionUrl", "FunctionArn", "AuthType", "CreationTime", "LastModifiedTime", "InvokeMode"}
    assert g["InvokeMode"] == "BUFFERED"
    for key in ("FunctionUrl", "FunctionArn", "AuthType", "CreationTime"):
        assert g[key] == body[key]


def test_url_config_with_cors_and_mode(client, fn):
    cors = {
        "AllowCredentials": True,
        "AllowHeaders": ["x-custom"],
        "AllowMethods": ["GET", "POST"],
        "AllowOrigins": ["https://example.com"],
        "ExposeHeaders": ["x-out"],
        "MaxAge": 300,
    }
    resp = client.create_function_url_config(FunctionName=fn, AuthType="AWS_IAM", Cors=cors, InvokeMode="RESPONSE_STREAM")
    assert resp["Cors"] == cors
    assert resp["InvokeMode"] == "RESPONSE_STREAM"
    assert resp["AuthType"] == "AWS_IAM"
    got = client.get_function_url_config(FunctionName=fn)
    assert got["Cors"] == cors
    assert got["InvokeMode"] == "RESPONSE_STREAM"


def test_update_url_config(client, fn):
    created = client.create_function_url_config(
        FunctionName=fn, AuthType="NONE", Cors={"AllowOrigins": ["*"], "AllowMethods": ["GET"]}
    )
    upd = client.update_function_url_config(FunctionName=fn, AuthType="AWS_IAM", Cors={"AllowOrigins": ["https://a.example"]})
    assert status_of(upd) == 200
    assert upd["AuthType"] == "AWS_IAM"
    assert upd["Cors"] == {"AllowOrigins": ["https://a.example"]}
    assert upd["FunctionUrl"] == created["FunctionUrl"]
    assert upd["CreationTime"] == created["CreationTime"]
    assert "LastModifiedTime" in upd
    got = client.get_function_url_config(FunctionName=fn)
    assert got["AuthType"] == "AWS_IAM"
    assert got["Cors"] == {"AllowOrigins": ["https://a.example"]}


def test_url_config_per_qualifier(client, alice, fn):
    unq = client.create_function_url_config(FunctionName=fn, AuthType="NONE")
    ali = client.create_function_url_config(FunctionName=fn, Qualifier="live", AuthType="NONE")
    assert ali["FunctionArn"] == fn_arn(alice.account_id, fn, "live")
    assert ali["FunctionUrl"] != unq["FunctionUrl"]
    listed = client.list_function_url_configs(FunctionName=fn)
    assert status_of(listed) == 200
    assert sorted(c["FunctionArn"] for c in listed["FunctionUrlConfigs"]) == sorted(
        [fn_arn(alice.account_id, fn), fn_arn(alice.account_id, fn, "live")]
    )
    assert status_of(client.delete_function_url_config(FunctionName=fn, Qualifier="live")) == 204
    expect_error(
        lambda: client.get_function_url_config(FunctionName=fn, Qualifier="live"),
        "ResourceNotFoundException",
        404,
        MSG_RESOURCE_DOES_NOT_EXIST,
    )
    assert client.get_function_url_config(FunctionName=fn)["FunctionUrl"] == unq["FunctionUrl"]
    assert [c["FunctionArn"] for c in client.list_function_url_configs(FunctionName=fn)["FunctionUrlConfigs"]] == [
        fn_arn(alice.account_id, fn)
    ]


def test_url_config_errors(client, alice, fn):
    arn = fn_arn(alice.account_id, fn)
    client.create_function_url_config(FunctionName=fn, AuthType="NONE")
    expect_error(
        lambda: client.create_function_url_config(FunctionName=fn, AuthType="NONE"),
        "ResourceConflictException",
        409,
        f"Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function",
    )
    for q in ("1", "$LATEST"):
        expect_error(
            lambda: client.create_function_url_config(FunctionName=fn, Qualifier=q, AuthType="NONE"),
            "ValidationException",
            400,
            contains=[f"Value '{q}' at 'qualifier'", URL_QUALIFIER_PATTERN],
        )
    missing = unique_name("missing")
    expect_error(
        lambda: client.create_function_url_config(FunctionName=missing, AuthType="NONE"),
        "ResourceNotFoundException",
        404,
        "Function does not exist",
    )
    expect_error(
        lambda: client.create_function_url_config(FunctionName=fn, Qualifier="nosuch", AuthType="NONE"),
        "ResourceNotFoundException",
        404,
        "Function does not exist",
    )
    for call in (
        lambda: client.get_function_url_config(FunctionName=missing),
        lambda: client.get_function_url_config(FunctionName=fn, Qualifier="live"),
        lambda: client.delete_function_url_config(FunctionName=fn, Qualifier="live"),
        lambda: client.update_function_url_config(FunctionName=fn, Qualifier="live", AuthType="AWS_IAM"),
    ):
        expect_error(call, "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(lambda: client.list_function_url_configs(FunctionName=missing), "ResourceNotFoundException", 404)
    expect_error(
        lambda: client.get_function_url_config(FunctionName=f"{fn}:live", Qualifier="other"),
        "InvalidParameterValueException",
        400,
        MSG_DERIVED_QUALIFIER,
    )
    expect_error(
        lambda: client.create_function_url_config(FunctionName=fn, AuthType="BASIC"),
        "ValidationException",
        400,
        contains=["at 'authType'"],
    )
