"""A5 (authentication): SigV4 failures as AWS reports them, per protocol (query vs JSON)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import botocore.auth
import botocore.exceptions
import pytest
from botocore import UNSIGNED

from gwtest import POWER_USER, Creds, json_headers, query_headers

BAD_SIG = ("The request signature we calculated does not match the signature you provided. "
           "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."


def _err(excinfo: pytest.ExceptionInfo) -> tuple[str, int, str]:
    r = excinfo.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


def _calls(server, creds: Creds):
    """One call per service/protocol: (label, callable)."""
    return [
        ("sts", lambda: server.client("sts", creds).get_caller_identity()),
        ("iam", lambda: server.client("iam", creds).list_users(MaxItems=1)),
        ("codecommit", lambda: server.client("codecommit", creds).list_repositories()),
    ]


QUERY = {"sts", "iam"}


def test_wrong_secret(server, accounts):
    creds = accounts.a.with_secret("x" * 40)
    for label, call in _calls(server, creds):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        if label in QUERY:
            assert _err(ei) == ("SignatureDoesNotMatch", 403, BAD_SIG), label
        else:
            assert _err(ei) == ("InvalidSignatureException", 400, BAD_SIG), label
        assert ei.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid"), label


def test_unknown_access_key(server, accounts):
    creds = accounts.a.with_key("AKIA" + "Z" * 16)
    for label, call in _calls(server, creds):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        if label in QUERY:
            assert _err(ei) == ("InvalidClientTokenId", 403, BAD_TOKEN), label
        else:
            assert _err(ei) == ("UnrecognizedClientException", 400, BAD_TOKEN), label


def test_inactive_key_is_as_unknown(server, root_a, make_user):
    name, me = make_user(managed=[POWER_USER])
    assert me.sts.get_caller_identity()["Arn"].endswith(f":user/{name}")
    root_a.iam.update_access_key(UserName=name, AccessKeyId=me.creds.access_key_id, Status="Inactive")
    for label, call in _calls(server, me.creds):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        if label in QUERY:
            assert _err(ei) == ("InvalidClientTokenId", 403, BAD_TOKEN), label
        else:
            assert _err(ei) == ("UnrecognizedClientException", 400, BAD_TOKEN), label
    root_a.iam.update_access_key(UserName=name, AccessKeyId=me.creds.access_key_id, Status="Active")
    assert me.client("sts").get_caller_identity()["Arn"].endswith(f":user/{name}")
    assert "repositories" in me.client("codecommit").list_repositories()


def _skewed(monkeypatch, delta: dt.timedelta) -> None:
    real = botocore.auth.get_current_datetime

    def fake(remove_tzinfo: bool = True):
        return real(remove_tzinfo) + delta

    monkeypatch.setattr(botocore.auth, "get_current_datetime", fake)


def test_request_signed_16_minutes_ago(server, accounts, monkeypatch):
    _skewed(monkeypatch, -dt.timedelta(minutes=16))
    for label, call in _calls(server, accounts.a):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        code, status, msg = _err(ei)
        if label in QUERY:
            assert (code, status) == ("SignatureDoesNotMatch", 403), (label, ei.value.response)
        else:
            assert (code, status) == ("InvalidSignatureException", 400), (label, ei.value.response)
        assert "Signature expired" in msg, (label, msg)


def test_request_signed_16_minutes_ahead(server, accounts, monkeypatch):
    _skewed(monkeypatch, dt.timedelta(minutes=16))
    for label, call in _calls(server, accounts.a):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        code, _, msg = _err(ei)
        assert code == ("SignatureDoesNotMatch" if label in QUERY else "InvalidSignatureException"), label
        assert "Signature not yet current" in msg, (label, msg)


def test_request_signed_4_minutes_ago_is_fine(server, accounts, monkeypatch):
    _skewed(monkeypatch, -dt.timedelta(minutes=4))
    for _, call in _calls(server, accounts.a):
        call()


def test_unsigned_requests(server):
    clients = {
        "sts": server.client("sts", None, signature_version=UNSIGNED),
        "iam": server.client("iam", None, signature_version=UNSIGNED),
        "codecommit": server.client("codecommit", None, signature_version=UNSIGNED),
    }
    calls = {
        "sts": lambda: clients["sts"].get_caller_identity(),
        "iam": lambda: clients["iam"].list_users(),
        "codecommit": lambda: clients["codecommit"].list_repositories(),
    }
    for label, call in calls.items():
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        code, status, _ = _err(ei)
        if label in QUERY:
            assert (code, status) == ("MissingAuthenticationToken", 403), (label, ei.value.response)
        else:
            assert (code, status) == ("MissingAuthenticationTokenException", 403), (label, ei.value.response)

    # The raw query answer is a proper <ErrorResponse>.
    body = b"Action=ListUsers&Version=2010-05-08"
    r = server.raw("POST", "/", query_headers(), body)
    assert r.status == 403
    e = r.xml_error()
    assert e["Code"] == "MissingAuthenticationToken" and e["Type"] == "Sender"
    assert e["Message"] == "Request is missing Authentication Token"
    assert r.headers.get("x-amzn-requestid") and e["RequestId"] == r.headers["x-amzn-requestid"]


@pytest.mark.parametrize("authz", [
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/iam/aws4_request",
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/iam/aws4_request, SignedHeaders=host",
])
def test_malformed_authorization_header(server, authz):
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    body = b"Action=ListUsers&Version=2010-05-08"
    r = server.raw("POST", "/", {**query_headers(), "X-Amz-Date": now, "Authorization": authz}, body)
    assert r.status == 400, (r.status, r.body)
    assert r.xml_error()["Code"] == "IncompleteSignature", r.body
    assert r.headers.get("x-amzn-requestid")

    r = server.raw("POST", "/", {**json_headers("ListRepositories"), "X-Amz-Date": now,
                                 "Authorization": authz.replace("/iam/", "/codecommit/")}, b"{}")
    assert r.status == 400, (r.status, r.body)
    assert r.error_code() == "IncompleteSignatureException", r.body
    assert r.headers.get("x-amzn-requestid")


def test_body_changed_after_signing(server, accounts):
    signed_for = b"Action=ListUsers&Version=2010-05-08&MaxItems=1"
    sent = b"Action=ListUsers&Version=2010-05-08&MaxItems=2"
    headers = server.sign(accounts.a, "iam", signed_for, query_headers())
    r = server.raw("POST", "/", headers, sent)
    assert r.status == 403, r.body
    assert r.xml_error()["Code"] == "SignatureDoesNotMatch"

    signed_for = b'{"sortBy": "repositoryName"}'
    headers = server.sign(accounts.a, "codecommit", signed_for, json_headers("ListRepositories"))
    r = server.raw("POST", "/", headers, b'{"sortBy": "lastModifiedDate"}')
    assert r.status == 400, r.body
    assert r.error_code() == "InvalidSignatureException"


def test_codecommit_must_be_signed_for_the_server_region(server, accounts):
    cc = server.client("codecommit", accounts.a, region="eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cc.list_repositories()
    code, _, msg = _err(ei)
    assert code == "InvalidSignatureException", ei.value.response
    assert "scoped to a valid region" in msg.lower(), msg
    # The same key in the right region works.
    assert "repositories" in server.client("codecommit", accounts.a).list_repositories()


def test_signed_raw_request_works(server, accounts):
    """Sanity check of the raw-request helper the protocol tests rely on."""
    body = urllib.parse.urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"}).encode()
    r = server.signed_raw(accounts.a, "sts", body, query_headers())
    assert r.status == 200, r.body
    assert f"<Account>{accounts.a.account_id}</Account>".encode() in r.body
    assert r.headers.get("x-amzn-requestid")
    r = server.signed_raw(accounts.a, "codecommit", b"{}", json_headers("ListRepositories"))
    assert r.status == 200, r.body
    assert "repositories" in r.json()
    assert r.headers.get("x-amzn-requestid")
