"""Git over HTTPS (issue 3): the real `git` with the `aws codecommit credential-helper`, the
SigV4 git password, GitPull/GitPush per ref, streaming, gzip, CodeCommit's push rules.

git runs isolated from the machine: HOME is a temporary dir, no system config, no prompts.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import hmac
import json
import os
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from gwtest import POWER_USER, READ_ONLY, Creds, Server, aws_cli_path, uniq

HELPER = "!aws codecommit credential-helper --ignore-host-check $@"


# -- the SigV4 git password (FACTS §2.1), computed independently of the server ------------------

def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def git_password(secret: str, host: str, path: str, when: datetime.datetime,
                 region: str = "us-east-1") -> str:
    ts = when.strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    scope = f"{ts[:8]}/{region}/codecommit/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(("AWS4" + secret).encode(), ts[:8])
    for part in (region, "codecommit", "aws4_request"):
        key = _hmac(key, part)
    return f"{ts}Z{hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()}"


def test_password_algorithm_matches_facts_vectors():
    when = datetime.datetime(2015, 8, 30, 12, 36, 0)
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    path = "/v1/repos/MyDemoRepo"
    assert git_password(secret, "git-codecommit.us-east-1.amazonaws.com", path, when) == (
        "20150830T123600Z088fec8c788f892e6cb940f22a736b224a5a5de18925fa5f02413a1bb215c389")
    assert git_password(secret, "localhost", path, when) == (
        "20150830T123600Z073c6522052709de3318c956452075214fa44b2407e1b52f2525aac43cebd3e8")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# -- running git ------------------------------------------------------------------------------

class Git:
    """The real git, isolated: its own HOME, no system config, never prompting; credentials
    from the aws CLI's credential helper (with `creds`) or from the URL."""

    def __init__(self, server: Server, home: Path, creds: Creds | None, protocol: int = 2):
        self.server = server
        self.home = home
        self.creds = creds
        self.protocol = protocol
        home.mkdir(parents=True, exist_ok=True)
        (home / ".aws").mkdir(exist_ok=True)
        for f in ("config", "credentials"):
            (home / ".aws" / f).touch()

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            "PATH": os.pathsep.join([str(Path(aws_cli_path()).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "t@example.com",
            "AWS_CONFIG_FILE": str(self.home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / ".aws" / "credentials"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "LC_ALL": "C",
        }
        if self.creds is not None:
            env["AWS_ACCESS_KEY_ID"] = self.creds.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = self.creds.secret_access_key
        env.update(extra or {})
        return env

    def config_args(self) -> list[str]:
        args = ["-c", f"protocol.version={self.protocol}", "-c", "init.defaultBranch=main",
                "-c", "advice.detachedHead=false"]
        if self.creds is not None:
            args += ["-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
        if not self.server.insecure_http:
            args += ["-c", f"http.sslCAInfo={self.server.ca_bundle}"]
        return args

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *self.config_args(), *args], cwd=cwd, env=self.env(env),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def ok(self, *args: str, **kw: Any) -> str:
        p = self.run(*args, **kw)
        assert p.returncode == 0, f"git {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        return p.stdout + p.stderr

    def fails(self, *args: str, **kw: Any) -> str:
        p = self.run(*args, **kw)
        assert p.returncode != 0, f"git {' '.join(args)} unexpectedly succeeded:\n{p.stdout}\n{p.stderr}"
        return p.stdout + p.stderr

    def clone(self, name: str, dest: Path, url: str | None = None) -> Path:
        self.ok("clone", url or self.server.clone_url(name), str(dest))
        return dest

    def commit(self, repo: Path, files: dict[str, bytes | str], message: str) -> str:
        for rel, content in files.items():
            p = repo / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode()
            p.write_bytes(content)
        self.ok("add", "-A", cwd=repo)
        self.ok("commit", "-q", "-m", message, cwd=repo)
        return self.head(repo)

    def head(self, repo: Path, rev: str = "HEAD") -> str:
        return self.ok("rev-parse", rev, cwd=repo).strip()


@pytest.fixture
def git_for(server: Server, tmp_path: Path):
    """`git_for(creds, protocol=2)` → a Git runner with its own HOME."""
    made = [0]

    def make(creds: Creds | None, protocol: int = 2) -> Git:
        made[0] += 1
        return Git(server, tmp_path / f"home-{made[0]}", creds, protocol)

    return make


def _repo(root_a, prefix: str = "git") -> str:
    name = uniq(prefix)
    root_a.cc.create_repository(repositoryName=name)
    return name


# -- the seed's walk-through -----------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, 0])
def test_clone_commit_push_pull_fetch_branches_tags(server, root_a, make_user, git_for, tmp_path, protocol):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds, protocol)

    work = git.clone(name, tmp_path / "one")
    first = git.commit(work, {"README.md": "hello\n"}, "first")
    out = git.ok("push", "origin", "main", cwd=work)
    assert "main -> main" in out

    md = me.cc.get_repository(repositoryName=name)["repositoryMetadata"]
    assert md["defaultBranch"] == "main"
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == first
    assert me.cc.list_branches(repositoryName=name)["branches"] == ["main"]

    other = git.clone(name, tmp_path / "two")
    assert git.head(other) == first
    assert (other / "README.md").read_text() == "hello\n"

    second = git.commit(work, {"a/b.txt": "more\n"}, "second")
    git.ok("push", cwd=work)
    git.ok("pull", "--ff-only", cwd=other)
    assert git.head(other) == second
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == second

    # A new branch, a tag, then fetch them from the other clone.
    git.ok("checkout", "-q", "-b", "feature/x", cwd=work)
    feat = git.commit(work, {"f.txt": "feature\n"}, "feature")
    git.ok("push", "-u", "origin", "feature/x", cwd=work)
    git.ok("tag", "-a", "v1.0", "-m", "release", cwd=work)
    git.ok("push", "origin", "v1.0", cwd=work)
    git.ok("fetch", "--tags", cwd=other)
    assert git.head(other, "origin/feature/x") == feat
    assert git.head(other, "v1.0^{commit}") == feat
    assert sorted(me.cc.list_branches(repositoryName=name)["branches"]) == ["feature/x", "main"]
    assert me.cc.get_repository(repositoryName=name)["repositoryMetadata"]["defaultBranch"] == "main"

    # Branch deletion by push.
    git.ok("push", "origin", "--delete", "feature/x", cwd=work)
    assert me.cc.list_branches(repositoryName=name)["branches"] == ["main"]
    git.ok("fetch", "--prune", cwd=other)
    assert "origin/feature/x" not in git.ok("branch", "-r", cwd=other)

    # A no-op fetch and ls-remote.
    git.ok("fetch", cwd=other)
    refs = git.ok("ls-remote", server.clone_url(name), cwd=other)
    assert f"{second}\trefs/heads/main" in refs
    assert "refs/tags/v1.0" in refs


def test_first_pushed_branch_becomes_default(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w")
    git.ok("checkout", "-q", "-b", "develop", cwd=work)
    c = git.commit(work, {"x": "1"}, "c")
    git.ok("push", "origin", "develop", cwd=work)
    md = me.cc.get_repository(repositoryName=name)["repositoryMetadata"]
    assert md["defaultBranch"] == "develop"
    assert me.cc.get_branch(repositoryName=name, branchName="develop")["branch"]["commitId"] == c
    # A clone checks out the default branch.
    again = git.clone(name, tmp_path / "again")
    assert git.ok("symbolic-ref", "--short", "HEAD", cwd=again).strip() == "develop"


def test_trailing_slash_is_tolerated(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w", url=server.clone_url(name) + "/")
    git.commit(work, {"x": "1"}, "c")
    git.ok("push", "origin", "main", cwd=work)
    # NAME.git is not an alias: that name does not exist.
    out = git.fails("ls-remote", server.clone_url(name) + ".git")
    assert "not found" in out


# -- who may do what -------------------------------------------------------------------------

def test_read_only_user_clones_but_cannot_push(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, power = make_user(managed=[POWER_USER])
    pg = git_for(power.creds)
    seed = pg.clone(name, tmp_path / "seed")
    c = pg.commit(seed, {"x": "1"}, "c")
    pg.ok("push", "origin", "main", cwd=seed)

    user, ro = make_user(managed=[READ_ONLY])
    git = git_for(ro.creds)
    work = git.clone(name, tmp_path / "ro")
    assert git.head(work) == c
    git.commit(work, {"y": "2"}, "d")
    out = git.fails("push", "origin", "main", cwd=work)
    print(out)
    assert "403" in out, out
    assert "not authorized to perform: codecommit:GitPush" in out, out
    assert ro.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c


def test_user_without_policy_cannot_clone(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    user, nobody = make_user()
    out = git_for(nobody.creds).fails("clone", server.clone_url(name), str(tmp_path / "x"))
    assert "403" in out, out
    assert f"user/{user} is not authorized to perform: codecommit:GitPull" in out, out


def test_missing_repository_is_404_only_when_allowed(server, root_a, make_user, git_for, tmp_path):
    missing = uniq("missing")
    _, power = make_user(managed=[POWER_USER])
    out = git_for(power.creds).fails("clone", server.clone_url(missing), str(tmp_path / "a"))
    print(out)
    assert f"repository '{server.clone_url(missing)}/' not found" in out, out

    _, nobody = make_user()
    out = git_for(nobody.creds).fails("clone", server.clone_url(missing), str(tmp_path / "b"))
    assert "403" in out and "not found" not in out, out


def test_other_account_never_reaches_our_repository(server, root_a, root_b, make_user, git_for, tmp_path, accounts):
    name = _repo(root_a)
    # Account B's user with no CodeCommit permission: 403.
    _, b_user = make_user(root=root_b)
    out = git_for(b_user.creds).fails("clone", server.clone_url(name), str(tmp_path / "b1"))
    assert "403" in out, out
    # Account B's root: the URL names B's own (nonexistent) repository.
    out = git_for(accounts.b).fails("clone", server.clone_url(name), str(tmp_path / "b2"))
    assert "not found" in out, out


def test_root_user_can_use_git(server, root_a, git_for, tmp_path, accounts):
    name = _repo(root_a)
    git = git_for(accounts.a)
    work = git.clone(name, tmp_path / "w")
    c = git.commit(work, {"x": "1"}, "c")
    git.ok("push", "origin", "main", cwd=work)
    assert root_a.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c


BRANCH_PROTECTION = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile",
                   "codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash",
                   "codecommit:MergeBranchesByThreeWay", "codecommit:MergePullRequestByFastForward",
                   "codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay"],
        "Resource": "*",
        "Condition": {
            "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
            "Null": {"codecommit:References": "false"},
        },
    }],
}


def test_branch_protection_denies_main_only(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, admin = make_user(managed=[POWER_USER])
    ag = git_for(admin.creds)
    seed = ag.clone(name, tmp_path / "seed")
    base = ag.commit(seed, {"x": "1"}, "base")
    ag.ok("push", "origin", "main", cwd=seed)

    _, dev = make_user(managed=[POWER_USER], inline={"protect-main": BRANCH_PROTECTION})
    git = git_for(dev.creds)
    work = git.clone(name, tmp_path / "dev")
    git.commit(work, {"y": "2"}, "on main")
    out = git.fails("push", "origin", "main", cwd=work)
    print(out)
    assert "! [remote rejected] main -> main (refs/heads/main denied by IAM policy" in out, out
    assert "explicit deny" in out, out
    assert "error: failed to push some refs" in out, out
    assert dev.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == base

    # A push of main and a feature together: nothing of it lands.
    git.ok("branch", "feature", cwd=work)
    out = git.fails("push", "origin", "main", "feature", cwd=work)
    assert "! [remote rejected] main -> main (refs/heads/main denied by IAM policy" in out, out
    assert "! [remote rejected] feature -> feature (rejected because another ref was denied)" in out, out
    assert dev.cc.list_branches(repositoryName=name)["branches"] == ["main"]
    assert dev.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == base

    # The feature branch alone pushes fine.
    out = git.ok("push", "origin", "feature", cwd=work)
    assert "feature -> feature" in out
    assert sorted(dev.cc.list_branches(repositoryName=name)["branches"]) == ["feature", "main"]
    # …and the admin still pushes main.
    c = ag.commit(seed, {"z": "3"}, "admin")
    ag.ok("push", "origin", "main", cwd=seed)
    assert dev.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c


# -- authentication ----------------------------------------------------------------------------

def _host(server: Server) -> str:
    return urllib.parse.urlsplit(server.endpoint).netloc


def _basic(user: str, password: str) -> dict[str, str]:
    import base64
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _info_refs(server: Server, name: str, headers: dict[str, str], service: str = "git-upload-pack"):
    return server.raw("GET", f"/v1/repos/{name}/info/refs?service={service}", headers)


def test_no_credentials_get_a_basic_challenge(server, root_a):
    name = _repo(root_a)
    r = _info_refs(server, name, {})
    assert r.status == 401
    assert r.headers["www-authenticate"] == 'Basic realm="gitward"'
    r = _info_refs(server, name, {"Authorization": "Bearer abc"})
    assert r.status == 401


def test_password_checks(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    key, secret = me.creds.access_key_id, me.creds.secret_access_key
    path = f"/v1/repos/{name}"
    host = urllib.parse.urlsplit(server.endpoint).hostname
    now = utcnow()

    def status(user: str, password: str) -> tuple[int, str]:
        r = _info_refs(server, name, _basic(user, password))
        return r.status, r.body.decode()

    # Both host forms are accepted: without the port (aws CLI) and with it (git-remote-codecommit).
    assert status(key, git_password(secret, host, path, now))[0] == 200
    assert status(key, git_password(secret, _host(server), path, now))[0] == 200

    code, body = status(key, git_password(secret, host, path, now - datetime.timedelta(minutes=16)))
    assert code == 403 and "expired" in body and "15 minutes" in body, body
    code, body = status(key, git_password(secret, host, path, now + datetime.timedelta(minutes=16)))
    assert code == 403 and "not valid yet" in body, body
    code, body = status(key, git_password(secret, host, "/v1/repos/other", now))
    assert code == 403 and "signature does not match" in body, body
    code, body = status(key, git_password(secret, "example.com", path, now))
    assert code == 403 and "signature does not match" in body, body
    code, body = status(key, git_password(secret, host, path, now, region="eu-west-1"))
    assert code == 403 and "signature does not match" in body, body
    good = git_password(secret, host, path, now)
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    code, body = status(key, flipped)
    assert code == 403 and "signature does not match" in body, body
    code, body = status(key, git_password(secret[:-1] + "x", host, path, now))
    assert code == 403 and "signature does not match" in body and secret not in body, body
    code, body = status("AKIAIOSFODNN7EXAMPLE", good)
    assert code == 403 and "does not exist" in body, body
    code, body = status(key + "%FQoGZXIvYXdzEXAMPLETOKEN", good)
    assert code == 403 and "session token" in body and "is invalid" in body, body
    code, body = status(key, "not-a-sigv4-password")
    assert code == 403 and "not a CodeCommit signed password" in body, body

    # An inactive key.
    ak = root_a.iam.list_access_keys(UserName=_user_of(root_a, key))["AccessKeyMetadata"][0]
    root_a.iam.update_access_key(UserName=_user_of(root_a, key), AccessKeyId=ak["AccessKeyId"], Status="Inactive")
    code, body = status(key, git_password(secret, host, path, utcnow()))
    assert code == 403 and "inactive" in body, body


def _user_of(root_a, key: str) -> str:
    last = root_a.iam.get_access_key_last_used(AccessKeyId=key)
    return last["UserName"]


def test_git_shows_the_reason_for_a_stale_or_wrong_password(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    host = urllib.parse.urlsplit(server.endpoint).hostname
    stale = git_password(me.creds.secret_access_key, host, f"/v1/repos/{name}",
                         utcnow() - datetime.timedelta(minutes=16))
    u = urllib.parse.urlsplit(server.clone_url(name))
    url = f"{u.scheme}://{me.creds.access_key_id}:{stale}@{u.netloc}{u.path}"
    out = git_for(None).fails("clone", url, str(tmp_path / "stale"))
    print(out)
    assert "remote: the password expired: it was signed at" in out, out
    assert "The requested URL returned error: 403" in out, out

    wrong = git_for(me.creds.with_secret("x" * 40))
    out = wrong.fails("clone", server.clone_url(name), str(tmp_path / "wrong"))
    print(out)
    assert "remote: signature does not match" in out, out
    assert "The requested URL returned error: 403" in out, out


# -- streaming, gzip, limits -------------------------------------------------------------------

def test_fetch_with_gzip_body_and_v0(server, root_a, make_user, git_for, tmp_path):
    """git gzips request bodies over 1 KiB (a fetch with many wants; git never gzips pushes)."""
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds, protocol=0)
    work = git.clone(name, tmp_path / "w")
    git.commit(work, {"x": "1"}, "base")
    for i in range(60):
        git.ok("checkout", "-q", "-b", f"topic/{i:03d}", "main", cwd=work)
        git.commit(work, {f"t{i}.txt": f"{i}\n"}, f"topic {i}")
    git.ok("push", "origin", "refs/heads/*:refs/heads/*", cwd=work)
    p = git.run("clone", server.clone_url(name), str(tmp_path / "again"),
                env={"GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"})
    assert p.returncode == 0, p.stderr
    assert "Content-Encoding: gzip" in p.stderr
    branches = git.ok("branch", "-r", cwd=tmp_path / "again")
    assert "origin/topic/059" in branches


def test_gzip_request_by_hand(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w")
    c = git.commit(work, {"x": "1"}, "c")
    git.ok("push", "origin", "main", cwd=work)

    host = urllib.parse.urlsplit(server.endpoint).hostname
    auth = _basic(me.creds.access_key_id,
                  git_password(me.creds.secret_access_key, host, f"/v1/repos/{name}", utcnow()))

    def pkt(s: str) -> bytes:
        return f"{len(s) + 4:04x}{s}".encode()

    body = pkt("command=ls-refs\n") + pkt("object-format=sha1\n") + b"0001" + pkt("peel\n") + b"0000"
    r = server.raw("POST", f"/v1/repos/{name}/git-upload-pack", {
        **auth, "Git-Protocol": "version=2", "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip"}, gzip.compress(body))
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "application/x-git-upload-pack-result"
    assert f"{c} refs/heads/main".encode() in r.body

    # A corrupt gzip body is refused, and the server keeps serving.
    r = server.raw("POST", f"/v1/repos/{name}/git-upload-pack", {
        **auth, "Git-Protocol": "version=2", "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip"}, b"\x1f\x8bnot gzip at all")
    assert r.status == 400, r.status
    assert b"gzip" in r.body
    assert _info_refs(server, name, auth).status == 200


def test_gzip_push_by_hand(server, root_a, make_user, git_for, tmp_path):
    """A receive-pack request gzipped by hand: commands and pack are decoded for the per-ref
    check and for git; a denied ref in a gzip body is refused the same way."""
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER], inline={"protect-main": BRANCH_PROTECTION})
    _, admin = make_user(managed=[POWER_USER])
    git = git_for(admin.creds)
    work = git.clone(name, tmp_path / "w")
    base = git.commit(work, {"x": "1"}, "base")
    git.ok("push", "origin", "main", cwd=work)
    new = git.commit(work, {"y": os.urandom(4096).hex()}, "next")
    pack = subprocess.run(["git", "pack-objects", "--revs", "--stdout", "-q"], input=f"{new}\n^{base}\n".encode(),
                          cwd=work, capture_output=True, check=True, env=git.env()).stdout
    host = urllib.parse.urlsplit(server.endpoint).hostname

    def push(creds: Creds, ref: str):
        cmd = f"{base if ref == 'refs/heads/main' else '0' * 40} {new} {ref}\0 report-status side-band-64k agent=test"
        body = f"{len(cmd) + 4:04x}{cmd}0000".encode() + pack
        auth = _basic(creds.access_key_id,
                      git_password(creds.secret_access_key, host, f"/v1/repos/{name}", utcnow()))
        return server.raw("POST", f"/v1/repos/{name}/git-receive-pack", {
            **auth, "Content-Type": "application/x-git-receive-pack-request",
            "Content-Encoding": "gzip"}, gzip.compress(body))

    r = push(me.creds, "refs/heads/main")
    assert r.status == 200
    assert b"ng refs/heads/main refs/heads/main denied by IAM policy" in r.body, r.body
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == base

    r = push(me.creds, "refs/heads/side")
    assert r.status == 200
    assert r.headers["content-type"] == "application/x-git-receive-pack-result"
    assert b"unpack ok" in r.body and b"ok refs/heads/side" in r.body, r.body
    assert me.cc.get_branch(repositoryName=name, branchName="side")["branch"]["commitId"] == new

    r = push(admin.creds, "refs/heads/main")
    assert b"ok refs/heads/main" in r.body, r.body
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == new


def test_info_refs_headers_and_preamble(server, root_a, make_user):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    host = urllib.parse.urlsplit(server.endpoint).hostname
    auth = _basic(me.creds.access_key_id,
                  git_password(me.creds.secret_access_key, host, f"/v1/repos/{name}", utcnow()))
    for service in ("git-upload-pack", "git-receive-pack"):
        r = _info_refs(server, name, auth, service)
        assert r.status == 200
        assert r.headers["content-type"] == f"application/x-{service}-advertisement"
        assert "no-cache" in r.headers["cache-control"]
        line = f"# service={service}\n"
        assert r.body.startswith(f"{len(line) + 4:04x}{line}0000".encode()), r.body[:60]
    r = _info_refs(server, name, {**auth, "Git-Protocol": "version=2"})
    assert r.body.startswith(b"000eversion 2\n"), r.body[:60]


def test_malformed_push_requests(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w")
    c = git.commit(work, {"x": "1"}, "c")
    git.ok("push", "origin", "main", cwd=work)
    host = urllib.parse.urlsplit(server.endpoint).hostname
    auth = _basic(me.creds.access_key_id,
                  git_password(me.creds.secret_access_key, host, f"/v1/repos/{name}", utcnow()))
    headers = {**auth, "Content-Type": "application/x-git-receive-pack-request"}
    zero = "0" * 40
    for body in (b"zzzz", b"0010not a command0000", b"00", f"0040{zero} {c[:39]}x refs/heads/main0000".encode(),
                 f"0043{zero} {c} refs/heads/main\0report".encode()):
        r = server.raw("POST", f"/v1/repos/{name}/git-receive-pack", headers, body)
        assert r.status == 400, (body, r.status, r.body)
    # Wrong content type.
    r = server.raw("POST", f"/v1/repos/{name}/git-receive-pack", auth, b"0000")
    assert r.status == 415
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c
    # An invalid ref name reaches git, which refuses it; nothing changes.
    git.ok("update-ref", "refs/heads/ok", "HEAD", cwd=work)
    out = git.fails("push", "origin", "HEAD:refs/heads/bad..name", cwd=work)
    assert "bad..name" in out
    assert me.cc.list_branches(repositoryName=name)["branches"] == ["main"]


@pytest.mark.slow
def test_too_many_ref_updates(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w")
    c = git.commit(work, {"x": "1"}, "c")
    lines = "".join(f"create refs/heads/b{i:05d} {c}\n" for i in range(4001))
    subprocess.run(["git", "update-ref", "--stdin"], input=lines, text=True, cwd=work, check=True,
                   env=git.env())
    out = git.fails("push", "origin", "refs/heads/*:refs/heads/*", cwd=work)
    print("\n".join(out.splitlines()[:8]))
    assert "Too many reference update commands" in out
    assert me.cc.list_branches(repositoryName=name)["branches"] == []


@pytest.mark.slow
def test_large_push_and_clone(server, root_a, make_user, git_for, tmp_path):
    name = _repo(root_a)
    _, me = make_user(managed=[POWER_USER])
    git = git_for(me.creds)
    work = git.clone(name, tmp_path / "w")
    files = {f"blob{i}.bin": os.urandom(2 * 1024 * 1024) for i in range(10)}
    c = git.commit(work, files, "20 MB of random data")
    git.ok("push", "origin", "main", cwd=work, timeout=300)
    assert me.cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c
    back = git.clone(name, tmp_path / "back")
    for rel, data in files.items():
        assert hashlib.sha256((back / rel).read_bytes()).digest() == hashlib.sha256(data).digest()
    git.ok("fsck", "--strict", cwd=back)


@pytest.mark.slow
def test_kill_during_concurrent_pushes_loses_no_acknowledged_push(new_server, tmp_path):
    """kill -9 in the middle of 20 concurrent pushes; after a restart every repository passes
    `git fsck` and every push git reported as successful is there."""
    import concurrent.futures
    import signal as _signal

    srv = new_server(name="crash")
    root = srv.init()
    srv.start()
    cc = srv.principal(root).cc
    git = Git(srv, tmp_path / "home", root)
    names = [uniq("crash") for _ in range(20)]
    works = []
    for name in names:
        cc.create_repository(repositoryName=name)
        work = tmp_path / name
        git.ok("init", "-q", "-b", "main", str(work))
        git.ok("remote", "add", "origin", srv.clone_url(name), cwd=work)
        c = git.commit(work, {f"blob{i}": os.urandom(512 * 1024) for i in range(4)}, "payload")
        works.append((name, work, c))

    def push(item):
        name, work, c = item
        p = git.run("push", "origin", "main", cwd=work)
        return name, c, p.returncode == 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(push, w) for w in works]
        # Kill as soon as the first pushes are through, with the others in flight.
        concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        time.sleep(0.3)
        srv.proc.send_signal(_signal.SIGKILL)
        srv.proc.wait()
        srv.proc = None
        results = [f.result() for f in futures]
    acknowledged = [(n, c) for n, c, ok in results if ok]
    print(f"\n{len(acknowledged)} of 20 pushes acknowledged before kill -9")
    assert acknowledged, "no push was acknowledged before the kill"

    time.sleep(1)  # let orphaned git processes notice their closed pipes
    srv.start()
    for repo_dir in (srv.data_dir / "repos").glob("*/*/*.git"):
        p = subprocess.run(["git", "--git-dir", str(repo_dir), "fsck", "--strict", "--no-dangling"],
                           capture_output=True, text=True, env=git.env())
        assert p.returncode == 0, f"{repo_dir}: {p.stdout}{p.stderr}"
    cc = srv.principal(root).cc
    for name, c in acknowledged:
        assert cc.get_branch(repositoryName=name, branchName="main")["branch"]["commitId"] == c
        assert cc.get_repository(repositoryName=name)["repositoryMetadata"]["defaultBranch"] == "main"
