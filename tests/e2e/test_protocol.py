"""A5 (protocol): malformed requests, oversized bodies, request ids — raw HTTP, signed properly."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from gwtest import (
    json_headers,
    query_headers,
    send_large_body,
    sha256_of_repeated,
    uniq,
)

MiB = 1024 * 1024


def test_unknown_action(server, accounts):
    body = b"Action=FrobnicateWidgets&Version=2010-05-08"
    r = server.signed_raw(accounts.a, "iam", body, query_headers())
    assert r.status == 400, (r.status, r.body)
    e = r.xml_error()
    assert e["Code"] == "InvalidAction" and e["Type"] == "Sender", e
    assert r.headers.get("x-amzn-requestid") and e["RequestId"] == r.headers["x-amzn-requestid"]


@pytest.mark.parametrize("body", [
    b"this is not a form",
    b"Version=2010-05-08",
    b"%%%\xff\xfe&&==",
])
def test_form_body_without_action(server, accounts, body):
    """No Action in the form: AWS's common error `MissingAction` (400, Sender)."""
    r = server.signed_raw(accounts.a, "iam", body, query_headers())
    assert r.status == 400, (r.status, r.body)
    e = r.xml_error()
    assert e["Code"] == "MissingAction" and e["Type"] == "Sender", r.body
    assert r.headers.get("x-amzn-requestid")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"sortBy": 7}', b"\xff\xfe"])
def test_bad_json_body(server, accounts, body):
    r = server.signed_raw(accounts.a, "codecommit", body, json_headers("ListRepositories"))
    assert r.status == 400, (r.status, r.body)
    assert r.error_code() == "SerializationException", r.body
    assert r.headers.get("x-amzn-requestid")


def test_unknown_json_operation(server, accounts):
    r = server.signed_raw(accounts.a, "codecommit", b"{}", json_headers("FrobnicateWidgets"))
    assert r.status == 400, (r.status, r.body)
    assert r.error_code() == "UnknownOperationException", r.body
    assert r.headers.get("x-amzn-requestid")


def test_json_error_body_shape(server, accounts):
    name = uniq("shape-missing")
    r = server.signed_raw(accounts.a, "codecommit", json.dumps({"repositoryName": name}).encode(),
                          json_headers("GetRepository"))
    assert r.status == 400
    doc = r.json()
    assert doc["__type"].split("#")[-1] == "RepositoryDoesNotExistException", doc
    assert doc["message"] == f"{name} does not exist"
    assert r.headers.get("content-type", "").startswith("application/x-amz-json-1.1")
    assert r.headers.get("x-amzn-requestid")


def test_query_success_body_shape(server, accounts):
    body = urllib.parse.urlencode({"Action": "ListUsers", "Version": "2010-05-08", "MaxItems": "1"}).encode()
    r = server.signed_raw(accounts.a, "iam", body, query_headers())
    assert r.status == 200, r.body
    import xml.etree.ElementTree as ET

    root = ET.fromstring(r.body)
    assert root.tag == "{https://iam.amazonaws.com/doc/2010-05-08/}ListUsersResponse", root.tag
    assert root.find("{*}ListUsersResult") is not None
    rid = root.find("{*}ResponseMetadata/{*}RequestId")
    assert rid is not None and rid.text == r.headers.get("x-amzn-requestid")
    assert r.headers.get("content-type", "").startswith("text/xml")


def _signed_large_headers(server, creds, service: str, base: dict[str, str], payload_sha: str) -> dict[str, str]:
    headers = dict(base)
    headers["X-Amz-Content-SHA256"] = payload_sha
    return server.sign(creds, service, b"", headers)


def _assert_413(resp, sent, ended):
    assert resp is not None, f"no HTTP response to the oversized request (sent {sent} bytes; {ended})"
    assert resp.status == 413, (resp.status, resp.body[:500])
    assert resp.error_code(), f"413 without an AWS-shaped error body: {resp.body[:500]!r}"
    assert resp.headers.get("x-amzn-requestid")


@pytest.mark.slow
def test_100_mb_json_body_is_refused_and_server_keeps_serving(server, accounts, root_a):
    total = 100 * 1000 * 1000
    chunk = b"a" * (256 * 1024)
    sha = sha256_of_repeated(chunk, total)
    headers = _signed_large_headers(server, accounts.a, "codecommit", json_headers("CreateRepository"), sha)
    resp, sent, ended = send_large_body(server, headers, total, chunk)
    _assert_413(resp, sent, ended)
    assert server.alive
    assert "repositories" in root_a.cc.list_repositories()
    assert root_a.sts.get_caller_identity()["Account"] == accounts.a.account_id


@pytest.mark.slow
def test_11_mib_query_body_is_refused(server, accounts, root_a):
    total = 11 * MiB
    chunk = b"x" * (64 * 1024)
    sha = sha256_of_repeated(chunk, total)
    headers = _signed_large_headers(server, accounts.a, "iam", query_headers(), sha)
    resp, sent, ended = send_large_body(server, headers, total, chunk)
    _assert_413(resp, sent, ended)
    assert server.alive
    assert "Users" in root_a.iam.list_users(MaxItems=1)


@pytest.mark.slow
def test_5_mib_body_is_read_and_answered_normally(server, accounts, root_a):
    """Below the limit the request is processed: a 5 MiB description is a modeled 400."""
    name = uniq("big-desc")
    body = json.dumps({"repositoryName": name, "repositoryDescription": "d" * (5 * MiB)}).encode()
    r = server.signed_raw(accounts.a, "codecommit", body, json_headers("CreateRepository"))
    assert r.status == 400, (r.status, r.body[:300])
    assert r.error_code() == "InvalidRepositoryDescriptionException", r.body[:300]
    with pytest.raises(root_a.cc.exceptions.RepositoryDoesNotExistException):
        root_a.cc.get_repository(repositoryName=name)


def test_every_response_has_a_request_id(server, accounts, root_a):
    responses = [
        root_a.sts.get_caller_identity(),
        root_a.iam.list_users(MaxItems=1),
        root_a.cc.list_repositories(),
    ]
    ids = [r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid") for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids), ids
    for call in (lambda: root_a.iam.get_user(UserName=uniq("nobody")),
                 lambda: root_a.cc.get_repository(repositoryName=uniq("nothing"))):
        with pytest.raises(Exception) as ei:
            call()
        assert ei.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid")
    # Even an unrouteable request.
    r = server.raw("GET", "/no/such/path")
    assert r.headers.get("x-amzn-requestid"), (r.status, r.headers)
