#!/usr/bin/env python3
"""gitward vs `git http-backend` (nginx + fcgiwrap): clone, no-op fetch, 100-commit push,
concurrent clones with gitward's RSS. Run through `bench/run`; see docs/performance.md.

Everything listens on 127.0.0.1 and lives under a temporary directory (removed at the end);
the generated repository is cached under bench/.cache/.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from gwtest import POWER_USER, Server  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
GEN = ROOT / "bench" / "gen_repo.py"
REPO_NAME = "benchrepo"
HB_USER, HB_PASS = "bench", "bench-password"
PROTECT_MAIN = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile"],
        "Resource": "*",
        "Condition": {"StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
                      "Null": {"codecommit:References": "false"}},
    }],
}


def log(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE) -> str:
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=stdin, stdout=stdout,
                       stderr=subprocess.PIPE, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.decode(errors='replace')}")
    return p.stdout.decode(errors="replace") if p.stdout else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


# -- the SigV4 git password (FACTS §2.1), as the awscli credential helper makes it ------------

def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def git_password(secret: str, host: str, path: str, region: str = "us-east-1") -> str:
    ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    scope = f"{ts[:8]}/{region}/codecommit/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(("AWS4" + secret).encode(), ts[:8])
    for part in (region, "codecommit", "aws4_request"):
        key = _hmac(key, part)
    return f"{ts}Z{hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()}"


# -- the repository -----------------------------------------------------------------------------

def base_repo(commits: int) -> Path:
    """The cached generated repository (bare), built once with git fast-import."""
    repo = CACHE / f"base-{commits}.git"
    if (repo / "bench-ok").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    run(["git", "init", "-q", "--bare", "-b", "main", str(repo)])
    t = time.monotonic()
    gen = subprocess.Popen([sys.executable, str(GEN), "base", "--commits", str(commits)],
                           stdout=subprocess.PIPE)
    run(["git", "-C", str(repo), "fast-import", "--quiet"], stdin=gen.stdout)
    assert gen.wait() == 0
    run(["git", "-C", str(repo), "repack", "-adq"])
    (repo / "bench-ok").write_text(run(["git", "-C", str(repo), "rev-parse", "main"]))
    log(f"generated {repo} in {time.monotonic() - t:.1f}s")
    return repo


def push_branches(client: Path, base_sha: str, count: int) -> list[str]:
    """`count` branches of 100 new commits each on top of main, in the pushing client."""
    names = []
    for k in range(count):
        ref = f"refs/heads/push-{k}"
        names.append(ref)
        gen = subprocess.Popen([sys.executable, str(GEN), "push", "--seed", str(k), "--from", base_sha,
                                "--branch", ref, "--commits", "100"], stdout=subprocess.PIPE)
        run(["git", "-C", str(client), "fast-import", "--quiet"], stdin=gen.stdout)
        assert gen.wait() == 0
    return names


# -- the servers ---------------------------------------------------------------------------------

class Gitward:
    label = "gitward"

    def __init__(self, binary: Path, tmp: Path):
        self.srv = Server(binary, tmp / "gw-data", tmp / "gw-logs", insecure_http=True, name="gitward")
        root = self.srv.init()
        self.endpoint = self.srv.start()
        self.host = self.endpoint.split("://", 1)[1]
        rp = self.srv.principal(root)
        rp.cc.create_repository(repositoryName=REPO_NAME)
        rp.iam.create_user(UserName="bench")
        rp.iam.attach_user_policy(UserName="bench", PolicyArn=POWER_USER)
        rp.iam.put_user_policy(UserName="bench", PolicyName="protect-main",
                               PolicyDocument=json.dumps(PROTECT_MAIN))
        ak = rp.iam.create_access_key(UserName="bench")["AccessKey"]
        self.key, self.secret = ak["AccessKeyId"], ak["SecretAccessKey"]
        self.root = root

    @property
    def pid(self) -> int:
        assert self.srv.proc is not None
        return self.srv.proc.pid

    def url(self, admin: bool = False) -> str:
        """A fresh password each time (they are valid for 15 minutes). The benchmark user
        may not push `main` (its inline deny); the account's root user seeds it."""
        key, secret = (self.root.access_key_id, self.root.secret_access_key) if admin \
            else (self.key, self.secret)
        path = f"/v1/repos/{REPO_NAME}"
        pw = git_password(secret, self.host.rsplit(":", 1)[0], path)
        return f"http://{key}:{pw}@{self.host}{path}"

    def front_pids(self) -> list[int]:
        return [self.pid]

    def stop(self) -> None:
        if self.srv.proc is not None:
            self.srv.stop()


