"""The audit log (DESIGN §1/§3): every authorization decision, allowed or denied, with the
policy and statement that decided, and every refused sign-in, as JSON lines in
DATA/audit/YYYY-MM-DD.jsonl; never a secret, a password or a session token."""

from __future__ import annotations

import json
import urllib.parse

import botocore.exceptions
import pytest

from gwtest import Creds, uniq
from test_git_http import Git


def test_decisions_and_refused_sign_ins_are_audited_without_secrets(new_server, tmp_path):
    srv = new_server(name="audit")
    creds = srv.init()
    srv.start()
    root = srv.principal(creds)
    acct = creds.account_id
    name = uniq("audited")
    root.iam.create_user(UserName=name)
    root.iam.put_user_policy(UserName=name, PolicyName="mixed", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "ReadUsers", "Effect": "Allow", "Action": ["iam:ListUsers", "sts:GetSessionToken"],
             "Resource": "*"},
            {"Sid": "NoGroups", "Effect": "Deny", "Action": "iam:ListGroups", "Resource": "*"}]}))
    key = root.iam.create_access_key(UserName=name)["AccessKey"]
    me = srv.principal(Creds(acct, key["AccessKeyId"], key["SecretAccessKey"]))
    arn = f"arn:aws:iam::{acct}:user/{name}"

    me.iam.list_users()                                    # allowed by ReadUsers
    with pytest.raises(botocore.exceptions.ClientError):
        me.iam.list_groups()                               # explicit deny by NoGroups
    with pytest.raises(botocore.exceptions.ClientError):
        me.iam.list_roles()                                # nothing allows it
    session = me.sts.get_session_token()["Credentials"]
    wrong = srv.principal(Creds(acct, key["AccessKeyId"], "x" * 40))
    with pytest.raises(botocore.exceptions.ClientError):
        wrong.iam.list_users()                             # refused sign-in (SigV4)
    cred = root.iam.create_service_specific_credential(
        UserName=name, ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    git = Git(srv, tmp_path / "home", None)
    base = urllib.parse.urlsplit(srv.clone_url("nope"))
    bad_url = f"{base.scheme}://{urllib.parse.quote(cred['ServiceUserName'], safe='')}:wrong-password@{base.netloc}{base.path}"
    git.fails("ls-remote", bad_url)                        # refused sign-in (Git credentials)

    trust = lambda who: json.dumps({"Version": "2012-10-17", "Statement": [  # noqa: E731
        {"Sid": "Who", "Effect": "Allow", "Principal": {"AWS": who}, "Action": "sts:AssumeRole"}]})
    ok_role = root.iam.create_role(RoleName=uniq("ok"), AssumeRolePolicyDocument=trust(arn))["Role"]
    no_role = root.iam.create_role(RoleName=uniq("no"),
                                   AssumeRolePolicyDocument=trust("arn:aws:iam::123456789012:root"))["Role"]
    me.sts.assume_role(RoleArn=ok_role["Arn"], RoleSessionName="audited")
    with pytest.raises(botocore.exceptions.ClientError):
        me.sts.assume_role(RoleArn=no_role["Arn"], RoleSessionName="audited")

    events = srv.audit_events(lambda e: len(e) >= 8)
    mine = [e for e in events if e["principal"] == arn]
    by_action = {e["action"]: e for e in mine}
    allowed = by_action["iam:ListUsers"]
    assert allowed["event"] == "authorization" and allowed["decision"] == "allow"
    assert "inline policy mixed" in allowed["policy"] and allowed["sid"] == "ReadUsers"
    assert allowed["resource"].startswith(f"arn:aws:iam::{acct}:") and allowed["sourceIp"] == "127.0.0.1"
    denied = by_action["iam:ListGroups"]
    assert denied["decision"] == "explicitDeny" and denied["sid"] == "NoGroups" and "explicit deny" in denied["reason"]
    assert by_action["iam:ListRoles"]["decision"] == "implicitDeny"
    assumed = [e for e in mine if e["action"] == "sts:AssumeRole"]
    assert [(e["resource"], e["decision"]) for e in assumed] == [(ok_role["Arn"], "allow"), (no_role["Arn"], "deny")]
    assert assumed[0]["sid"] == "Who" and "trust policy" in assumed[1]["reason"]
    sign_ins = [e for e in events if e["event"] == "authentication"]
    assert {"action": "sigv4", "principal": key["AccessKeyId"], "reason": "SignatureDoesNotMatch"}.items() \
        <= next(e for e in sign_ins if e["action"] == "sigv4").items()
    git_refusal = next(e for e in sign_ins if e["action"] == "git-http")
    assert git_refusal["principal"] == cred["ServiceUserName"] and git_refusal["decision"] == "deny"
    for e in events:
        assert e["time"].endswith("Z") and len(e["time"]) == 24

    text = "".join(f.read_text() for f in (srv.data_dir / "audit").glob("*.jsonl"))
    for secret in (key["SecretAccessKey"], cred["ServicePassword"], session["SecretAccessKey"],
                   session["SessionToken"], creds.secret_access_key):
        assert secret not in text
    mode = (srv.data_dir / "audit").stat().st_mode & 0o777
    assert mode == 0o700, oct(mode)
