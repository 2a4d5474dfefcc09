"""A1: `gitward serve` on an empty data dir, TLS by default, --insecure-http, init, signals."""

from __future__ import annotations

import ipaddress
import json
import re
import signal
import socket
import ssl
import stat
import time
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest

from gwtest import UUID_RE, AwsCli, _isolated_botocore_session, check_creds_json, uniq


def _wait_for_stdout(srv, needle: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = srv.stdout_path.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"server stdout never contained {needle!r}:\n{text}\n{srv.log_tail()}")


def _export_value(text: str, var: str) -> str:
    m = re.search(rf"^\s*export {var}=(\S+)\s*$", text, re.M)
    assert m, f"no `export {var}=…` line in the server's output:\n{text}"
    return m.group(1).strip("'\"")


def test_serve_on_empty_dir_initialises_and_prints_how_to_connect(new_server, tmp_path: Path):
    data = tmp_path / "empty-data"
    data.mkdir()
    srv = new_server(data_dir=data)
    endpoint = srv.start()
    assert re.match(r"^https://127\.0\.0\.1:[0-9]+$", endpoint), endpoint

    # The root credentials file: 0600, the same JSON as `gitward init`.
    creds_file = data / "root-credentials.json"
    assert creds_file.is_file()
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600, oct(creds_file.stat().st_mode)
    creds = check_creds_json(json.loads(creds_file.read_text()))

    # The CA it generated.
    ca = data / "tls" / "ca.pem"
    assert ca.is_file() and "BEGIN CERTIFICATE" in ca.read_text()

    # It tells the user how to connect.
    out = _wait_for_stdout(srv, "AWS_CA_BUNDLE")
    printed_endpoint = _export_value(out, "AWS_ENDPOINT_URL")
    printed_ca = _export_value(out, "AWS_CA_BUNDLE")
    assert printed_endpoint == endpoint
    assert Path(printed_ca).resolve() == ca.resolve()

    # Those lines and those credentials are all the aws CLI needs.
    cli = AwsCli(srv, tmp_path / "home")
    ident = cli.ok(creds, "sts", "get-caller-identity", endpoint=printed_endpoint, ca_bundle=printed_ca)
    assert ident == {"UserId": creds.account_id, "Account": creds.account_id,
                     "Arn": f"arn:aws:iam::{creds.account_id}:root"}

    srv.stop_ok(signal.SIGTERM)

    # A restart does not initialise again: same credentials, still valid.
    before = creds_file.read_text()
    srv.start()
    assert creds_file.read_text() == before
    ident = srv.client("sts", creds).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{creds.account_id}:root"
    srv.stop_ok(signal.SIGINT)


def test_init_output_and_refuses_an_initialised_dir(new_server):
    srv = new_server()
    a = srv.init()
    b = srv.create_account()
    assert a.account_id != b.account_id
    assert a.access_key_id != b.access_key_id
    p = srv._admin("init", "--data-dir", str(srv.data_dir), "--output", "json")
    assert p.returncode != 0, f"second init succeeded: {p.stdout}"
    # Both accounts work once served.
    srv.start()
    for c in (a, b):
        ident = srv.client("sts", c).get_caller_identity()
        assert ident["Account"] == c.account_id
        assert ident["UserId"] == c.account_id
        assert ident["Arn"] == f"arn:aws:iam::{c.account_id}:root"
    srv.stop_ok()


def test_tls_certificate_is_real_and_covers_localhost(server, root_a, monkeypatch):
    """The server cert chains to D/tls/ca.pem, names localhost/127.0.0.1/::1, and an
    unconfigured client refuses it."""
    port = int(server.endpoint.rsplit(":", 1)[1])
    ctx = ssl.create_default_context(cafile=str(server.ca_bundle))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            cert = tls.getpeercert()
    sans = cert.get("subjectAltName", ())
    dns = {v for k, v in sans if k == "DNS"}
    ips = {ipaddress.ip_address(v.strip()) for k, v in sans if k == "IP Address"}
    assert "localhost" in dns, sans
    assert ipaddress.ip_address("127.0.0.1") in ips, sans
    assert ipaddress.ip_address("::1") in ips, sans

    # https://localhost:PORT works too (hostname verified against the cert).
    sts = server.client("sts", root_a.creds, endpoint=f"https://localhost:{port}")
    assert sts.get_caller_identity()["Account"] == root_a.account_id

    # Without the CA bundle, verification fails: it really is TLS with a private CA.
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    plain = boto3.session.Session(botocore_session=_isolated_botocore_session()).client(
        "sts", endpoint_url=server.endpoint, region_name="us-east-1", verify=True,
        aws_access_key_id=root_a.creds.access_key_id, aws_secret_access_key=root_a.creds.secret_access_key,
        config=botocore.config.Config(retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.SSLError):
        plain.get_caller_identity()


def test_insecure_http_serves_plain_http(new_server, tmp_path: Path):
    # A data dir that does not exist yet: serve creates and initialises it.
    srv = new_server(insecure_http=True, data_dir=tmp_path / "not-yet" / "data")
    endpoint = srv.start()
    assert re.match(r"^http://127\.0\.0\.1:[0-9]+$", endpoint), endpoint
    creds = check_creds_json(json.loads((srv.data_dir / "root-credentials.json").read_text()))

    ident = srv.client("sts", creds).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{creds.account_id}:root"

    cc = srv.client("codecommit", creds)
    name = uniq("plain")
    md = cc.create_repository(repositoryName=name)["repositoryMetadata"]
    assert md["cloneUrlHttp"] == f"{endpoint}/v1/repos/{name}"
    assert UUID_RE.match(md["repositoryId"])

    cli = AwsCli(srv, tmp_path / "home")
    out = cli.ok(creds, "codecommit", "get-repository", "--repository-name", name)
    assert out["repositoryMetadata"]["repositoryId"] == md["repositoryId"]
    srv.stop_ok()


def test_sigint_exits_cleanly(new_server):
    srv = new_server()
    creds = srv.init()
    srv.start()
    assert srv.client("sts", creds).get_caller_identity()["Account"] == creds.account_id
    srv.stop_ok(signal.SIGINT)



def test_region_option(new_server):
    srv = new_server(region="eu-west-1")
    creds = srv.init()
    srv.start()
    cc = srv.client("codecommit", creds, region="eu-west-1")
    name = uniq("regional")
    md = cc.create_repository(repositoryName=name)["repositoryMetadata"]
    assert md["Arn"] == f"arn:aws:codecommit:eu-west-1:{creds.account_id}:{name}"
    assert md["cloneUrlHttp"] == f"{srv.endpoint}/v1/repos/{name}"
    # Signed for another region: refused.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        srv.client("codecommit", creds, region="us-east-1").list_repositories()
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"
    # IAM and STS accept any region.
    assert srv.client("sts", creds, region="us-east-1").get_caller_identity()["Account"] == creds.account_id
    srv.stop_ok()