class HttpBackend:
    """`git http-backend` as CGI through fcgiwrap behind nginx, with HTTP Basic auth."""

    label = "http-backend"

    def __init__(self, tmp: Path, workers: int):
        self.dir = tmp / "nginx"
        (self.dir / "repos").mkdir(parents=True)
        (self.dir / "logs").mkdir()
        self.port = free_port()
        repo = self.dir / "repos" / f"{REPO_NAME}.git"
        run(["git", "init", "-q", "--bare", "-b", "main", str(repo)])
        # The same durability and checks gitward asks of receive-pack (run.rs), in the repo.
        for k, v in [("http.receivepack", "true"), ("receive.fsckObjects", "true"),
                     ("core.fsync", "all"), ("core.fsyncMethod", "fsync")]:
            run(["git", "-C", str(repo), "config", k, v])
        (self.dir / "htpasswd").write_text(f"{HB_USER}:{{PLAIN}}{HB_PASS}\n")
        sock = self.dir / "fcgiwrap.sock"
        backend = Path(run(["git", "--exec-path"]).strip()) / "git-http-backend"
        conf = f"""
user root;
worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_max_body_size 0;
    client_body_temp_path {self.dir}/client_body;
    fastcgi_temp_path {self.dir}/fastcgi_temp;
    proxy_temp_path {self.dir}/proxy_temp;
    uwsgi_temp_path {self.dir}/uwsgi_temp;
    scgi_temp_path {self.dir}/scgi_temp;
    server {{
        listen 127.0.0.1:{self.port};
        location ~ ^/git(/.*)$ {{
            auth_basic "git";
            auth_basic_user_file {self.dir}/htpasswd;
            fastcgi_pass unix:{sock};
            fastcgi_read_timeout 600s;
            fastcgi_param SCRIPT_FILENAME {backend};
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param CONTENT_TYPE $content_type;
            fastcgi_param CONTENT_LENGTH $content_length;
            fastcgi_param HTTP_CONTENT_ENCODING $http_content_encoding;
            fastcgi_param GIT_PROTOCOL $http_git_protocol;
            fastcgi_param GIT_PROJECT_ROOT {self.dir}/repos;
            fastcgi_param GIT_HTTP_EXPORT_ALL "";
            fastcgi_param PATH_INFO $1;
            fastcgi_param REMOTE_USER $remote_user;
            fastcgi_param REMOTE_ADDR $remote_addr;
            fastcgi_param SERVER_PROTOCOL $server_protocol;
            fastcgi_param PATH /usr/local/bin:/usr/bin:/bin;
            fastcgi_param HOME {self.dir};
            fastcgi_param GIT_CONFIG_NOSYSTEM 1;
        }}
    }}
}}
"""
        (self.dir / "nginx.conf").write_text(conf)
        # Its own process group: its preforked workers outlive a SIGTERM to the parent alone.
        self.fcgi = subprocess.Popen(["fcgiwrap", "-c", str(workers), "-s", f"unix:{sock}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.dir / "logs" / "fcgiwrap.log", "wb"),
                                     start_new_session=True)
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.05)
        run(["nginx", "-e", str(self.dir / "logs" / "error.log"), "-p", str(self.dir),
             "-c", str(self.dir / "nginx.conf")])
        wait_port(self.port)

    def url(self, admin: bool = False) -> str:
        return f"http://{HB_USER}:{HB_PASS}@127.0.0.1:{self.port}/git/{REPO_NAME}.git"

    def front_pids(self) -> list[int]:
        """nginx (master and workers), fcgiwrap and its preforked workers: what carries the
        bytes between git and the client (their own CPU, not git's)."""
        master = int((self.dir / "nginx.pid").read_text())
        kids = children_of([master, self.fcgi.pid])
        return [master, self.fcgi.pid, *kids]

    def stop(self) -> None:
        pidfile = self.dir / "nginx.pid"
        if pidfile.exists():
            subprocess.run(["nginx", "-e", str(self.dir / "logs" / "error.log"), "-p", str(self.dir),
                            "-c", str(self.dir / "nginx.conf"), "-s", "quit"], timeout=30)
            time.sleep(0.5)
        try:
            os.killpg(self.fcgi.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.fcgi.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.fcgi.pid, signal.SIGKILL)
            self.fcgi.wait()


