"""Issue 5, points 2 and 6: Git denials carry an encoded authorization failure message that
`aws sts decode-authorization-message` turns into the decision, the matched statement and the
request context — for callers of the same account allowed sts:DecodeAuthorizationMessage."""

from __future__ import annotations

import json
import re

import botocore.exceptions
import pytest

from gwtest import READ_ONLY, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)

ENCODED = re.compile(r"Encoded authorization failure message: ([A-Za-z0-9+/=]+)")


def test_git_denials_decode_for_allowed_callers_of_the_account(server, root_a, root_b, make_user,
                                                              git_for, tmp_path, cli):
    repo = uniq("dam")
    root_a.cc.create_repository(repositoryName=repo)
    protect = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["codecommit:GitPull", "codecommit:GitPush"], "Resource": "*"},
        {"Sid": "ProtectMain", "Effect": "Deny", "Action": "codecommit:GitPush", "Resource": "*",
         "Condition": {"StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
                       "Null": {"codecommit:References": "false"}}}]}
    user, dev = make_user(inline={"protect": protect})
    git: Git = git_for(dev.creds)
    work = tmp_path / "w"
    git.ok("clone", server.clone_url(repo), str(work))
    git.commit(work, {"a.txt": "1\n"}, "one")
    out = git.fails("push", "origin", "main", cwd=work)
    found = ENCODED.search(out)
    assert found, out
    encoded = found.group(1)

    _, auditor = make_user(inline={"decode": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}]}})
    decoded = json.loads(cli.ok(auditor.creds, "sts", "decode-authorization-message",
                                "--encoded-message", encoded)["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is True
    assert decoded["matchedStatements"]["items"][0]["statementId"] == "ProtectMain"
    ctx = decoded["context"]
    assert ctx["action"] == "codecommit:GitPush"
    assert ctx["resource"] == f"arn:aws:codecommit:us-east-1:{root_a.account_id}:{repo}"
    assert ctx["principal"]["arn"] == f"arn:aws:iam::{root_a.account_id}:user/{user}"
    # Condition key names are case-insensitive; the message gives them lowercased.
    conditions = {c["key"].lower(): [v["value"] for v in c["values"]["items"]] for c in ctx["conditions"]["items"]}
    assert conditions["codecommit:references"] == ["refs/heads/main"]
    assert conditions["aws:username"] == [user]

    # Without the permission, or from another account, it stays sealed.
    _, reader = make_user(managed=[READ_ONLY])
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        reader.sts.decode_authorization_message(EncodedMessage=encoded)
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_b.sts.decode_authorization_message(EncodedMessage=encoded)
    assert ei.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_a.sts.decode_authorization_message(EncodedMessage=encoded[:-8] + "AAAAAAA=")
    assert ei.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"

    # A clone refused outright carries one too (in the 403 text git prints).
    _, nobody = make_user()
    out = git_for(nobody.creds).fails("clone", server.clone_url(repo), str(tmp_path / "n"))
    found = ENCODED.search(out)
    assert found, out
    decoded = json.loads(root_a.sts.decode_authorization_message(EncodedMessage=found.group(1))["DecodedMessage"])
    assert decoded["explicitDeny"] is False and decoded["context"]["action"] == "codecommit:GitPull"
