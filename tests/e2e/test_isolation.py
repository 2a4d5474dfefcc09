"""A6: two accounts on one server see and touch nothing of each other."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from gwtest import FULL_ACCESS, uniq


def _code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_iam_isolation(root_a, root_b):
    a_acct, b_acct = root_a.account_id, root_b.account_id
    assert a_acct != b_acct
    assert root_b.sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{b_acct}:root"

    only_a = uniq("only-a")
    root_a.iam.create_user(UserName=only_a)
    with pytest.raises(root_b.iam.exceptions.NoSuchEntityException):
        root_b.iam.get_user(UserName=only_a)
    with pytest.raises(root_b.iam.exceptions.NoSuchEntityException):
        root_b.iam.delete_user(UserName=only_a)
    with pytest.raises(root_b.iam.exceptions.NoSuchEntityException):
        root_b.iam.create_access_key(UserName=only_a)
    b_users = {u["UserName"] for p in root_b.iam.get_paginator("list_users").paginate() for u in p["Users"]}
    assert only_a not in b_users
    assert root_a.iam.get_user(UserName=only_a)["User"]["UserName"] == only_a  # untouched

    # The same name is free in the other account, with its own ARN and id.
    shared = uniq("shared")
    ua = root_a.iam.create_user(UserName=shared)["User"]
    ub = root_b.iam.create_user(UserName=shared)["User"]
    assert ua["Arn"] == f"arn:aws:iam::{a_acct}:user/{shared}"
    assert ub["Arn"] == f"arn:aws:iam::{b_acct}:user/{shared}"
    assert ua["UserId"] != ub["UserId"]
    root_b.iam.delete_user(UserName=shared)
    assert root_a.iam.get_user(UserName=shared)["User"]["UserId"] == ua["UserId"]

    # Groups and customer policies too.
    g = uniq("only-a-group")
    root_a.iam.create_group(GroupName=g)
    with pytest.raises(root_b.iam.exceptions.NoSuchEntityException):
        root_b.iam.get_group(GroupName=g)
    doc = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Allow", "Action": "codecommit:*", "Resource": "*"}]})
    pol = root_a.iam.create_policy(PolicyName=uniq("only-a-pol"), PolicyDocument=doc)["Policy"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_b.iam.get_policy(PolicyArn=pol)
    assert _code(ei) in ("NoSuchEntity", "AccessDenied"), ei.value.response
    b_user = uniq("b-user")
    root_b.iam.create_user(UserName=b_user)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_b.iam.attach_user_policy(UserName=b_user, PolicyArn=pol)
    assert _code(ei) in ("NoSuchEntity", "AccessDenied"), ei.value.response
    assert root_b.iam.list_attached_user_policies(UserName=b_user)["AttachedPolicies"] == []


def test_iam_user_with_full_iam_rights_stays_in_its_account(root_a, root_b, make_user):
    only_b = uniq("only-b")
    root_b.iam.create_user(UserName=only_b)
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    _, me = make_user(inline={"admin": admin})  # a user of account A
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.get_user(UserName=only_b)
    assert _code(ei) in ("NoSuchEntity", "AccessDenied"), ei.value.response
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.delete_user(UserName=only_b)
    assert _code(ei) in ("NoSuchEntity", "AccessDenied"), ei.value.response
    assert root_b.iam.get_user(UserName=only_b)["User"]["UserName"] == only_b


def test_codecommit_isolation(root_a, root_b, make_user):
    a_acct, b_acct = root_a.account_id, root_b.account_id
    only_a = uniq("repo-only-a")
    md_a = root_a.cc.create_repository(repositoryName=only_a, tags={"owner": "a"})["repositoryMetadata"]

    with pytest.raises(root_b.cc.exceptions.RepositoryDoesNotExistException):
        root_b.cc.get_repository(repositoryName=only_a)
    with pytest.raises(root_b.cc.exceptions.RepositoryDoesNotExistException):
        root_b.cc.update_repository_description(repositoryName=only_a, repositoryDescription="b was here")
    with pytest.raises(root_b.cc.exceptions.RepositoryDoesNotExistException):
        root_b.cc.list_branches(repositoryName=only_a)
    # Deleting a name B does not have is a no-op for B, and A's repository survives.
    assert root_b.cc.delete_repository(repositoryName=only_a).get("repositoryId") in (None, "")
    assert root_a.cc.get_repository(repositoryName=only_a)["repositoryMetadata"]["repositoryId"] == md_a["repositoryId"]
    got = root_b.cc.batch_get_repositories(repositoryNames=[only_a])
    assert got["repositories"] == [] and got["repositoriesNotFound"] == [only_a]
    assert only_a not in {r["repositoryName"] for p in root_b.cc.get_paginator("list_repositories").paginate()
                          for r in p["repositories"]}

    # Cross-account ARNs are refused.
    for call in (lambda: root_b.cc.list_tags_for_resource(resourceArn=md_a["Arn"]),
                 lambda: root_b.cc.tag_resource(resourceArn=md_a["Arn"], tags={"owner": "b"}),
                 lambda: root_b.cc.untag_resource(resourceArn=md_a["Arn"], tagKeys=["owner"])):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        assert _code(ei) == "AccessDeniedException", ei.value.response
    assert root_a.cc.list_tags_for_resource(resourceArn=md_a["Arn"])["tags"] == {"owner": "a"}

    # The same name in B is a different repository.
    md_b = root_b.cc.create_repository(repositoryName=only_a)["repositoryMetadata"]
    assert md_b["repositoryId"] != md_a["repositoryId"]
    assert md_b["accountId"] == b_acct and md_a["accountId"] == a_acct
    assert md_b["Arn"] == f"arn:aws:codecommit:us-east-1:{b_acct}:{only_a}"
    root_b.cc.update_repository_description(repositoryName=only_a, repositoryDescription="b's")
    assert root_a.cc.get_repository(repositoryName=only_a)["repositoryMetadata"].get("repositoryDescription") != "b's"
    root_b.cc.delete_repository(repositoryName=only_a)
    assert root_a.cc.get_repository(repositoryName=only_a)["repositoryMetadata"]["repositoryId"] == md_a["repositoryId"]

    # An account-A user with codecommit:* everywhere still cannot reach B's repositories.
    only_b = uniq("repo-only-b")
    md_only_b = root_b.cc.create_repository(repositoryName=only_b)["repositoryMetadata"]
    _, me = make_user(managed=[FULL_ACCESS])
    with pytest.raises(me.cc.exceptions.RepositoryDoesNotExistException):
        me.cc.get_repository(repositoryName=only_b)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.cc.list_tags_for_resource(resourceArn=md_only_b["Arn"])
    assert _code(ei) == "AccessDeniedException"
    assert root_b.cc.get_repository(repositoryName=only_b)["repositoryMetadata"]["repositoryId"] == md_only_b["repositoryId"]
