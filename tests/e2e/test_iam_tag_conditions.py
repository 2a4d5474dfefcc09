"""Issue 4, point 4: the tag condition keys of IAM calls — `aws:RequestTag/*` and
`aws:TagKeys` on create and tag calls, `aws:ResourceTag/*` on calls about an existing user or
role — as in the IAM User Guide's "Controlling access to and for IAM users and roles using
tags" examples."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from gwtest import uniq


def _code(ei) -> str:
    return ei.value.response["Error"]["Code"]


def test_request_tags_and_tag_keys_on_create_and_tag(root_a, make_user):
    acct = root_a.account_id
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:TagUser"],
         "Resource": f"arn:aws:iam::{acct}:user/*",
         "Condition": {"StringEquals": {"aws:RequestTag/Department": "Eng"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["Department"]}}},
        {"Effect": "Allow", "Action": "iam:UntagUser", "Resource": f"arn:aws:iam::{acct}:user/*",
         "Condition": {"StringEquals": {"aws:ResourceTag/Department": "Eng"}}}]}
    _, admin = make_user(inline={"tags": policy})
    ok = uniq("tagged")
    admin.iam.create_user(UserName=ok, Tags=[{"Key": "Department", "Value": "Eng"}])
    for tags in ([{"Key": "Department", "Value": "Ops"}],
                 [{"Key": "Department", "Value": "Eng"}, {"Key": "Cost", "Value": "1"}],
                 []):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            admin.iam.create_user(UserName=uniq("no"), Tags=tags)
        assert _code(ei) == "AccessDenied", tags
    admin.iam.tag_user(UserName=ok, Tags=[{"Key": "Department", "Value": "Eng"}])
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        admin.iam.tag_user(UserName=ok, Tags=[{"Key": "Department", "Value": "Ops"}])
    assert _code(ei) == "AccessDenied"
    # UntagUser is allowed on users tagged Department=Eng only.
    other = uniq("other")
    root_a.iam.create_user(UserName=other, Tags=[{"Key": "Department", "Value": "Ops"}])
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        admin.iam.untag_user(UserName=other, TagKeys=["Department"])
    assert _code(ei) == "AccessDenied"
    admin.iam.untag_user(UserName=ok, TagKeys=["Department"])
    assert root_a.iam.list_user_tags(UserName=ok)["Tags"] == []


def test_resource_tags_of_roles(root_a, make_user):
    acct = root_a.account_id
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"}]})
    mine, theirs = uniq("mine"), uniq("theirs")
    root_a.iam.create_role(RoleName=mine, AssumeRolePolicyDocument=trust, Tags=[{"Key": "Owner", "Value": "me"}])
    root_a.iam.create_role(RoleName=theirs, AssumeRolePolicyDocument=trust)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:UpdateRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:ResourceTag/Owner": "me"}}}]}
    _, me = make_user(inline={"own": policy})
    me.iam.update_role(RoleName=mine, Description="mine")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.update_role(RoleName=theirs, Description="not mine")
    assert _code(ei) == "AccessDenied"
