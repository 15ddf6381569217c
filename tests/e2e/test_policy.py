"""Resource policies: AddPermission / GetPolicy / RemovePermission (lambda-api.md §4.11)."""

from __future__ import annotations

import json

import pytest

from e2e_helpers import (
    MSG_PFE_POLICY,
    MSG_RESOURCE_DOES_NOT_EXIST,
    expect_error,
    fn_arn,
    status_of,
    unique_name,
)


def statement_of(resp) -> dict:
    return json.loads(resp["Statement"])


def key_order(text: str) -> list[str]:
    return [k for k, _ in json.loads(text, object_pairs_hook=lambda pairs: pairs)]




def test_add_permission_statement_exact_json(client, alice, fn):
    resp = client.add_permission(
        FunctionName=fn,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
        SourceAccount=alice.account_id,
    )
    assert status_of(resp) == 201
    text = resp["Statement"]
    assert json.loads(text) == {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": fn_arn(alice.account_id, fn),
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": alice.account_id},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"},
        },
    }
    assert key_order(text) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]
    assert text == json.dumps(json.loads(text), separators=(",", ":"))  # compact
    policy = client.get_policy(FunctionName=fn)
    assert status_of(policy) == 200
    doc = json.loads(policy["Policy"])
    assert doc == {"Version": "2012-10-17", "Id": "default", "Statement": [json.loads(text)]}
    assert key_order(policy["Policy"]) == ["Version", "Id", "Statement"]


def test_statement_without_conditions_has_no_condition_key(client, alice, fn):
    stmt = statement_of(client.add_permission(FunctionName=fn, StatementId="plain", Action="lambda:GetFunction", Principal="*"))
    assert stmt == {
        "Sid": "plain",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:GetFunction",
        "Resource": fn_arn(alice.account_id, fn),
    }


@pytest.mark.parametrize(
    "principal,expected",
    [
        ("events.amazonaws.com", {"Service": "events.amazonaws.com"}),
        ("222233334444", {"AWS": "arn:aws:iam::222233334444:root"}),
        ("arn:aws:iam::222233334444:role/some-role", {"AWS": "arn:aws:iam::222233334444:role/some-role"}),
        ("arn:aws:iam::222233334444:root", {"AWS": "arn:aws:iam::222233334444:root"}),
        ("*", "*"),
    ],
)
def test_principal_mapping(client, fn, principal, expected):
    stmt = statement_of(client.add_permission(FunctionName=fn, StatementId="p", Action="lambda:InvokeFunction", Principal=principal))
    assert stmt["Principal"] == expected


@pytest.mark.parametrize("principal", ["not-a-principal", "12345"])
def test_invalid_principal(client, fn, principal):
    expect_error(
        lambda: client.add_permission(FunctionName=fn, StatementId="bad", Action="lambda:InvokeFunction", Principal=principal),
        "InvalidParameterValueException",
        400,
        "The provided principal was invalid. Please check the principal and try again.",
    )


