"""A2: the AWS CodeCommit getting-started walkthrough with the real `aws` CLI (v1)."""

from __future__ import annotations

import re
import time

from gwtest import ACCESS_KEY_RE, POWER_USER, USER_ID_RE, UUID_RE, AwsCli, Creds, uniq

ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def test_aws_cli_walkthrough(server, accounts, cli: AwsCli):
    root = accounts.a
    acct = root.account_id
    user = uniq("demo-user")

    # Root: create the user, give it AWSCodeCommitPowerUser, create its access key.
    out = cli.ok(root, "iam", "create-user", "--user-name", user)
    u = out["User"]
    assert u["UserName"] == user
    assert u["Arn"] == f"arn:aws:iam::{acct}:user/{user}"
    assert u["Path"] == "/"
    assert USER_ID_RE.match(u["UserId"]), u
    assert ISO_RE.match(u["CreateDate"]), u

    assert cli.ok(root, "iam", "attach-user-policy", "--user-name", user, "--policy-arn", POWER_USER) is None
    attached = cli.ok(root, "iam", "list-attached-user-policies", "--user-name", user)
    assert attached["AttachedPolicies"] == [{"PolicyName": "AWSCodeCommitPowerUser", "PolicyArn": POWER_USER}]

    key = cli.ok(root, "iam", "create-access-key", "--user-name", user)["AccessKey"]
    assert key["UserName"] == user
    assert key["Status"] == "Active"
    assert ACCESS_KEY_RE.match(key["AccessKeyId"]), key
    assert len(key["SecretAccessKey"]) == 40
    me = Creds(acct, key["AccessKeyId"], key["SecretAccessKey"])

    ident = cli.ok(me, "sts", "get-caller-identity")
    assert ident == {"UserId": u["UserId"], "Account": acct, "Arn": u["Arn"]}

    # The user: create, get, list, update the repository.
    name = "MyDemoRepo"
    created = cli.ok(me, "codecommit", "create-repository", "--repository-name", name,
                     "--repository-description", "My demonstration repository")
    md = created["repositoryMetadata"]
    assert md["repositoryName"] == name
    assert md["repositoryDescription"] == "My demonstration repository"
    assert md["accountId"] == acct
    assert md["Arn"] == f"arn:aws:codecommit:us-east-1:{acct}:{name}"
    assert md["cloneUrlHttp"] == f"{server.endpoint}/v1/repos/{name}"
    assert UUID_RE.match(md["repositoryId"]), md
    # CLI v1 prints timestamps as they came on the wire: JSON 1.1 sends epoch seconds.
    for k in ("creationDate", "lastModifiedDate"):
        assert isinstance(md[k], (int, float)) and abs(md[k] - time.time()) < 300, md
    repo_id = md["repositoryId"]

    got = cli.ok(me, "codecommit", "get-repository", "--repository-name", name)["repositoryMetadata"]
    for k in ("repositoryName", "repositoryId", "Arn", "cloneUrlHttp", "accountId", "repositoryDescription"):
        assert got[k] == md[k], (k, got, md)

    listed = cli.ok(me, "codecommit", "list-repositories")["repositories"]
    assert {"repositoryName": name, "repositoryId": repo_id} in listed

    assert cli.ok(me, "codecommit", "update-repository-description", "--repository-name", name,
                  "--repository-description", "Updated description") is None
    got = cli.ok(me, "codecommit", "get-repository", "--repository-name", name)["repositoryMetadata"]
    assert got["repositoryDescription"] == "Updated description"

    # PowerUser cannot delete a repository; root can.
    err = cli.fails(me, "AccessDeniedException", "codecommit", "delete-repository", "--repository-name", name)
    assert (f"User: {u['Arn']} is not authorized to perform: codecommit:DeleteRepository on resource: "
            f"{md['Arn']}") in err, err
    assert cli.ok(me, "codecommit", "get-repository", "--repository-name", name)  # still there

    deleted = cli.ok(root, "codecommit", "delete-repository", "--repository-name", name)
    assert deleted == {"repositoryId": repo_id}
    cli.fails(me, "RepositoryDoesNotExistException", "codecommit", "get-repository", "--repository-name", name)
    listed = cli.ok(me, "codecommit", "list-repositories")["repositories"]
    assert all(r["repositoryName"] != name for r in listed)


def test_cli_error_for_unknown_user(cli: AwsCli, accounts):
    err = cli.fails(accounts.a, "NoSuchEntity", "iam", "get-user", "--user-name", uniq("nobody"))
    assert "cannot be found" in err
