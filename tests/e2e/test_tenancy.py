"""Tenancy: accounts never see or touch each other's resources, unless a resource policy allows
it; a denial reveals nothing (same answer for an existing and a missing function)."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from e2e_helpers import (
    esm_arn,
    expect_error,
    fn_arn,
    http_session,
    make_zip,
    sqs_arn,
    strip_meta,
    unique_name,
    unique_zip,
    wait_active,
    wait_for,
)

# --------------------------------------------------------------------------------------------
# Victims: one fully configured function per account


class Victim:
    def __init__(self, account, client, name, esm_uuid):
        self.account = account
        self.client = client
        self.name = name
        self.arn = fn_arn(account.account_id, name)
        self.esm_uuid = esm_uuid
        self.esm_arn = esm_arn(account.account_id, esm_uuid)
        self.snapshot = None


def _setup_victim(account, client, make_function) -> Victim:
    name = make_function(client, zip_bytes=unique_zip(), Tags={"owner": "yes"}, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    client.add_permission(FunctionName=name, StatementId="owner-stmt", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    m = client.create_event_source_mapping(EventSourceArn=sqs_arn(account.account_id, f"q-{uuid.uuid4().hex[:8]}"), FunctionName=name)
    wait_for(lambda: client.get_event_source_mapping(UUID=m["UUID"])["State"] == "Enabled", what="victim mapping Enabled")
    v = Victim(account, client, name, m["UUID"])
    v.snapshot = _snapshot(v)
    return v


def _snapshot(v: Victim) -> dict:
    c, name = v.client, v.name
    got = c.get_function(FunctionName=name)
    code = http_session().get(got["Code"]["Location"], timeout=30).content
    return {
        "configuration": got["Configuration"],
        "tags": got.get("Tags"),
        "concurrency": got.get("Concurrency"),
        "code": hashlib.sha256(code).hexdigest(),
        "versions": [strip_meta(x) for x in c.list_versions_by_function(FunctionName=name)["Versions"]],
        "aliases": c.list_aliases(FunctionName=name)["Aliases"],
        "policy": c.get_policy(FunctionName=name)["Policy"],
        "eic": strip_meta(c.get_function_event_invoke_config(FunctionName=name)),
        "url": strip_meta(c.get_function_url_config(FunctionName=name)),
        "esm": strip_meta(c.get_event_source_mapping(UUID=v.esm_uuid)),
        "esm_tags": c.list_tags(Resource=v.esm_arn)["Tags"],
        "prov": c.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"],
    }


@pytest.fixture(scope="module")
def victims(alice, bob, alice_client, bob_client, make_function):
    return {
        "alice": _setup_victim(alice, alice_client, make_function),
        "bob": _setup_victim(bob, bob_client, make_function),
    }


DIRECTIONS = ["bob->alice", "alice->bob"]


@pytest.fixture(params=DIRECTIONS)
def direction(request, victims, alice_client, bob_client, alice, bob):
    """(attacker client, attacker account, victim)."""
    if request.param == "bob->alice":
        return bob_client, bob, victims["alice"]
    return alice_client, alice, victims["bob"]


def partial(arn: str) -> str:
    return ":".join(arn.split(":")[4:])


# Every control-plane operation that names a function, as (attacker client, target ARN) -> call.
FUNCTION_OPS = {
    "GetFunction": lambda c, arn, me: c.get_function(FunctionName=arn),
    "GetFunction(partial arn)": lambda c, arn, me: c.get_function(FunctionName=partial(arn)),
    "GetFunction(version)": lambda c, arn, me: c.get_function(FunctionName=arn + ":1"),
    "GetFunction(alias)": lambda c, arn, me: c.get_function(FunctionName=arn, Qualifier="live"),
    "GetFunctionConfiguration": lambda c, arn, me: c.get_function_configuration(FunctionName=arn),
    "UpdateFunctionCode": lambda c, arn, me: c.update_function_code(FunctionName=arn, ZipFile=make_zip({"app.py": "evil = 1\n"})),
    "UpdateFunctionConfiguration": lambda c, arn, me: c.update_function_configuration(FunctionName=arn, Description="pwned"),
    "DeleteFunction": lambda c, arn, me: c.delete_function(FunctionName=arn),
    "DeleteFunction(partial arn)": lambda c, arn, me: c.delete_function(FunctionName=partial(arn)),
    "DeleteFunction(version)": lambda c, arn, me: c.delete_function(FunctionName=arn, Qualifier="1"),
    "PublishVersion": lambda c, arn, me: c.publish_version(FunctionName=arn),
    "ListVersionsByFunction": lambda c, arn, me: c.list_versions_by_function(FunctionName=arn),
    "CreateAlias": lambda c, arn, me: c.create_alias(FunctionName=arn, Name="evil", FunctionVersion="$LATEST"),
    "GetAlias": lambda c, arn, me: c.get_alias(FunctionName=arn, Name="live"),
    "UpdateAlias": lambda c, arn, me: c.update_alias(FunctionName=arn, Name="live", Description="pwned"),
    "DeleteAlias": lambda c, arn, me: c.delete_alias(FunctionName=arn, Name="live"),
    "ListAliases": lambda c, arn, me: c.list_aliases(FunctionName=arn),
    "AddPermission": lambda c, arn, me: c.add_permission(FunctionName=arn, StatementId="evil", Action="lambda:*", Principal=me.account_id),
    "RemovePermission": lambda c, arn, me: c.remove_permission(FunctionName=arn, StatementId="owner-stmt"),
    "GetPolicy": lambda c, arn, me: c.get_policy(FunctionName=arn),
    "PutFunctionConcurrency": lambda c, arn, me: c.put_function_concurrency(FunctionName=arn, ReservedConcurrentExecutions=0),
    "GetFunctionConcurrency": lambda c, arn, me: c.get_function_concurrency(FunctionName=arn),
    "DeleteFunctionConcurrency": lambda c, arn, me: c.delete_function_concurrency(FunctionName=arn),
    "PutProvisionedConcurrencyConfig": lambda c, arn, me: c.put_provisioned_concurrency_config(
        FunctionName=arn, Qualifier="1", ProvisionedConcurrentExecutions=1
    ),
    "GetProvisionedConcurrencyConfig": lambda c, arn, me: c.get_provisioned_concurrency_config(FunctionName=arn, Qualifier="1"),
    "DeleteProvisionedConcurrencyConfig": lambda c, arn, me: c.delete_provisioned_concurrency_config(FunctionName=arn, Qualifier="1"),
    "ListProvisionedConcurrencyConfigs": lambda c, arn, me: c.list_provisioned_concurrency_configs(FunctionName=arn),
    "PutFunctionEventInvokeConfig": lambda c, arn, me: c.put_function_event_invoke_config(FunctionName=arn, MaximumRetryAttempts=0),
    "UpdateFunctionEventInvokeConfig": lambda c, arn, me: c.update_function_event_invoke_config(FunctionName=arn, MaximumRetryAttempts=0),
    "GetFunctionEventInvokeConfig": lambda c, arn, me: c.get_function_event_invoke_config(FunctionName=arn),
    "DeleteFunctionEventInvokeConfig": lambda c, arn, me: c.delete_function_event_invoke_config(FunctionName=arn),
    "ListFunctionEventInvokeConfigs": lambda c, arn, me: c.list_function_event_invoke_configs(FunctionName=arn),
    "CreateFunctionUrlConfig": lambda c, arn, me: c.create_function_url_config(FunctionName=arn, Qualifier="live", AuthType="NONE"),
    "GetFunctionUrlConfig": lambda c, arn, me: c.get_function_url_config(FunctionName=arn),
    "UpdateFunctionUrlConfig": lambda c, arn, me: c.update_function_url_config(FunctionName=arn, AuthType="NONE"),
    "DeleteFunctionUrlConfig": lambda c, arn, me: c.delete_function_url_config(FunctionName=arn),
    "ListFunctionUrlConfigs": lambda c, arn, me: c.list_function_url_configs(FunctionName=arn),
    "TagResource": lambda c, arn, me: c.tag_resource(Resource=arn, Tags={"evil": "1"}),
    "UntagResource": lambda c, arn, me: c.untag_resource(Resource=arn, TagKeys=["owner"]),
    "ListTags": lambda c, arn, me: c.list_tags(Resource=arn),
    "CreateEventSourceMapping": lambda c, arn, me: c.create_event_source_mapping(
        EventSourceArn=sqs_arn(me.account_id, "evil-q"), FunctionName=arn
    ),
    "CreateFunction": lambda c, arn, me: c.create_function(
        FunctionName=arn, Runtime="python3.12", Handler="app.handler", Role=f"arn:aws:iam::{me.account_id}:role/r", Code={"ZipFile": make_zip()}
    ),
}

ESM_OPS = {
    "TagResource(mapping)": lambda c, arn, me: c.tag_resource(Resource=arn, Tags={"evil": "1"}),
    "UntagResource(mapping)": lambda c, arn, me: c.untag_resource(Resource=arn, TagKeys=["x"]),
    "ListTags(mapping)": lambda c, arn, me: c.list_tags(Resource=arn),
}


def _denied(call) -> dict:
    resp = expect_error(call, "AccessDeniedException", 403)
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


@pytest.mark.parametrize("op", list(FUNCTION_OPS))
def test_cross_account_function_calls_are_denied_without_a_trace(direction, op):
    attacker, me, victim = direction
    call = FUNCTION_OPS[op]
    existing = _denied(lambda: call(attacker, victim.arn, me))
    ghost = fn_arn(victim.account.account_id, unique_name("ghost"))
    missing = _denied(lambda: call(attacker, ghost, me))
    assert existing == missing, "the denial must not differ between an existing and a missing function"
    text = json.dumps(existing)
    assert victim.name not in text
    assert victim.arn not in text


@pytest.mark.parametrize("op", list(ESM_OPS))
def test_cross_account_mapping_tags_are_denied(direction, op):
    attacker, me, victim = direction
    call = ESM_OPS[op]
    existing = _denied(lambda: call(attacker, victim.esm_arn, me))
    missing = _denied(lambda: call(attacker, esm_arn(victim.account.account_id, str(uuid.uuid4())), me))
    assert existing == missing
    assert victim.esm_uuid not in json.dumps(existing)


def test_mapping_uuid_of_another_account_looks_missing(direction):
    attacker, me, victim = direction
    for call in (
        lambda u: attacker.get_event_source_mapping(UUID=u),
        lambda u: attacker.update_event_source_mapping(UUID=u, BatchSize=1),
        lambda u: attacker.delete_event_source_mapping(UUID=u),
    ):
        theirs = strip_meta(expect_error(lambda: call(victim.esm_uuid), "ResourceNotFoundException", 404))
        random = strip_meta(expect_error(lambda: call(str(uuid.uuid4())), "ResourceNotFoundException", 404))
        assert theirs == random
    mine = [m["UUID"] for p in attacker.get_paginator("list_event_source_mappings").paginate() for m in p["EventSourceMappings"]]
    assert victim.esm_uuid not in mine


def test_lists_never_show_other_accounts(direction):
    attacker, me, victim = direction
    for kw in ({}, {"FunctionVersion": "ALL"}):
        listed = [f for p in attacker.get_paginator("list_functions").paginate(**kw) for f in p["Functions"]]
        assert victim.name not in {f["FunctionName"] for f in listed}
        assert all(f":{me.account_id}:" in f["FunctionArn"] for f in listed)


def test_same_name_in_two_accounts_is_two_functions(alice_client, bob_client, alice, bob, make_function):
    name = unique_name("shared")
    a = make_function(alice_client, name, Description="alice's")
    b = make_function(bob_client, name, Description="bob's")
    assert a["FunctionArn"] == fn_arn(alice.account_id, name)
    assert b["FunctionArn"] == fn_arn(bob.account_id, name)
    assert alice_client.get_function(FunctionName=name)["Configuration"]["Description"] == "alice's"
    assert bob_client.get_function(FunctionName=name)["Configuration"]["Description"] == "bob's"
    bob_client.delete_function(FunctionName=name)
    assert alice_client.get_function(FunctionName=name)["Configuration"]["Description"] == "alice's"


# --------------------------------------------------------------------------------------------
# Resource-policy grants


@pytest.fixture
def granted(alice_client, alice, make_function):
    name = make_function(alice_client)["FunctionName"]
    return name, fn_arn(alice.account_id, name)


@pytest.mark.parametrize("principal", ["account-id", "root-arn"])
def test_resource_policy_allows_the_named_action(alice_client, bob_client, bob, granted, principal):
    name, arn = granted
    p = bob.account_id if principal == "account-id" else f"arn:aws:iam::{bob.account_id}:root"
    expect_error(lambda: bob_client.get_function(FunctionName=arn), "AccessDeniedException", 403)
    alice_client.add_permission(FunctionName=name, StatementId="bob-read", Action="lambda:GetFunction", Principal=p)
    got = bob_client.get_function(FunctionName=arn)
    assert got["Configuration"]["FunctionArn"] == arn
    assert got["Configuration"]["FunctionName"] == name
    # only the granted action
    expect_error(lambda: bob_client.update_function_configuration(FunctionName=arn, Description="x"), "AccessDeniedException", 403)
    expect_error(lambda: bob_client.delete_function(FunctionName=arn), "AccessDeniedException", 403)
    assert alice_client.get_function_configuration(FunctionName=name)["Description"] == ""
    # still not listed for bob
    assert name not in [f["FunctionName"] for p_ in bob_client.get_paginator("list_functions").paginate() for f in p_["Functions"]]
    # revoking restores the denial
    alice_client.remove_permission(FunctionName=name, StatementId="bob-read")
    expect_error(lambda: bob_client.get_function(FunctionName=arn), "AccessDeniedException", 403)


def test_grant_for_another_action_or_account_does_not_help(alice_client, bob_client, bob, granted):
    name, arn = granted
    alice_client.add_permission(FunctionName=name, StatementId="invoke-only", Action="lambda:InvokeFunction", Principal=bob.account_id)
    alice_client.add_permission(FunctionName=name, StatementId="someone-else", Action="lambda:GetFunction", Principal="999988887777")
    expect_error(lambda: bob_client.get_function(FunctionName=arn), "AccessDeniedException", 403)


def test_victims_are_unchanged(victims):
    """Runs last in this module: nothing any denied call did left a mark."""
    for v in victims.values():
        assert _snapshot(v) == v.snapshot
