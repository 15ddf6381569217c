"""Pagination (lambda-api.md §1.6, §4.4, §4.9, §4.10): Marker/MaxItems, at most 50 per page,
NextMarker omitted on the last page, boto3 paginators over 1,000+ functions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from e2e_helpers import (
    HANDLER,
    RUNTIME,
    error_code,
    expect_error,
    fn_arn,
    make_zip,
    role_arn,
    wait_active,
    wait_updated,
)

N_FUNCTIONS = 1010


@pytest.fixture(scope="module")
def big(nimbus, account_factory):
    """An account of its own holding N_FUNCTIONS functions (created with 8 threads)."""
    account = account_factory("paginator")
    client = nimbus.client(account, max_pool_connections=16)
    code = make_zip()
    names = [f"page-{i:05d}" for i in range(N_FUNCTIONS)]

    def create(name):
        client.create_function(
            FunctionName=name, Runtime=RUNTIME, Handler=HANDLER, Role=role_arn(account.account_id), Code={"ZipFile": code}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, names))
    return account, client, names


def test_paginator_lists_every_function_exactly_once(big):
    account, client, names = big
    pages = list(client.get_paginator("list_functions").paginate())
    listed = [f["FunctionName"] for p in pages for f in p["Functions"]]
    assert len(listed) == len(set(listed)), "duplicates across pages"
    assert sorted(listed) == sorted(names)
    sizes = [len(p["Functions"]) for p in pages]
    assert all(s == 50 for s in sizes[:-1]), sizes  # default page size 50
    assert 0 < sizes[-1] <= 50
    assert len(pages) == -(-N_FUNCTIONS // 50)
    for p in pages[:-1]:
        assert p["NextMarker"]
    assert "NextMarker" not in pages[-1]
    for p in pages:
        for f in p["Functions"]:
            assert f["FunctionArn"] == fn_arn(account.account_id, f["FunctionName"])


def test_max_items_above_50_is_capped(big):
    _, client, _ = big
    resp = client.list_functions(MaxItems=100)
    assert len(resp["Functions"]) == 50
    assert resp["NextMarker"]
    resp = client.list_functions(MaxItems=10000)
    assert len(resp["Functions"]) == 50


def test_small_pages_with_manual_markers(big):
    _, client, names = big
    seen, marker, pages = [], None, 0
    while True:
        kw = {"MaxItems": 37}
        if marker:
            kw["Marker"] = marker
        resp = client.list_functions(**kw)
        pages += 1
        assert len(resp["Functions"]) <= 37
        seen += [f["FunctionName"] for f in resp["Functions"]]
        marker = resp.get("NextMarker")
        if not marker:
            break
        assert len(resp["Functions"]) == 37
        assert pages < 100
    assert len(seen) == len(set(seen)) == N_FUNCTIONS
    assert sorted(seen) == sorted(names)


def test_paginator_page_size(big):
    _, client, names = big
    pages = list(client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 7}))
    sizes = [len(p["Functions"]) for p in pages]
    assert all(s == 7 for s in sizes[:-1])
    listed = [f["FunctionName"] for p in pages for f in p["Functions"]]
    assert len(listed) == len(set(listed)) == N_FUNCTIONS


def test_listing_order_is_stable(big):
    _, client, _ = big
    first = [f["FunctionName"] for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]]
    second = [f["FunctionName"] for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]]
    assert first == second


def test_last_page_omits_next_marker_on_the_wire(big, nimbus):
    account, client, _ = big
    raw = nimbus.raw(account)
    marker = None
    while True:
        q = [("MaxItems", "50")] + ([("Marker", marker)] if marker else [])
        r = raw.request("GET", "/2015-03-31/functions", query=q)
        assert r.status_code == 200
        body = r.json()
        if "NextMarker" not in body:
            break
        assert isinstance(body["NextMarker"], str) and body["NextMarker"]
        marker = body["NextMarker"]
    assert set(body) == {"Functions"}, "last page must omit NextMarker (not send null)"


def test_small_account_single_page_has_no_marker(fresh_client, make_function):
    names = {make_function(fresh_client, wait=False)["FunctionName"] for _ in range(3)}
    resp = fresh_client.list_functions()
    assert {f["FunctionName"] for f in resp["Functions"]} == names
    assert "NextMarker" not in resp
    one = fresh_client.list_functions(MaxItems=1)
    assert len(one["Functions"]) == 1 and one["NextMarker"]
    rest = fresh_client.list_functions(Marker=one["NextMarker"], MaxItems=10)
    assert len(rest["Functions"]) == 2
    assert "NextMarker" not in rest
    assert {f["FunctionName"] for f in one["Functions"] + rest["Functions"]} == names


def test_empty_account_lists_nothing(fresh_client):
    resp = fresh_client.list_functions()
    assert resp["Functions"] == []
    assert "NextMarker" not in resp


def test_list_all_versions_paginates(fresh_client, fresh_account, make_function):
    c = fresh_client
    names = []
    for i in range(4):
        n = make_function(c)["FunctionName"]
        c.publish_version(FunctionName=n)
        wait_active(c, n, qualifier="1")
        names.append(n)
    pages = list(c.get_paginator("list_functions").paginate(FunctionVersion="ALL", PaginationConfig={"PageSize": 3}))
    arns = [f["FunctionArn"] for p in pages for f in p["Functions"]]
    expected = {fn_arn(fresh_account.account_id, n, q) for n in names for q in ("$LATEST", "1")}
    assert len(arns) == len(set(arns)) == 8
    assert set(arns) == expected


def test_versions_pagination_keeps_numeric_order(client, alice, make_function):
    name = make_function(client)["FunctionName"]
    for i in range(8):
        if i:
            client.update_function_configuration(FunctionName=name, Description=f"v{i}")
            wait_updated(client, name)
        client.publish_version(FunctionName=name)
    pages = list(client.get_paginator("list_versions_by_function").paginate(FunctionName=name, PaginationConfig={"PageSize": 3}))
    assert [len(p["Versions"]) for p in pages] == [3, 3, 3]
    assert "NextMarker" not in pages[-1]
    versions = [v["Version"] for p in pages for v in p["Versions"]]
    assert versions == ["$LATEST", "1", "2", "3", "4", "5", "6", "7", "8"]


def test_aliases_pagination_is_sorted_by_name(client, make_function):
    name = make_function(client)["FunctionName"]
    aliases = ["delta", "alpha", "echo", "charlie", "bravo", "alpha-2", "b"]
    for a in aliases:
        client.create_alias(FunctionName=name, Name=a, FunctionVersion="$LATEST")
    pages = list(client.get_paginator("list_aliases").paginate(FunctionName=name, PaginationConfig={"PageSize": 2}))
    assert all(len(p["Aliases"]) <= 2 for p in pages)
    assert [a["Name"] for p in pages for a in p["Aliases"]] == sorted(aliases)


def test_event_invoke_and_url_config_lists_paginate(client, make_function):
    name = make_function(client, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    for alias in ("a1", "a2", "a3"):
        client.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
        client.put_function_event_invoke_config(FunctionName=name, Qualifier=alias, MaximumRetryAttempts=1)
        client.create_function_url_config(FunctionName=name, Qualifier=alias, AuthType="NONE")
    eic = list(client.get_paginator("list_function_event_invoke_configs").paginate(FunctionName=name, PaginationConfig={"PageSize": 2}))
    assert [len(p["FunctionEventInvokeConfigs"]) for p in eic] == [2, 1]
    assert len({c["FunctionArn"] for p in eic for c in p["FunctionEventInvokeConfigs"]}) == 3
    urls = list(client.get_paginator("list_function_url_configs").paginate(FunctionName=name, PaginationConfig={"PageSize": 2}))
    assert [len(p["FunctionUrlConfigs"]) for p in urls] == [2, 1]
    assert len({c["FunctionArn"] for p in urls for c in p["FunctionUrlConfigs"]}) == 3


def test_list_functions_max_items_bounds(raw):
    for bad in ("0", "10001"):
        r = raw.request("GET", "/2015-03-31/functions", query=[("MaxItems", bad)])
        assert r.status_code == 400, (bad, r.status_code, r.text)
        assert error_code(r) == "ValidationException"
        assert "maxItems" in r.text


def test_invalid_function_version_filter(client):
    expect_error(
        lambda: client.list_functions(FunctionVersion="$LATEST"),
        "ValidationException",
        400,
        contains=["at 'functionVersion'", "[ALL]"],
    )