@pytest.mark.parametrize(
    "kwargs,condition",
    [
        ({"PrincipalOrgID": "o-abcdefghij"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}),
        ({"FunctionUrlAuthType": "NONE"}, {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}),
        ({"EventSourceToken": "token-123"}, {"StringEquals": {"lambda:EventSourceToken": "token-123"}}),
        ({"SourceArn": "arn:aws:sns:us-east-1:222233334444:topic"}, {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:222233334444:topic"}}),
        ({"SourceAccount": "222233334444"}, {"StringEquals": {"AWS:SourceAccount": "222233334444"}}),
    ],
)
def test_conditions(client, fn, kwargs, condition):
    stmt = statement_of(
        client.add_permission(FunctionName=fn, StatementId="c", Action="lambda:InvokeFunctionUrl" if "FunctionUrlAuthType" in kwargs else "lambda:InvokeFunction", Principal="*", **kwargs)
    )
    assert stmt["Condition"] == condition


def test_policies_are_per_qualifier(client, alice, fn):
    client.add_permission(FunctionName=fn, StatementId="unq", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    s_alias = statement_of(
        client.add_permission(FunctionName=fn, Qualifier="live", StatementId="ali", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    )
    assert s_alias["Resource"] == fn_arn(alice.account_id, fn, "live")
    s_ver = statement_of(
        client.add_permission(FunctionName=f"{fn}:1", StatementId="ver", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    )
    assert s_ver["Resource"] == fn_arn(alice.account_id, fn, "1")
    sids = lambda **kw: [s["Sid"] for s in json.loads(client.get_policy(FunctionName=fn, **kw)["Policy"])["Statement"]]  # noqa: E731
    assert sids() == ["unq"]
    assert sids(Qualifier="live") == ["ali"]
    assert sids(Qualifier="1") == ["ver"]


def test_publishing_does_not_copy_the_policy(client, make_function):
    name = make_function(client)["FunctionName"]
    client.add_permission(FunctionName=name, StatementId="s", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    v = client.publish_version(FunctionName=name)["Version"]
    expect_error(lambda: client.get_policy(FunctionName=name, Qualifier=v), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)


def test_policy_revision_id(client, fn):
    client.add_permission(FunctionName=fn, StatementId="a", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    rev1 = client.get_policy(FunctionName=fn)["RevisionId"]
    expect_error(
        lambda: client.add_permission(FunctionName=fn, StatementId="b", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com", RevisionId="stale"),
        "PreconditionFailedException",
        412,
        MSG_PFE_POLICY,
    )
    client.add_permission(FunctionName=fn, StatementId="b", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com", RevisionId=rev1)
    rev2 = client.get_policy(FunctionName=fn)["RevisionId"]
    assert rev2 != rev1
    expect_error(
        lambda: client.remove_permission(FunctionName=fn, StatementId="a", RevisionId=rev1),
        "PreconditionFailedException",
        412,
        MSG_PFE_POLICY,
    )
    assert status_of(client.remove_permission(FunctionName=fn, StatementId="a", RevisionId=rev2)) == 204
    rev3 = client.get_policy(FunctionName=fn)["RevisionId"]
    assert rev3 not in (rev1, rev2)
    assert [s["Sid"] for s in json.loads(client.get_policy(FunctionName=fn)["Policy"])["Statement"]] == ["b"]


def test_add_permission_errors(client, alice, fn):
    arn = fn_arn(alice.account_id, fn)
    client.add_permission(FunctionName=fn, StatementId="dup", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    expect_error(
        lambda: client.add_permission(FunctionName=fn, StatementId="dup", Action="lambda:GetFunction", Principal="sns.amazonaws.com"),
        "ResourceConflictException",
        409,
        "The statement id (dup) provided already exists. Please provide a new statement id, or remove the existing statement.",
    )
    expect_error(
        lambda: client.add_permission(FunctionName=fn, Qualifier="$LATEST", StatementId="x", Action="lambda:InvokeFunction", Principal="*"),
        "InvalidParameterValueException",
        400,
        "We currently do not support adding policies for $LATEST.",
    )
    missing = unique_name("missing")
    expect_error(
        lambda: client.add_permission(FunctionName=missing, StatementId="x", Action="lambda:InvokeFunction", Principal="*"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {fn_arn(alice.account_id, missing)}",
    )
    expect_error(
        lambda: client.add_permission(FunctionName=fn, Qualifier="nosuchalias", StatementId="x", Action="lambda:InvokeFunction", Principal="*"),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {arn}:nosuchalias",
    )
    expect_error(
        lambda: client.add_permission(FunctionName=fn, Qualifier="7", StatementId="x", Action="lambda:InvokeFunction", Principal="*"),
        "ResourceNotFoundException",
        404,
        f"Function not found: {arn}:7",
    )
    expect_error(
        lambda: client.add_permission(FunctionName=fn, StatementId="example.com", Action="lambda:InvokeFunction", Principal="*"),
        "ValidationException",
        400,
        contains=["Value 'example.com' at 'statementId' failed to satisfy constraint"],
    )
    assert [s["Sid"] for s in json.loads(client.get_policy(FunctionName=fn)["Policy"])["Statement"]] == ["dup"]


def test_get_policy_errors(client, alice, fn):
    expect_error(lambda: client.get_policy(FunctionName=fn), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(lambda: client.get_policy(FunctionName=fn, Qualifier="live"), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)
    expect_error(
        lambda: client.get_policy(FunctionName=unique_name("missing")), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST
    )
    client.add_permission(FunctionName=fn, StatementId="only", Action="lambda:InvokeFunction", Principal="*")
    client.remove_permission(FunctionName=fn, StatementId="only")
    expect_error(lambda: client.get_policy(FunctionName=fn), "ResourceNotFoundException", 404, MSG_RESOURCE_DOES_NOT_EXIST)


def test_remove_permission_errors(client, alice, fn):
    arn = fn_arn(alice.account_id, fn)
    expect_error(
        lambda: client.remove_permission(FunctionName=fn, StatementId="none"),
        "ResourceNotFoundException",
        404,
        "No policy is associated with the given resource.",
    )
    client.add_permission(FunctionName=fn, StatementId="keep", Action="lambda:InvokeFunction", Principal="*")
    expect_error(
        lambda: client.remove_permission(FunctionName=fn, StatementId="other"),
        "ResourceNotFoundException",
        404,
        "Statement other is not found in resource policy.",
    )
    missing = unique_name("missing")
    expect_error(
        lambda: client.remove_permission(FunctionName=missing, StatementId="keep"),
        "ResourceNotFoundException",
        404,
        f"No policy found for: {fn_arn(alice.account_id, missing)}",
    )
    expect_error(
        lambda: client.remove_permission(FunctionName=fn, Qualifier="nosuchalias", StatementId="keep"),
        "ResourceNotFoundException",
        404,
        f"Cannot find alias arn: {arn}:nosuchalias",
    )
    assert [s["Sid"] for s in json.loads(client.get_policy(FunctionName=fn)["Policy"])["Statement"]] == ["keep"]