# -- memory sampling ------------------------------------------------------------------------------

def status_kb(pid: int, field: str) -> int:
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
                parent[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out.extend(kids)
        frontier.extend(kids)
    return out


def children_of(pids: list[int]) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) in pids:
                    out.append(int(d))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return out


TICK = os.sysconf("SC_CLK_TCK")


def own_cpu_s(pids: list[int]) -> float:
    """utime + stime of these processes themselves (not of their children)."""
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total / TICK


class Sampler(threading.Thread):
    """Max VmRSS of `pid` itself and max summed VmRSS of its descendants, every 20 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop_evt = threading.Event()
        self.self_max = 0
        self.children_max = 0
        self.children_count_max = 0

    def run(self) -> None:
        while not self.stop_evt.is_set():
            self.self_max = max(self.self_max, status_kb(self.pid, "VmRSS"))
            kids = descendants(self.pid)
            self.children_count_max = max(self.children_count_max, len(kids))
            self.children_max = max(self.children_max, sum(status_kb(k, "VmRSS") for k in kids))
            self.stop_evt.wait(0.02)

    def finish(self) -> None:
        self.stop_evt.set()
        self.join()


# -- the measurements ------------------------------------------------------------------------------

def timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None,
          cpu: tuple[list[int], list[float]] | None = None) -> float:
    """Wall time of `cmd`; with `cpu=(pids, out)`, appends the CPU seconds those processes
    themselves spent meanwhile to `out`."""
    before = own_cpu_s(cpu[0]) if cpu else 0.0
    t = time.perf_counter()
    run(cmd, env=env, cwd=cwd)
    wall = time.perf_counter() - t
    if cpu:
        cpu[1].append(own_cpu_s(cpu[0]) - before)
    return wall


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gitward", type=Path, required=True)
    ap.add_argument("--commits", type=int, default=4000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--concurrency", default="8,32")
    ap.add_argument("--out", type=Path, default=CACHE / "results.json")
    a = ap.parse_args()
    conc = [int(c) for c in a.concurrency.split(",") if c]

    results: dict = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "git": run(["git", "--version"]).strip(), "nproc": os.cpu_count(),
                     "loadavg_start": loadavg(), "reps": a.reps}
    repo = base_repo(a.commits)
    base_sha = (repo / "bench-ok").read_text().strip()
    pack_bytes = sum(p.stat().st_size for p in (repo / "objects" / "pack").glob("*.pack"))
    results["repo"] = {"commits": a.commits, "pack_mb": round(pack_bytes / 1e6, 1), "head": base_sha}
    log(f"repository: {a.commits} commits, pack {pack_bytes / 1e6:.1f} MB, main {base_sha}")

    tmp = Path(tempfile.mkdtemp(prefix="gitward-bench-"))
    home = tmp / "home"
    home.mkdir()
    env = git_env(home)
    servers: list = []
    try:
        # The pushing client: the cached repository shared (read-only) plus the push branches.
        client = tmp / "client.git"
        run(["git", "clone", "-q", "--bare", "--shared", str(repo), str(client)], env=env)
        t = time.monotonic()
        branches = push_branches(client, base_sha, a.reps)
        log(f"generated {len(branches)} push branches in {time.monotonic() - t:.1f}s")

        gw = Gitward(a.gitward, tmp)
        hb = HttpBackend(tmp, workers=max(conc + [8]) + 8)
        servers = [gw, hb]
        log(f"gitward at {gw.endpoint} (pid {gw.pid}); http-backend at 127.0.0.1:{hb.port}")

        # Populate both with the whole history, over HTTP (one push each, timed once).
        seed = {}
        for s in servers:
            seed[s.label] = timed(["git", "-C", str(client), "push", "-q", s.url(admin=True),
                                   "refs/heads/main:refs/heads/main"], env)
            log(f"{s.label}: initial push of the whole history {seed[s.label]:.2f}s")
        results["initial_push_s"] = seed
        results["gitward_rss_kb_after_initial_push"] = {
            "VmRSS": status_kb(gw.pid, "VmRSS"), "VmHWM": status_kb(gw.pid, "VmHWM")}

        times: dict[str, dict[str, list[float]]] = {s.label: {"clone": [], "fetch": [], "push": []}
                                                    for s in servers}
        front_cpu: dict[str, dict[str, list[float]]] = {s.label: {"clone": [], "fetch": [], "push": []}
                                                        for s in servers}
        # Warm-up clone each (page cache), not counted; its clone serves the no-op fetches.
        fetchers = {}
        for s in servers:
            dest = tmp / f"warm-{s.label}.git"
            timed(["git", "clone", "-q", "--bare", s.url(), str(dest)], env)
            fetchers[s.label] = dest
        # Interleaved repetitions, so that load from elsewhere hits both alike.
        for r in range(a.reps):
            for s in (servers if r % 2 == 0 else servers[::-1]):
                dest = tmp / f"clone-{s.label}-{r}.git"
                fpids = s.front_pids()
                times[s.label]["clone"].append(timed(["git", "clone", "-q", "--bare", s.url(), str(dest)], env,
                                                     cpu=(fpids, front_cpu[s.label]["clone"])))
                shutil.rmtree(dest)
                times[s.label]["fetch"].append(timed(
                    ["git", "-C", str(fetchers[s.label]), "fetch", "-q", s.url(),
                     "+refs/heads/*:refs/heads/*"], env, cpu=(fpids, front_cpu[s.label]["fetch"])))
                br = branches[r]
                times[s.label]["push"].append(timed(
                    ["git", "-C", str(client), "push", "-q", s.url(), f"{br}:{br}"], env,
                    cpu=(fpids, front_cpu[s.label]["push"])))
            log(f"rep {r + 1}/{a.reps}: " + "; ".join(
                f"{lbl} clone {t['clone'][-1]:.2f}s fetch {t['fetch'][-1]:.3f}s push {t['push'][-1]:.3f}s"
                for lbl, t in times.items()))
        results["times_s"] = times
        results["front_cpu_ms_median"] = {lbl: {k: round(1000 * statistics.median(v), 1) for k, v in t.items()}
                                          for lbl, t in front_cpu.items()}
        med = {lbl: {k: statistics.median(v) for k, v in t.items()} for lbl, t in times.items()}
        results["median_s"] = med
        results["ratio_gitward_over_http_backend"] = {
            k: round(med["gitward"][k] / med["http-backend"][k], 3) for k in ("clone", "fetch", "push")}

        # Concurrent clones.
        results["concurrent"] = []
        for n in conc:
            for s in servers:
                dests = [tmp / f"cc-{s.label}-{n}-{i}.git" for i in range(n)]
                url = s.url()
                sampler = Sampler(gw.pid) if s is gw else None
                rss_before = status_kb(gw.pid, "VmRSS")
                if sampler:
                    sampler.start()
                t = time.perf_counter()
                procs = [subprocess.Popen(["git", "clone", "-q", "--bare", url, str(d)], env=env,
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE) for d in dests]
                errs = [(p.wait(), p.stderr.read()) for p in procs]
                wall = time.perf_counter() - t
                row = {"server": s.label, "clients": n, "wall_s": round(wall, 2),
                       "failed": sum(1 for c, _ in errs if c != 0)}
                if sampler:
                    sampler.finish()
                    row.update({"gitward_rss_before_kb": rss_before,
                                "gitward_rss_peak_kb": sampler.self_max,
                                "gitward_vmhwm_kb": status_kb(gw.pid, "VmHWM"),
                                "git_children_rss_peak_kb": sampler.children_max,
                                "git_children_max": sampler.children_count_max})
                for c, e in errs:
                    if c != 0:
                        log(f"{s.label}: a concurrent clone failed: {e.decode(errors='replace')[:300]}")
                results["concurrent"].append(row)
                log(json.dumps(row))
                for d in dests:
                    shutil.rmtree(d, ignore_errors=True)
        results["loadavg_end"] = loadavg()
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001
                log(f"stopping {s.label}: {e}")
        if os.environ.get("BENCH_KEEP_TMP"):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
