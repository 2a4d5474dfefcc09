"""A4 (IAM): every IAM operation gitward serves, through boto3, with AWS's shapes and errors."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.exceptions
import pytest

from gwtest import (
    ACCESS_KEY_RE,
    FULL_ACCESS,
    GROUP_ID_RE,
    POLICY_ID_RE,
    POWER_USER,
    READ_ONLY,
    USER_ID_RE,
    query_headers,
    request_id,
    uniq,
)

CC_DOC = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "codecommit:GetRepository", "Resource": "*"}]}
CC_DOC_2 = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["codecommit:Get*", "codecommit:List*"], "Resource": "*"}]}


def _recent(t: dt.datetime) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return isinstance(t, dt.datetime) and abs((now - t).total_seconds()) < 300


def _err(excinfo: pytest.ExceptionInfo) -> tuple[str, int, str]:
    r = excinfo.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


# -- users -----------------------------------------------------------------------------------

def test_user_lifecycle(root_a):
    iam, acct = root_a.iam, root_a.account_id
    name = uniq("life")
    path = f"/{uniq('p')}/"
    resp = iam.create_user(UserName=name, Path=path, Tags=[{"Key": "team", "Value": "blue"}])
    assert request_id(resp)
    u = resp["User"]
    assert u["UserName"] == name
    assert u["Path"] == path
    assert u["Arn"] == f"arn:aws:iam::{acct}:user{path}{name}"
    assert USER_ID_RE.match(u["UserId"]), u
    assert _recent(u["CreateDate"]), u
    assert u.get("Tags") == [{"Key": "team", "Value": "blue"}]

    got = iam.get_user(UserName=name)["User"]
    for k in ("UserName", "Path", "Arn", "UserId", "CreateDate"):
        assert got[k] == u[k], (k, got, u)
    assert got.get("Tags") == [{"Key": "team", "Value": "blue"}]

    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as ei:
        iam.create_user(UserName=name)
    assert _err(ei)[:2] == ("EntityAlreadyExists", 409)
    # User names are unique case-insensitively.
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName=name.upper())

    listed = [x for page in iam.get_paginator("list_users").paginate(PathPrefix=path) for x in page["Users"]]
    assert [x["UserName"] for x in listed] == [name]
    assert listed[0]["UserId"] == u["UserId"] and listed[0]["Arn"] == u["Arn"]

    # Rename and move.
    new_name, new_path = uniq("renamed"), f"/{uniq('moved')}/"
    iam.update_user(UserName=name, NewUserName=new_name, NewPath=new_path)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=name)
    moved = iam.get_user(UserName=new_name)["User"]
    assert moved["UserId"] == u["UserId"]
    assert moved["Path"] == new_path
    assert moved["Arn"] == f"arn:aws:iam::{acct}:user{new_path}{new_name}"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_user(UserName=name, NewUserName=uniq("x"))

    iam.delete_user(UserName=new_name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as ei:
        iam.get_user(UserName=new_name)
    assert _err(ei) == ("NoSuchEntity", 404, f"The user with name {new_name} cannot be found.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_user(UserName=new_name)


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "semi;colon", "slash/name"])
def test_user_name_validation(root_a, bad):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_a.iam.create_user(UserName=bad)
    code, status, _ = _err(ei)
    assert (code, status) == ("ValidationError", 400), ei.value.response


def test_user_name_limits_accepted(root_a):
    name = ("m" * 54) + uniq("")[1:]  # 64 characters
    assert len(name) == 64
    odd = uniq("a+b=c,d.e@f_g")
    for n in (name, odd):
        u = root_a.iam.create_user(UserName=n)["User"]
        assert u["UserName"] == n
        root_a.iam.delete_user(UserName=n)


def test_list_users_pagination(root_a):
    iam = root_a.iam
    path = f"/{uniq('page')}/"
    names = sorted(uniq(f"pg{i}") for i in range(5))
    for n in names:
        iam.create_user(UserName=n, Path=path)
    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        kw = {"PathPrefix": path, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        resp = iam.list_users(**kw)
        pages += 1
        assert len(resp["Users"]) <= 2
        seen += [u["UserName"] for u in resp["Users"]]
        if not resp["IsTruncated"]:
            assert "Marker" not in resp
            break
        assert len(resp["Users"]) == 2
        marker = resp["Marker"]
        assert marker
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == names and len(seen) == len(set(seen))
    # The boto3 paginator (MaxItems/Marker under the hood) sees the same.
    via_paginator = [u["UserName"] for p in iam.get_paginator("list_users").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2}) for u in p["Users"]]
    assert sorted(via_paginator) == names
    # Everything is listed without a prefix too.
    everyone = {u["UserName"] for p in iam.get_paginator("list_users").paginate() for u in p["Users"]}
    assert set(names) <= everyone


def test_user_tags(root_a):
    iam = root_a.iam
    name = uniq("tags")
    iam.create_user(UserName=name)
    assert iam.list_user_tags(UserName=name)["Tags"] == []
    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "red"}])
    resp = iam.list_user_tags(UserName=name)
    assert sorted(resp["Tags"], key=lambda t: t["Key"]) == [{"Key": "env", "Value": "dev"},
                                                             {"Key": "team", "Value": "red"}]
    assert resp["IsTruncated"] is False
    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "prod"}])  # overwrite
    iam.untag_user(UserName=name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert iam.get_user(UserName=name)["User"].get("Tags") == [{"Key": "env", "Value": "prod"}]
    missing = uniq("nobody")
    for call in (lambda: iam.tag_user(UserName=missing, Tags=[{"Key": "a", "Value": "b"}]),
                 lambda: iam.untag_user(UserName=missing, TagKeys=["a"]),
                 lambda: iam.list_user_tags(UserName=missing)):
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            call()


def test_delete_user_conflicts(root_a):
    iam = root_a.iam
    name = uniq("conflict")
    iam.create_user(UserName=name)
    group = uniq("conflict-g")
    iam.create_group(GroupName=group)

    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    with pytest.raises(iam.exceptions.DeleteConflictException) as ei:
        iam.delete_user(UserName=name)
    assert _err(ei)[:2] == ("DeleteConflict", 409)
    iam.delete_access_key(UserName=name, AccessKeyId=key)

    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName=name)
    iam.detach_user_policy(UserName=name, PolicyArn=READ_ONLY)

    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(CC_DOC))
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName=name)
    iam.delete_user_policy(UserName=name, PolicyName="inline")

    iam.add_user_to_group(GroupName=group, UserName=name)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName=name)
    iam.remove_user_from_group(GroupName=group, UserName=name)

    iam.delete_user(UserName=name)
    iam.delete_group(GroupName=group)


# -- groups ----------------------------------------------------------------------------------

def test_groups(root_a):
    iam, acct = root_a.iam, root_a.account_id
    group = uniq("grp")
    path = f"/{uniq('gp')}/"
    g = iam.create_group(GroupName=group, Path=path)["Group"]
    assert g["GroupName"] == group
    assert g["Path"] == path
    assert g["Arn"] == f"arn:aws:iam::{acct}:group{path}{group}"
    assert GROUP_ID_RE.match(g["GroupId"]), g
    assert _recent(g["CreateDate"])
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as ei:
        iam.create_group(GroupName=group)
    assert _err(ei)[:2] == ("EntityAlreadyExists", 409)

    u1, u2 = uniq("gm1"), uniq("gm2")
    for u in (u1, u2):
        iam.create_user(UserName=u)
        iam.add_user_to_group(GroupName=group, UserName=u)
    iam.add_user_to_group(GroupName=group, UserName=u1)  # adding twice is a no-op

    got = iam.get_group(GroupName=group)
    assert got["Group"]["GroupId"] == g["GroupId"] and got["Group"]["Arn"] == g["Arn"]
    assert sorted(x["UserName"] for x in got["Users"]) == sorted([u1, u2])
    assert got["IsTruncated"] is False

    listed = [x for p in iam.get_paginator("list_groups").paginate(PathPrefix=path) for x in p["Groups"]]
    assert [x["GroupName"] for x in listed] == [group]
    assert any(x["GroupName"] == group for p in iam.get_paginator("list_groups").paginate() for x in p["Groups"])

    mine = iam.list_groups_for_user(UserName=u1)
    assert [x["GroupName"] for x in mine["Groups"]] == [group]
    assert mine["Groups"][0]["Arn"] == g["Arn"]
    assert mine["IsTruncated"] is False

    with pytest.raises(iam.exceptions.DeleteConflictException) as ei:
        iam.delete_group(GroupName=group)
    assert _err(ei)[:2] == ("DeleteConflict", 409)

    iam.remove_user_from_group(GroupName=group, UserName=u1)
    assert iam.list_groups_for_user(UserName=u1)["Groups"] == []
    assert [x["UserName"] for x in iam.get_group(GroupName=group)["Users"]] == [u2]
    iam.remove_user_from_group(GroupName=group, UserName=u2)

    iam.delete_group(GroupName=group)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as ei:
        iam.get_group(GroupName=group)
    assert _err(ei)[:2] == ("NoSuchEntity", 404)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_group(GroupName=group)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.add_user_to_group(GroupName=group, UserName=u1)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.add_user_to_group(GroupName=uniq("g"), UserName=u1)
    other = uniq("g2")
    iam.create_group(GroupName=other)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.add_user_to_group(GroupName=other, UserName=uniq("nouser"))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_groups_for_user(UserName=uniq("nouser"))


def test_group_with_attached_policy_cannot_be_deleted(root_a):
    iam = root_a.iam
    group = uniq("grp-pol")
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn=READ_ONLY)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_group(GroupName=group)
    iam.detach_group_policy(GroupName=group, PolicyArn=READ_ONLY)
    iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=json.dumps(CC_DOC))
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_group(GroupName=group)
    iam.delete_group_policy(GroupName=group, PolicyName="inline")
    iam.delete_group(GroupName=group)


# -- access keys -----------------------------------------------------------------------------

def test_access_keys(root_a, server):
    iam, acct = root_a.iam, root_a.account_id
    name = uniq("keys")
    iam.create_user(UserName=name)
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []

    k1 = iam.create_access_key(UserName=name)["AccessKey"]
    assert k1["UserName"] == name and k1["Status"] == "Active"
    assert ACCESS_KEY_RE.match(k1["AccessKeyId"]) and len(k1["SecretAccessKey"]) == 40
    assert _recent(k1["CreateDate"])
    k2 = iam.create_access_key(UserName=name)["AccessKey"]
    assert k2["AccessKeyId"] != k1["AccessKeyId"] and k2["SecretAccessKey"] != k1["SecretAccessKey"]

    with pytest.raises(iam.exceptions.LimitExceededException) as ei:
        iam.create_access_key(UserName=name)
    assert _err(ei) == ("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")

    meta = iam.list_access_keys(UserName=name)
    assert meta["IsTruncated"] is False
    by_id = {m["AccessKeyId"]: m for m in meta["AccessKeyMetadata"]}
    assert set(by_id) == {k1["AccessKeyId"], k2["AccessKeyId"]}
    for m in by_id.values():
        assert m["UserName"] == name and m["Status"] == "Active" and "SecretAccessKey" not in m

    last = iam.get_access_key_last_used(AccessKeyId=k1["AccessKeyId"])
    assert last["UserName"] == name
    assert last["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert last["AccessKeyLastUsed"]["Region"] == "N/A"
    assert "LastUsedDate" not in last["AccessKeyLastUsed"]
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_access_key_last_used(AccessKeyId="AKIAZZZZZZZZZZZZZZZZ")

    # Both keys authenticate.
    from gwtest import Creds
    for k in (k1, k2):
        ident = server.client("sts", Creds(acct, k["AccessKeyId"], k["SecretAccessKey"])).get_caller_identity()
        assert ident["Arn"] == f"arn:aws:iam::{acct}:user/{name}"

    iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    st = {m["AccessKeyId"]: m["Status"] for m in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}
    assert st == {k1["AccessKeyId"]: "Inactive", k2["AccessKeyId"]: "Active"}
    iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Active")

    iam.delete_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"])
    ids = [m["AccessKeyId"] for m in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]]
    assert ids == [k2["AccessKeyId"]]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"])
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.create_access_key(UserName=uniq("nouser"))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_access_keys(UserName=uniq("nouser"))
    # A deleted key stops working.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        server.client("sts", Creds(acct, k1["AccessKeyId"], k1["SecretAccessKey"])).get_caller_identity()
    assert _err(ei)[:2] == ("InvalidClientTokenId", 403)


# -- managed policies ------------------------------------------------------------------------

def test_customer_managed_policy_lifecycle(root_a):
    iam, acct = root_a.iam, root_a.account_id
    pname = uniq("pol")
    path = f"/{uniq('pp')}/"
    p = iam.create_policy(PolicyName=pname, Path=path, PolicyDocument=json.dumps(CC_DOC),
                          Description="e2e policy")["Policy"]
    arn = f"arn:aws:iam::{acct}:policy{path}{pname}"
    assert p["PolicyName"] == pname and p["Arn"] == arn and p["Path"] == path
    assert POLICY_ID_RE.match(p["PolicyId"]), p
    assert p["DefaultVersionId"] == "v1"
    assert p["AttachmentCount"] == 0
    assert p["IsAttachable"] is True
    assert _recent(p["CreateDate"]) and _recent(p["UpdateDate"])

    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as ei:
        iam.create_policy(PolicyName=pname, Path=path, PolicyDocument=json.dumps(CC_DOC))
    assert _err(ei)[:2] == ("EntityAlreadyExists", 409)

    got = iam.get_policy(PolicyArn=arn)["Policy"]
    for k in ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount", "IsAttachable"):
        assert got[k] == p[k], (k, got, p)
    assert got.get("Description") == "e2e policy"

    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["VersionId"] == "v1" and v1["IsDefaultVersion"] is True
    assert v1["Document"] == CC_DOC
    assert _recent(v1["CreateDate"])

    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(CC_DOC_2),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["IsDefaultVersion"] is False
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == CC_DOC_2
    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(CC_DOC))["PolicyVersion"]
    assert v3["VersionId"] == "v3" and v3["IsDefaultVersion"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(CC_DOC))
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(CC_DOC))
    with pytest.raises(iam.exceptions.LimitExceededException) as ei:  # at most 5 versions
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(CC_DOC))
    assert _err(ei)[:2] == ("LimitExceeded", 409)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy_version(PolicyArn=arn, VersionId="v9")

    # Attach to a user and a group.
    user, group = uniq("pu"), uniq("pg")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    au = iam.list_attached_user_policies(UserName=user)
    assert au["AttachedPolicies"] == [{"PolicyName": pname, "PolicyArn": arn}] and au["IsTruncated"] is False
    ag = iam.list_attached_group_policies(GroupName=group)
    assert ag["AttachedPolicies"] == [{"PolicyName": pname, "PolicyArn": arn}] and ag["IsTruncated"] is False

    local = [x for pg in iam.get_paginator("list_policies").paginate(Scope="Local", PathPrefix=path)
             for x in pg["Policies"]]
    assert [x["Arn"] for x in local] == [arn]
    attached_only = [x["Arn"] for pg in iam.get_paginator("list_policies").paginate(
        Scope="Local", OnlyAttached=True) for x in pg["Policies"]]
    assert arn in attached_only

    with pytest.raises(iam.exceptions.DeleteConflictException) as ei:
        iam.delete_policy(PolicyArn=arn)
    assert _err(ei)[:2] == ("DeleteConflict", 409)
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == []
    assert iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.detach_user_policy(UserName=user, PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    unattached = [x["Arn"] for pg in iam.get_paginator("list_policies").paginate(
        Scope="Local", OnlyAttached=True) for x in pg["Policies"]]
    assert arn not in unattached

    # A policy with non-default versions cannot be deleted (DeletePolicyVersion first).
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_policy(PolicyArn=arn)

    # A single-version policy can.
    single = iam.create_policy(PolicyName=uniq("single"), PolicyDocument=json.dumps(CC_DOC))["Policy"]["Arn"]
    iam.delete_policy(PolicyArn=single)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as ei:
        iam.get_policy(PolicyArn=single)
    assert _err(ei)[:2] == ("NoSuchEntity", 404)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_policy(PolicyArn=single)


def test_attach_errors(root_a):
    iam, acct = root_a.iam, root_a.account_id
    user = uniq("att")
    iam.create_user(UserName=user)
    missing_policy = f"arn:aws:iam::{acct}:policy/{uniq('nope')}"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName=user, PolicyArn=missing_policy)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName=uniq("nouser"), PolicyArn=READ_ONLY)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_group_policy(GroupName=uniq("nogroup"), PolicyArn=READ_ONLY)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/NoSuchManagedPolicyE2E")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_attached_user_policies(UserName=uniq("nouser"))
    # Attaching twice is idempotent.
    iam.attach_user_policy(UserName=user, PolicyArn=READ_ONLY)
    iam.attach_user_policy(UserName=user, PolicyArn=READ_ONLY)
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == [
        {"PolicyName": "AWSCodeCommitReadOnly", "PolicyArn": READ_ONLY}]


@pytest.mark.parametrize("doc", [
    "this is not json",
    json.dumps({"Version": "2012-10-17",
                "Statement": [{"Effect": "Maybe", "Action": "codecommit:*", "Resource": "*"}]}),
    json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
])
def test_malformed_policy_documents(root_a, doc):
    iam = root_a.iam
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as ei:
        iam.create_policy(PolicyName=uniq("bad"), PolicyDocument=doc)
    assert _err(ei)[:2] == ("MalformedPolicyDocument", 400)
    user = uniq("badinline")
    iam.create_user(UserName=user)
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=doc)
    good = iam.create_policy(PolicyName=uniq("good"), PolicyDocument=json.dumps(CC_DOC))["Policy"]["Arn"]
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy_version(PolicyArn=good, PolicyDocument=doc)


def test_aws_managed_codecommit_policies(root_a):
    iam = root_a.iam
    for arn, name in ((FULL_ACCESS, "AWSCodeCommitFullAccess"), (POWER_USER, "AWSCodeCommitPowerUser"),
                      (READ_ONLY, "AWSCodeCommitReadOnly")):
        p = iam.get_policy(PolicyArn=arn)["Policy"]
        assert p["Arn"] == arn and p["PolicyName"] == name and p["Path"] == "/"
        assert p["IsAttachable"] is True
        assert p["DefaultVersionId"].startswith("v") and p["DefaultVersionId"][1:].isdigit()
        v = iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
        assert v["IsDefaultVersion"] is True
        stmts = v["Document"]["Statement"]
        actions = set()
        for s in stmts:
            a = s.get("Action", [])
            actions |= set([a] if isinstance(a, str) else a)
        if name == "AWSCodeCommitFullAccess":
            assert "codecommit:*" in actions
        elif name == "AWSCodeCommitPowerUser":
            assert {"codecommit:Create*", "codecommit:Get*", "codecommit:GitPush"} <= actions
            assert "codecommit:*" not in actions and "codecommit:DeleteRepository" not in actions
        else:
            assert {"codecommit:Get*", "codecommit:List*", "codecommit:GitPull"} <= actions
            assert not any(a.startswith("codecommit:Create") or a == "codecommit:GitPush" for a in actions)

    aws_scope = {x["Arn"] for pg in iam.get_paginator("list_policies").paginate(Scope="AWS") for x in pg["Policies"]}
    assert {FULL_ACCESS, POWER_USER, READ_ONLY} <= aws_scope
    local = {x["Arn"] for pg in iam.get_paginator("list_policies").paginate(Scope="Local") for x in pg["Policies"]}
    assert not local & {FULL_ACCESS, POWER_USER, READ_ONLY}
    everything = {x["Arn"] for pg in iam.get_paginator("list_policies").paginate() for x in pg["Policies"]}
    assert {FULL_ACCESS, POWER_USER, READ_ONLY} <= everything


# -- inline policies -------------------------------------------------------------------------

def test_inline_user_policies(root_a, server, accounts):
    iam = root_a.iam
    user = uniq("inl")
    iam.create_user(UserName=user)
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []
    iam.put_user_policy(UserName=user, PolicyName="b-pol", PolicyDocument=json.dumps(CC_DOC))
    iam.put_user_policy(UserName=user, PolicyName="a-pol", PolicyDocument=json.dumps(CC_DOC_2))
    listed = iam.list_user_policies(UserName=user)
    assert sorted(listed["PolicyNames"]) == ["a-pol", "b-pol"] and listed["IsTruncated"] is False
    got = iam.get_user_policy(UserName=user, PolicyName="b-pol")
    assert got["UserName"] == user and got["PolicyName"] == "b-pol" and got["PolicyDocument"] == CC_DOC
    # Put again replaces.
    iam.put_user_policy(UserName=user, PolicyName="b-pol", PolicyDocument=json.dumps(CC_DOC_2))
    assert iam.get_user_policy(UserName=user, PolicyName="b-pol")["PolicyDocument"] == CC_DOC_2

    # On the wire the document is URL-encoded JSON, as AWS sends it.
    body = urllib.parse.urlencode({"Action": "GetUserPolicy", "Version": "2010-05-08",
                                   "UserName": user, "PolicyName": "a-pol"}).encode()
    r = server.signed_raw(accounts.a, "iam", body, query_headers())
    assert r.status == 200, r.body
    doc_el = ET.fromstring(r.body).find(".//{*}PolicyDocument")
    assert doc_el is not None, r.body
    assert doc_el.text.startswith("%7B"), doc_el.text
    assert json.loads(urllib.parse.unquote(doc_el.text)) == CC_DOC_2

    iam.delete_user_policy(UserName=user, PolicyName="b-pol")
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["a-pol"]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user_policy(UserName=user, PolicyName="b-pol")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_user_policy(UserName=user, PolicyName="b-pol")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.put_user_policy(UserName=uniq("nouser"), PolicyName="p", PolicyDocument=json.dumps(CC_DOC))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_user_policies(UserName=uniq("nouser"))


def test_inline_group_policies(root_a):
    iam = root_a.iam
    group = uniq("ginl")
    iam.create_group(GroupName=group)
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == []
    iam.put_group_policy(GroupName=group, PolicyName="gp", PolicyDocument=json.dumps(CC_DOC))
    listed = iam.list_group_policies(GroupName=group)
    assert listed["PolicyNames"] == ["gp"] and listed["IsTruncated"] is False
    got = iam.get_group_policy(GroupName=group, PolicyName="gp")
    assert got["GroupName"] == group and got["PolicyName"] == "gp" and got["PolicyDocument"] == CC_DOC
    iam.put_group_policy(GroupName=group, PolicyName="gp", PolicyDocument=json.dumps(CC_DOC_2))
    assert iam.get_group_policy(GroupName=group, PolicyName="gp")["PolicyDocument"] == CC_DOC_2
    iam.delete_group_policy(GroupName=group, PolicyName="gp")
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_group_policy(GroupName=group, PolicyName="gp")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_group_policy(GroupName=group, PolicyName="gp")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.put_group_policy(GroupName=group, PolicyName="gp", PolicyDocument="{")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.put_group_policy(GroupName=uniq("nogroup"), PolicyName="p", PolicyDocument=json.dumps(CC_DOC))


def test_iam_and_sts_accept_any_signing_region(server, accounts):
    for region in ("eu-west-1", "ap-southeast-2"):
        ident = server.client("sts", accounts.a, region=region).get_caller_identity()
        assert ident["Account"] == accounts.a.account_id
        users = server.client("iam", accounts.a, region=region).list_users(MaxItems=1)
        assert "Users" in users
