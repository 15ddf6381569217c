"""Tags: TagResource / UntagResource / ListTags (lambda-api.md §4.18, §2.3)."""

from __future__ import annotations

import uuid

import pytest

from e2e_helpers import (
    esm_arn,
    expect_error,
    fn_arn,
    sqs_arn,
    status_of,
    strip_meta,
    unique_name,
    wait_active,
)

TAG_LIMIT = "Number of tags exceeds resource tag limit."
QUALIFIED_TAGS = "Tags on function aliases and versions are not supported. Please specify a function ARN."


@pytest.fixture
def fn_and_arn(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    return name, fn_arn(alice.account_id, name)


def test_tag_list_untag(client, fn_and_arn):
    name, arn = fn_and_arn
    empty = client.list_tags(Resource=arn)
    assert status_of(empty) == 200
    assert strip_meta(empty) == {"Tags": {}}
    assert status_of(client.tag_resource(Resource=arn, Tags={"team": "core", "env": "dev"})) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "core", "env": "dev"}
    client.tag_resource(Resource=arn, Tags={"env": "prod", "cost": "42"})  # merge + overwrite
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "core", "env": "prod", "cost": "42"}
    assert status_of(client.untag_resource(Resource=arn, TagKeys=["team", "does-not-exist"])) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"env": "prod", "cost": "42"}
    assert client.get_function(FunctionName=name)["Tags"] == {"env": "prod", "cost": "42"}
    client.untag_resource(Resource=arn, TagKeys=["env", "cost"])
    assert client.list_tags(Resource=arn)["Tags"] == {}
    assert "Tags" not in client.get_function(FunctionName=name)


def test_tags_given_at_create(client, alice, make_function):
    resp = make_function(client, Tags={"a": "1", "b": ""})
    name = resp["FunctionName"]
    assert client.list_tags(Resource=fn_arn(alice.account_id, name))["Tags"] == {"a": "1", "b": ""}
    assert client.get_function(FunctionName=name)["Tags"] == {"a": "1", "b": ""}


def test_tags_on_qualified_arns_are_rejected(client, alice, make_function):
    name = make_function(client, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for q in ("1", "live", "$LATEST"):
        arn = fn_arn(alice.account_id, name, q)
        expect_error(lambda: client.tag_resource(Resource=arn, Tags={"k": "v"}), "InvalidParameterValueException", 400, QUALIFIED_TAGS)
        expect_error(lambda: client.list_tags(Resource=arn), "InvalidParameterValueException", 400, QUALIFIED_TAGS)
        expect_error(lambda: client.untag_resource(Resource=arn, TagKeys=["k"]), "InvalidParameterValueException", 400, QUALIFIED_TAGS)
    assert client.list_tags(Resource=fn_arn(alice.account_id, name))["Tags"] == {}


def test_tags_need_a_full_arn(client, fn_and_arn):
    name, _ = fn_and_arn
    expect_error(
        lambda: client.tag_resource(Resource=name, Tags={"k": "v"}),
        "ValidationException",
        400,
        contains=[f"Value '{name}' at 'resource' failed to satisfy constraint", "Member must satisfy regular expression pattern"],
    )


def test_tags_on_missing_function(client, alice):
    arn = fn_arn(alice.account_id, unique_name("missing"))
    msg = f"Function not found: {arn}"
    expect_error(lambda: client.tag_resource(Resource=arn, Tags={"k": "v"}), "ResourceNotFoundException", 404, msg)
    expect_error(lambda: client.list_tags(Resource=arn), "ResourceNotFoundException", 404, msg)
    expect_error(lambda: client.untag_resource(Resource=arn, TagKeys=["k"]), "ResourceNotFoundException", 404, msg)


def test_empty_tags_and_empty_keys(client, fn_and_arn):
    _, arn = fn_and_arn
    expect_error(
        lambda: client.tag_resource(Resource=arn, Tags={}),
        "InvalidParameterValueException",
        400,
        "An error occurred and the request cannot be processed.",
    )
    expect_error(
        lambda: client.untag_resource(Resource=arn, TagKeys=[]),
        "ValidationException",
        400,
        contains=["Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"],
    )


def test_tag_limit(client, alice, make_function, fn_and_arn):
    _, arn = fn_and_arn
    fifty = {f"k{i}": str(i) for i in range(50)}
    expect_error(
        lambda: client.tag_resource(Resource=arn, Tags={**fifty, "one-more": "x"}),
        "InvalidParameterValueException",
        400,
        TAG_LIMIT,
    )
    assert client.list_tags(Resource=arn)["Tags"] == {}
    client.tag_resource(Resource=arn, Tags={f"k{i}": str(i) for i in range(40)})
    expect_error(
        lambda: client.tag_resource(Resource=arn, Tags={f"n{i}": str(i) for i in range(11)}),
        "InvalidParameterValueException",
        400,
        TAG_LIMIT,
    )
    assert len(client.list_tags(Resource=arn)["Tags"]) == 40
    client.tag_resource(Resource=arn, Tags=fifty)  # 40 overwritten + 10 new = exactly 50
    assert client.list_tags(Resource=arn)["Tags"] == fifty
    name = unique_name()
    expect_error(
        lambda: make_function(client, name, wait=False, Tags={f"t{i}": "v" for i in range(51)}),
        "InvalidParameterValueException",
        400,
        TAG_LIMIT,
    )
    expect_error(lambda: client.get_function(FunctionName=name), "ResourceNotFoundException", 404)


def test_event_source_mapping_tags(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    m = client.create_event_source_mapping(
        EventSourceArn=sqs_arn(alice.account_id, f"q-{uuid.uuid4().hex[:8]}"), FunctionName=name, Tags={"src": "sqs"}
    )
    arn = m["EventSourceMappingArn"]
    assert arn == esm_arn(alice.account_id, m["UUID"])
    assert client.list_tags(Resource=arn)["Tags"] == {"src": "sqs"}
    client.tag_resource(Resource=arn, Tags={"more": "yes"})
    assert client.list_tags(Resource=arn)["Tags"] == {"src": "sqs", "more": "yes"}
    client.untag_resource(Resource=arn, TagKeys=["src"])
    assert client.list_tags(Resource=arn)["Tags"] == {"more": "yes"}
    missing = esm_arn(alice.account_id, str(uuid.uuid4()))
    expect_error(
        lambda: client.list_tags(Resource=missing),
        "ResourceNotFoundException",
        404,
        f"Event source mapping not found: {missing}",
    )
