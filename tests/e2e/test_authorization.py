"""A3: identity-based policies decide, as on AWS (managed, inline, group; explicit deny wins)."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from gwtest import POWER_USER, READ_ONLY, assert_denied_message, denied_message, request_id, uniq


def _repo_arn(acct: str, name: str) -> str:
    return f"arn:aws:codecommit:us-east-1:{acct}:{name}"


def _user_arn(acct: str, name: str) -> str:
    return f"arn:aws:iam::{acct}:user/{name}"


def test_read_only_user(root_a, make_user, cli):
    repo = uniq("ro-repo")
    root_a.cc.create_repository(repositoryName=repo)
    name, me = make_user(managed=[READ_ONLY])
    acct = root_a.account_id

    md = me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]
    assert md["repositoryName"] == repo
    names = [r["repositoryName"] for r in me.cc.list_repositories()["repositories"]]
    assert repo in names
    got = me.cc.batch_get_repositories(repositoryNames=[repo])
    assert [r["repositoryName"] for r in got["repositories"]] == [repo]
    assert me.cc.list_branches(repositoryName=repo)["branches"] == []

    new = uniq("ro-new")
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.create_repository(repositoryName=new)
    e = ei.value.response
    assert e["Error"]["Code"] == "AccessDeniedException"
    assert e["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    assert e["Error"]["Message"] == denied_message(
        _user_arn(acct, name), "codecommit:CreateRepository", _repo_arn(acct, new))
    assert request_id(ei.value)

    for call in (lambda: me.cc.update_repository_description(repositoryName=repo, repositoryDescription="x"),
                 lambda: me.cc.delete_repository(repositoryName=repo),
                 lambda: me.cc.tag_resource(resourceArn=md["Arn"], tags={"k": "v"})):
        with pytest.raises(me.cc.exceptions.ClientError) as ei:
            call()
        assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    # Nothing changed.
    assert root_a.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["repositoryId"] == md["repositoryId"]

    # And the same through the CLI.
    cli.fails(me.creds, "AccessDeniedException", "codecommit", "create-repository", "--repository-name", new)
    out = cli.ok(me.creds, "codecommit", "get-repository", "--repository-name", repo)
    assert out["repositoryMetadata"]["repositoryId"] == md["repositoryId"]


def test_user_without_policies_is_denied_everything_but_get_caller_identity(root_a, make_user):
    repo = uniq("np-repo")
    root_a.cc.create_repository(repositoryName=repo)
    name, me = make_user()
    acct = root_a.account_id
    arn = _user_arn(acct, name)

    ident = me.sts.get_caller_identity()
    assert ident["Arn"] == arn and ident["Account"] == acct

    target = uniq("np-target")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.create_user(UserName=target)
    r = ei.value.response
    assert r["Error"]["Code"] == "AccessDenied"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert r["Error"]["Message"] == denied_message(arn, "iam:CreateUser", _user_arn(acct, target))
    assert request_id(ei.value)

    iam_calls = {
        "iam:ListUsers": (lambda: me.iam.list_users(), None),
        "iam:GetUser": (lambda: me.iam.get_user(UserName=name), arn),
        "iam:ListAccessKeys": (lambda: me.iam.list_access_keys(UserName=name), arn),
        "iam:CreateAccessKey": (lambda: me.iam.create_access_key(UserName=name), arn),
        "iam:AttachUserPolicy": (lambda: me.iam.attach_user_policy(UserName=name, PolicyArn=POWER_USER), arn),
        "iam:ListGroups": (lambda: me.iam.list_groups(), None),
        "iam:ListPolicies": (lambda: me.iam.list_policies(), None),
    }
    for action, (call, resource) in iam_calls.items():
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        r = ei.value.response
        assert r["Error"]["Code"] == "AccessDenied", (action, r)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 403, (action, r)
        if resource is not None:
            assert r["Error"]["Message"] == denied_message(arn, action, resource), (action, r)
        else:
            assert r["Error"]["Message"].startswith(f"User: {arn} is not authorized to perform: {action} on resource: "), (action, r)
            assert r["Error"]["Message"].endswith(f"because no identity-based policy allows the {action} action"), (action, r)

    cc_calls = {
        "codecommit:ListRepositories": lambda: me.cc.list_repositories(),
        "codecommit:GetRepository": lambda: me.cc.get_repository(repositoryName=repo),
        "codecommit:CreateRepository": lambda: me.cc.create_repository(repositoryName=uniq("np")),
        "codecommit:DeleteRepository": lambda: me.cc.delete_repository(repositoryName=repo),
        "codecommit:ListBranches": lambda: me.cc.list_branches(repositoryName=repo),
    }
    for action, call in cc_calls.items():
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        r = ei.value.response
        assert r["Error"]["Code"] == "AccessDeniedException", (action, r)
        assert f"is not authorized to perform: {action}" in r["Error"]["Message"], (action, r)

    # Denied before looked up: a missing repository is not revealed either.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.cc.get_repository(repositoryName=uniq("np-missing"))
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"

    # The repository is untouched.
    assert root_a.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["repositoryName"] == repo


def test_inline_deny_on_user_beats_group_allow(root_a, make_user):
    acct = root_a.account_id
    group = uniq("g-power")
    root_a.iam.create_group(GroupName=group)
    root_a.iam.attach_group_policy(GroupName=group, PolicyArn=POWER_USER)
    deny = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "codecommit:CreateRepository", "Resource": "*"}]}
    name, me = make_user(groups=[group], inline={"no-create": deny})

    existing = uniq("deny-existing")
    root_a.cc.create_repository(repositoryName=existing)

    # The group's PowerUser allow works for everything else …
    assert me.cc.get_repository(repositoryName=existing)["repositoryMetadata"]["repositoryName"] == existing
    me.cc.update_repository_description(repositoryName=existing, repositoryDescription="by group member")
    assert any(r["repositoryName"] == existing for r in me.cc.list_repositories()["repositories"])

    # … but the explicit deny wins for CreateRepository.
    new = uniq("deny-new")
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.create_repository(repositoryName=new)
    r = ei.value.response
    assert r["Error"]["Code"] == "AccessDeniedException"
    assert_denied_message(r["Error"]["Message"], _user_arn(acct, name), "codecommit:CreateRepository",
                          _repo_arn(acct, new), explicit=True, policy="no-create")
    with pytest.raises(root_a.cc.exceptions.RepositoryDoesNotExistException):
        root_a.cc.get_repository(repositoryName=new)

    # Removing the deny restores the group's allow.
    root_a.iam.delete_user_policy(UserName=name, PolicyName="no-create")
    md = me.cc.create_repository(repositoryName=new)["repositoryMetadata"]
    assert md["repositoryName"] == new

    # Leaving the group removes it again (no policy at all now).
    root_a.iam.remove_user_from_group(GroupName=group, UserName=name)
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.get_repository(repositoryName=new)
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"


def test_iam_explicit_deny_and_inline_allow(root_a, make_user):
    acct = root_a.account_id
    allow_all_iam = {"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                                   {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
    name, me = make_user(inline={"iam-admin-but": allow_all_iam})
    users = [u["UserName"] for page in me.iam.get_paginator("list_users").paginate() for u in page["Users"]]
    assert name in users
    assert me.iam.get_user(UserName=name)["User"]["Arn"] == _user_arn(acct, name)
    target = uniq("denied-target")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.create_user(UserName=target)
    r = ei.value.response
    assert r["Error"]["Code"] == "AccessDenied"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert_denied_message(r["Error"]["Message"], _user_arn(acct, name), "iam:CreateUser",
                          _user_arn(acct, target), explicit=True, policy="iam-admin-but")
    # Allowed IAM writes work.
    g = uniq("by-user")
    me.iam.create_group(GroupName=g)
    assert root_a.iam.get_group(GroupName=g)["Group"]["GroupName"] == g


def test_resource_scoped_policy(root_a, make_user):
    acct = root_a.account_id
    mine, other = uniq("scoped-mine"), uniq("scoped-other")
    for n in (mine, other):
        root_a.cc.create_repository(repositoryName=n)
    missing_but_allowed = uniq("scoped-missing")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["codecommit:GetRepository", "codecommit:UpdateRepositoryDescription"],
        "Resource": [_repo_arn(acct, mine), _repo_arn(acct, missing_but_allowed)]}]}
    name, me = make_user(inline={"one-repo": policy})

    assert me.cc.get_repository(repositoryName=mine)["repositoryMetadata"]["repositoryName"] == mine
    me.cc.update_repository_description(repositoryName=mine, repositoryDescription="scoped")
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.get_repository(repositoryName=other)
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    assert ei.value.response["Error"]["Message"] == denied_message(
        _user_arn(acct, name), "codecommit:GetRepository", _repo_arn(acct, other))
    # Allowed and missing: now the caller may learn it does not exist.
    with pytest.raises(me.cc.exceptions.RepositoryDoesNotExistException):
        me.cc.get_repository(repositoryName=missing_but_allowed)
    # Not allowed at all: ListRepositories.
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.list_repositories()
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"


def test_managed_policy_attached_to_group_and_customer_policy(root_a, make_user):
    acct = root_a.account_id
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["codecommit:List*", "codecommit:Get*"], "Resource": "*"}]}
    pol = root_a.iam.create_policy(PolicyName=uniq("cc-read"), PolicyDocument=json.dumps(doc))["Policy"]
    group = uniq("g-read")
    root_a.iam.create_group(GroupName=group)
    root_a.iam.attach_group_policy(GroupName=group, PolicyArn=pol["Arn"])
    _, me = make_user(groups=[group])
    repo = uniq("cust-pol")
    root_a.cc.create_repository(repositoryName=repo)
    assert me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["accountId"] == acct
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.delete_repository(repositoryName=repo)
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"

    # A new default policy version takes effect at once.
    doc2 = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "codecommit:*", "Resource": "*"}]}
    root_a.iam.create_policy_version(PolicyArn=pol["Arn"], PolicyDocument=json.dumps(doc2), SetAsDefault=True)
    assert me.cc.delete_repository(repositoryName=repo)["repositoryId"]

    # Detaching takes effect at once too.
    root_a.iam.detach_group_policy(GroupName=group, PolicyArn=pol["Arn"])
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.list_repositories()
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"


def test_get_caller_identity_cannot_be_denied(make_user):
    deny_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    name, me = make_user(inline={"deny-all": deny_all})
    ident = me.sts.get_caller_identity()
    assert ident["Arn"].endswith(f":user/{name}")
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.list_repositories()
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "explicit deny" in ei.value.response["Error"]["Message"]


def test_explicit_deny_from_a_customer_managed_policy(root_a, make_user):
    acct = root_a.account_id
    deny = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "codecommit:CreateRepository", "Resource": "*"}]}
    pol = root_a.iam.create_policy(PolicyName=uniq("deny-create"), PolicyDocument=json.dumps(deny))["Policy"]
    name, me = make_user(managed=[POWER_USER, pol["Arn"]])
    new = uniq("managed-deny")
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.create_repository(repositoryName=new)
    r = ei.value.response
    assert r["Error"]["Code"] == "AccessDeniedException"
    assert_denied_message(r["Error"]["Message"], _user_arn(acct, name), "codecommit:CreateRepository",
                          _repo_arn(acct, new), explicit=True, policy=pol["Arn"])
    assert "repositories" in me.cc.list_repositories()  # the PowerUser allow still works
