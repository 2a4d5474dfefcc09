"""A4 (CodeCommit): every repository/branch/tag operation gitward serves, through boto3."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from gwtest import UUID_RE, request_id, uniq


def _recent(t: dt.datetime) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return isinstance(t, dt.datetime) and abs((now - t).total_seconds()) < 300


def _err(excinfo: pytest.ExceptionInfo) -> tuple[str, int, str]:
    r = excinfo.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message", "")


def _all_repos(cc, **kw) -> list[dict]:
    return [r for page in cc.get_paginator("list_repositories").paginate(**kw) for r in page["repositories"]]


def test_repository_lifecycle(root_a, server):
    cc, acct = root_a.cc, root_a.account_id
    name = uniq("life")
    resp = cc.create_repository(repositoryName=name, repositoryDescription="first")
    assert request_id(resp)
    md = resp["repositoryMetadata"]
    assert md["repositoryName"] == name
    assert md["repositoryDescription"] == "first"
    assert md["accountId"] == acct
    assert UUID_RE.match(md["repositoryId"]), md
    assert md["Arn"] == f"arn:aws:codecommit:us-east-1:{acct}:{name}"
    assert md["cloneUrlHttp"] == server.clone_url(name)
    assert _recent(md["creationDate"]) and _recent(md["lastModifiedDate"])
    assert "defaultBranch" not in md  # empty repository

    got = cc.get_repository(repositoryName=name)["repositoryMetadata"]
    for k in ("repositoryName", "repositoryId", "repositoryDescription", "accountId", "Arn", "cloneUrlHttp",
              "creationDate"):
        assert got[k] == md[k], (k, got, md)

    with pytest.raises(cc.exceptions.RepositoryNameExistsException) as ei:
        cc.create_repository(repositoryName=name)
    assert _err(ei) == ("RepositoryNameExistsException", 400, f"Repository named {name} already exists")

    cc.update_repository_description(repositoryName=name, repositoryDescription="second")
    assert cc.get_repository(repositoryName=name)["repositoryMetadata"]["repositoryDescription"] == "second"
    cc.update_repository_description(repositoryName=name, repositoryDescription="")

    listed = _all_repos(cc)
    assert {"repositoryName": name, "repositoryId": md["repositoryId"]} in listed

    deleted = cc.delete_repository(repositoryName=name)
    assert deleted["repositoryId"] == md["repositoryId"]
    with pytest.raises(cc.exceptions.RepositoryDoesNotExistException) as ei:
        cc.get_repository(repositoryName=name)
    assert _err(ei) == ("RepositoryDoesNotExistException", 400, f"{name} does not exist")
    assert all(r["repositoryName"] != name for r in _all_repos(cc))
    # Deleting what is gone succeeds and returns no id (as AWS documents).
    again = cc.delete_repository(repositoryName=name)
    assert again.get("repositoryId") in (None, "")
    # The name can be used again, for a new repository.
    md2 = cc.create_repository(repositoryName=name)["repositoryMetadata"]
    assert md2["repositoryId"] != md["repositoryId"]


def test_repository_names_are_case_sensitive(root_a):
    cc = root_a.cc
    base = uniq("case")
    upper = "Up" + base
    lower = "up" + base
    a = cc.create_repository(repositoryName=upper)["repositoryMetadata"]["repositoryId"]
    b = cc.create_repository(repositoryName=lower)["repositoryMetadata"]["repositoryId"]
    assert a != b
    assert cc.get_repository(repositoryName=upper)["repositoryMetadata"]["repositoryId"] == a


@pytest.mark.parametrize("bad", ["../x", "a.git", "x" * 101, "has space", "semi;colon", "sl/ash"])
def test_invalid_repository_names(root_a, bad):
    cc = root_a.cc
    with pytest.raises(cc.exceptions.InvalidRepositoryNameException) as ei:
        cc.create_repository(repositoryName=bad)
    code, status, msg = _err(ei)
    assert (code, status) == ("InvalidRepositoryNameException", 400)
    assert msg.startswith("The repository name is not valid."), msg
    with pytest.raises(cc.exceptions.InvalidRepositoryNameException):
        cc.get_repository(repositoryName=bad)


def test_repository_name_limits_accepted(root_a):
    cc = root_a.cc
    longest = "n" * 89 + uniq("")[1:] + "x"
    assert len(longest) == 100
    for name in (longest, uniq("dots.and_under-scores")):
        md = cc.create_repository(repositoryName=name)["repositoryMetadata"]
        assert md["repositoryName"] == name
        cc.delete_repository(repositoryName=name)


def test_invalid_description(root_a):
    cc = root_a.cc
    with pytest.raises(cc.exceptions.InvalidRepositoryDescriptionException):
        cc.create_repository(repositoryName=uniq("desc"), repositoryDescription="d" * 1001)
    name = uniq("desc-ok")
    cc.create_repository(repositoryName=name, repositoryDescription="d" * 1000)
    with pytest.raises(cc.exceptions.InvalidRepositoryDescriptionException):
        cc.update_repository_description(repositoryName=name, repositoryDescription="d" * 1001)
    with pytest.raises(cc.exceptions.RepositoryDoesNotExistException):
        cc.update_repository_description(repositoryName=uniq("missing"), repositoryDescription="x")


def test_batch_get_repositories(root_a):
    cc = root_a.cc
    a, b, missing = uniq("bg-a"), uniq("bg-b"), uniq("bg-missing")
    ids = {n: cc.create_repository(repositoryName=n)["repositoryMetadata"]["repositoryId"] for n in (a, b)}
    resp = cc.batch_get_repositories(repositoryNames=[a, missing, b])
    got = {r["repositoryName"]: r for r in resp["repositories"]}
    assert set(got) == {a, b}
    assert {n: r["repositoryId"] for n, r in got.items()} == ids
    for r in got.values():
        assert r["Arn"].endswith(":" + r["repositoryName"]) and r["cloneUrlHttp"].endswith("/v1/repos/" + r["repositoryName"])
    assert resp["repositoriesNotFound"] == [missing]


def test_update_repository_name(root_a, server):
    cc, acct = root_a.cc, root_a.account_id
    old, new, taken = uniq("ren-old"), uniq("ren-new"), uniq("ren-taken")
    rid = cc.create_repository(repositoryName=old, tags={"k": "v"})["repositoryMetadata"]["repositoryId"]
    cc.create_repository(repositoryName=taken)
    with pytest.raises(cc.exceptions.RepositoryNameExistsException):
        cc.update_repository_name(oldName=old, newName=taken)
    with pytest.raises(cc.exceptions.RepositoryDoesNotExistException):
        cc.update_repository_name(oldName=uniq("ren-missing"), newName=uniq("ren-x"))
    with pytest.raises(cc.exceptions.InvalidRepositoryNameException):
        cc.update_repository_name(oldName=old, newName="bad.git")

    cc.update_repository_name(oldName=old, newName=new)
    with pytest.raises(cc.exceptions.RepositoryDoesNotExistException):
        cc.get_repository(repositoryName=old)
    md = cc.get_repository(repositoryName=new)["repositoryMetadata"]
    assert md["repositoryId"] == rid
    assert md["Arn"] == f"arn:aws:codecommit:us-east-1:{acct}:{new}"
    assert md["cloneUrlHttp"] == server.clone_url(new)
    assert cc.list_tags_for_resource(resourceArn=md["Arn"])["tags"] == {"k": "v"}


def test_list_repositories_sorting(root_a):
    cc = root_a.cc
    prefix = uniq("sort")
    order_created = [f"{prefix}-c", f"{prefix}-a", f"{prefix}-b"]
    for i, n in enumerate(order_created):
        if i:
            time.sleep(1.1)  # distinct lastModifiedDate even at one-second resolution
        cc.create_repository(repositoryName=n)

    def names(**kw) -> list[str]:
        return [r["repositoryName"] for r in _all_repos(cc, **kw) if r["repositoryName"].startswith(prefix)]

    by_name = sorted(order_created)
    assert sorted(names()) == by_name
    assert names(sortBy="repositoryName", order="ascending") == by_name
    assert names(sortBy="repositoryName", order="descending") == by_name[::-1]
    assert names(sortBy="lastModifiedDate", order="ascending") == order_created
    assert names(sortBy="lastModifiedDate", order="descending") == order_created[::-1]

    full = cc.list_repositories(sortBy="repositoryName", order="ascending")
    all_names = [r["repositoryName"] for r in full["repositories"]]
    for r in full["repositories"]:
        assert set(r) == {"repositoryName", "repositoryId"} and UUID_RE.match(r["repositoryId"])
    assert all_names == sorted(all_names)

    with pytest.raises(cc.exceptions.InvalidSortByException):
        cc.list_repositories(sortBy="size")
    with pytest.raises(cc.exceptions.InvalidOrderException):
        cc.list_repositories(order="sideways")
    with pytest.raises(cc.exceptions.InvalidContinuationTokenException):
        cc.list_repositories(nextToken="not-a-token-gitward-gave")


def test_branches_on_an_empty_repository(root_a):
    cc = root_a.cc
    name = uniq("branches")
    cc.create_repository(repositoryName=name)
    resp = cc.list_branches(repositoryName=name)
    assert resp["branches"] == [] and "nextToken" not in resp

    with pytest.raises(cc.exceptions.BranchDoesNotExistException) as ei:
        cc.get_branch(repositoryName=name, branchName="main")
    assert _err(ei)[:2] == ("BranchDoesNotExistException", 400)
    with pytest.raises(cc.exceptions.CommitDoesNotExistException):
        cc.create_branch(repositoryName=name, branchName="feature", commitId="0123456789abcdef0123456789abcdef01234567")
    with pytest.raises(cc.exceptions.InvalidCommitIdException):
        cc.create_branch(repositoryName=name, branchName="feature", commitId="not-a-commit-id")
    with pytest.raises(cc.exceptions.BranchDoesNotExistException):
        cc.update_default_branch(repositoryName=name, defaultBranchName="main")
    # DeleteBranch models no BranchDoesNotExistException: deleting a missing branch succeeds
    # and reports nothing deleted.
    deleted = cc.delete_branch(repositoryName=name, branchName="nope")
    assert not deleted.get("deletedBranch")
    assert cc.list_branches(repositoryName=name)["branches"] == []

    missing = uniq("branches-missing")
    for call in (lambda: cc.list_branches(repositoryName=missing),
                 lambda: cc.get_branch(repositoryName=missing, branchName="main"),
                 lambda: cc.create_branch(repositoryName=missing, branchName="b",
                                          commitId="0123456789abcdef0123456789abcdef01234567"),
                 lambda: cc.delete_branch(repositoryName=missing, branchName="b"),
                 lambda: cc.update_default_branch(repositoryName=missing, defaultBranchName="main")):
        with pytest.raises(cc.exceptions.RepositoryDoesNotExistException):
            call()


def test_tags(root_a):
    cc, acct = root_a.cc, root_a.account_id
    name = uniq("tagged")
    arn = cc.create_repository(repositoryName=name, tags={"team": "blue"})["repositoryMetadata"]["Arn"]
    resp = cc.list_tags_for_resource(resourceArn=arn)
    assert resp["tags"] == {"team": "blue"} and "nextToken" not in resp
    cc.tag_resource(resourceArn=arn, tags={"env": "dev", "team": "red"})
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev", "team": "red"}
    cc.untag_resource(resourceArn=arn, tagKeys=["team", "not-there"])
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}

    untagged = uniq("untagged")
    arn2 = cc.create_repository(repositoryName=untagged)["repositoryMetadata"]["Arn"]
    assert cc.list_tags_for_resource(resourceArn=arn2)["tags"] == {}

    gone = f"arn:aws:codecommit:us-east-1:{acct}:{uniq('gone')}"
    for call in (lambda: cc.list_tags_for_resource(resourceArn=gone),
                 lambda: cc.tag_resource(resourceArn=gone, tags={"a": "b"}),
                 lambda: cc.untag_resource(resourceArn=gone, tagKeys=["a"])):
        with pytest.raises(cc.exceptions.RepositoryDoesNotExistException):
            call()
    with pytest.raises(cc.exceptions.InvalidResourceArnException):
        cc.list_tags_for_resource(resourceArn="arn:aws:codecommit:us-east-1:not-an-arn")
    with pytest.raises(cc.exceptions.InvalidSystemTagUsageException):
        cc.tag_resource(resourceArn=arn, tags={"aws:reserved": "x"})
    with pytest.raises(cc.exceptions.TooManyTagsException):
        cc.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(51)})
