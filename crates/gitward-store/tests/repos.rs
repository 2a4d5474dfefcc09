//! The repositories service against the SQLite store and real bare repositories on disk,
//! checked with the `git` CLI.

use gitward_core::{AccountId, FixedClock};
use gitward_git::{Order, PublicUrls, RepoError, RepoService, Scope, SortBy, Tags};
use gitward_store::{Db, MasterKey};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

struct Fx {
    dir: tempfile::TempDir,
    db: Arc<Db>,
    clock: Arc<FixedClock>,
    svc: RepoService,
    scope: Scope,
}

impl Fx {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Arc::new(Db::open_in_memory(MasterKey::from_bytes([0; 32])).expect("db"));
        let clock = Arc::new(FixedClock::new(T0));
        let svc = RepoService::new(
            db.clone(),
            dir.path().join("repos"),
            clock.clone(),
            PublicUrls {
                http_base: "https://127.0.0.1:8443".into(),
                ssh_base: "ssh://127.0.0.1:2222/".into(),
            },
        );
        Self {
            dir,
            db,
            clock,
            svc,
            scope: scope("123456789012", "us-east-1"),
        }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repos")
    }

    fn create(&self, name: &str) -> gitward_git::RepositoryMetadata {
        self.svc
            .create_repository(&self.scope, name, None, &Tags::new(), None)
            .expect("create")
    }

    fn advance(&self, secs: i64) {
        let now = gitward_core::Clock::now(&*self.clock);
        self.clock.set(now + Duration::seconds(secs));
    }

    fn path(&self, name: &str) -> PathBuf {
        self.svc
            .locate(&self.scope, name)
            .expect("locate")
            .expect("exists")
            .1
    }
}

fn scope(account: &str, region: &str) -> Scope {
    Scope::new(AccountId::parse(account).expect("account"), region).expect("scope")
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Runs git with a clean environment; returns trimmed stdout, panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let out = Command::new("git")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// Writes a commit (empty tree) into the bare repository without moving any ref.
fn make_commit(fx: &Fx, repo: &Path, msg: &str) -> String {
    let gd = format!("--git-dir={}", repo.display());
    let tree = git(
        fx.dir.path(),
        &[&gd, "hash-object", "-w", "-t", "tree", "/dev/null"],
    );
    git(fx.dir.path(), &[&gd, "commit-tree", &tree, "-m", msg])
}

#[test]
fn create_and_get_report_metadata_and_lay_out_a_bare_repository() {
    let fx = Fx::new();
    let m = fx
        .svc
        .create_repository(&fx.scope, "my-repo", Some("desc"), &Tags::new(), None)
        .expect("create");
    assert_eq!(m.account_id, "123456789012");
    assert_eq!(m.repository_name, "my-repo");
    assert_eq!(m.repository_description.as_deref(), Some("desc"));
    assert_eq!(m.default_branch, None);
    assert_eq!(m.creation_date, T0);
    assert_eq!(m.last_modified_date, T0);
    assert_eq!(m.clone_url_http, "https://127.0.0.1:8443/v1/repos/my-repo");
    assert_eq!(m.clone_url_ssh, "ssh://127.0.0.1:2222/v1/repos/my-repo");
    assert_eq!(m.arn, "arn:aws:codecommit:us-east-1:123456789012:my-repo");
    assert_eq!(m.kms_key_id, gitward_git::DEFAULT_KMS_KEY_ID);
    assert!(uuid_like(&m.repository_id), "{}", m.repository_id);
    assert_eq!(fx.svc.get_repository(&fx.scope, "my-repo").expect("get"), m);

    let path = fx
        .root()
        .join("123456789012/us-east-1")
        .join(format!("{}.git", m.repository_id));
    assert_eq!(fx.path("my-repo"), path);
    let gd = format!("--git-dir={}", path.display());
    assert_eq!(
        git(fx.dir.path(), &[&gd, "rev-parse", "--is-bare-repository"]),
        "true"
    );
    assert_eq!(
        git(fx.dir.path(), &[&gd, "config", "receive.fsckObjects"]),
        "true"
    );
    assert_eq!(git(fx.dir.path(), &[&gd, "config", "core.fsync"]), "all");
    assert_eq!(
        git(fx.dir.path(), &[&gd, "symbolic-ref", "HEAD"]),
        "refs/heads/main"
    );

    let kms = fx
        .svc
        .create_repository(&fx.scope, "k", None, &Tags::new(), Some("alias/mine"))
        .expect("create with key");
    assert_eq!(kms.kms_key_id, "alias/mine");
    let e = fx
        .svc
        .create_repository(&fx.scope, "k2", None, &Tags::new(), Some("bad key"));
    assert!(matches!(e, Err(RepoError::EncryptionKeyInvalidId)));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn names_are_validated_before_anything_else() {
    let fx = Fx::new();
    let long = "a".repeat(101);
    for bad in ["../x", "a.git", long.as_str(), "a b", "x/y", ".."] {
        let e = fx
            .svc
            .create_repository(&fx.scope, bad, None, &Tags::new(), None);
        match e {
            Err(e @ RepoError::InvalidRepositoryName) => {
                assert_eq!(e.shape(), "InvalidRepositoryNameException");
                assert_eq!(e.to_string(), gitward_git::INVALID_REPOSITORY_NAME_MESSAGE);
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(matches!(
            fx.svc.get_repository(&fx.scope, bad),
            Err(RepoError::InvalidRepositoryName)
        ));
        assert!(fx.svc.locate(&fx.scope, bad).expect("locate").is_none());
    }
    let e = fx
        .svc
        .create_repository(&fx.scope, "", None, &Tags::new(), None);
    assert!(matches!(e, Err(RepoError::RepositoryNameRequired)));
    fx.svc
        .create_repository(&fx.scope, &"a".repeat(100), None, &Tags::new(), None)
        .expect("100 characters is fine");
    let e = fx
        .svc
        .create_repository(&fx.scope, "d", Some(&"x".repeat(1001)), &Tags::new(), None);
    assert!(matches!(e, Err(RepoError::InvalidRepositoryDescription)));
    // Nothing was written to disk for the refused ones.
    let dirs = std::fs::read_dir(fx.root().join("123456789012/us-east-1"))
        .expect("dir")
        .count();
    assert_eq!(dirs, 1);
}

#[test]
fn duplicates_are_refused_case_sensitively_and_per_scope() {
    let fx = Fx::new();
    fx.create("repo");
    let e = fx
        .svc
        .create_repository(&fx.scope, "repo", None, &Tags::new(), None);
    match e {
        Err(e @ RepoError::RepositoryNameExists(_)) => {
            assert_eq!(e.to_string(), "Repository named repo already exists");
            assert_eq!(e.shape(), "RepositoryNameExistsException");
        }
        other => panic!("{other:?}"),
    }
    fx.create("Repo");
    let other_region = scope("123456789012", "eu-west-1");
    let other_account = scope("210987654321", "us-east-1");
    for s in [&other_region, &other_account] {
        assert!(matches!(
            fx.svc.get_repository(s, "repo"),
            Err(RepoError::RepositoryDoesNotExist(_))
        ));
        fx.svc
            .create_repository(s, "repo", None, &Tags::new(), None)
            .expect("own scope");
    }
    let e = fx.svc.get_repository(&fx.scope, "nope");
    match e {
        Err(e @ RepoError::RepositoryDoesNotExist(_)) => {
            assert_eq!(e.to_string(), "nope does not exist");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_sorts_and_pages() {
    let fx = Fx::new();
    let svc = RepoService::new(
        fx.db.clone(),
        fx.root(),
        fx.clock.clone(),
        PublicUrls {
            http_base: "h".into(),
            ssh_base: "s".into(),
        },
    )
    .with_page_size(2);
    // Created in this order, one second apart: c, a, B, d, b.
    for n in ["c", "a", "B", "d", "b"] {
        svc.create_repository(&fx.scope, n, None, &Tags::new(), None)
            .expect("create");
        fx.advance(1);
    }
    let all = |sort: SortBy, order: Order| {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = svc
                .list_repositories(&fx.scope, sort, order, token.as_deref())
                .expect("list");
            assert!(page.repositories.len() <= 2);
            names.extend(page.repositories.into_iter().map(|p| p.repository_name));
            match page.next_token {
                Some(t) => token = Some(t),
                None => break names,
            }
        }
    };
    assert_eq!(
        all(SortBy::RepositoryName, Order::Ascending),
        ["B", "a", "b", "c", "d"]
    );
    assert_eq!(
        all(SortBy::RepositoryName, Order::Descending),
        ["d", "c", "b", "a", "B"]
    );
    assert_eq!(
        all(SortBy::LastModifiedDate, Order::Ascending),
        ["c", "a", "B", "d", "b"]
    );
    assert_eq!(
        all(SortBy::LastModifiedDate, Order::Descending),
        ["b", "d", "B", "a", "c"]
    );

    // Any metadata update moves a repository to the end of the lastModifiedDate order.
    svc.update_repository_description(&fx.scope, "c", Some("touched"))
        .expect("update");
    assert_eq!(
        all(SortBy::LastModifiedDate, Order::Ascending),
        ["a", "B", "d", "b", "c"]
    );

    let first = svc
        .list_repositories(&fx.scope, SortBy::RepositoryName, Order::Ascending, None)
        .expect("list");
    let token = first.next_token.expect("more pages");
    for (sort, order) in [
        (SortBy::LastModifiedDate, Order::Ascending),
        (SortBy::RepositoryName, Order::Descending),
    ] {
        assert!(matches!(
            svc.list_repositories(&fx.scope, sort, order, Some(&token)),
            Err(RepoError::InvalidContinuationToken)
        ));
    }
    assert!(matches!(
        svc.list_repositories(
            &fx.scope,
            SortBy::RepositoryName,
            Order::Ascending,
            Some("junk")
        ),
        Err(RepoError::InvalidContinuationToken)
    ));
    // A deleted repository does not disturb the next page.
    svc.delete_repository(&fx.scope, "a").expect("delete");
    let next = svc
        .list_repositories(
            &fx.scope,
            SortBy::RepositoryName,
            Order::Ascending,
            Some(&token),
        )
        .expect("next page");
    let names: Vec<_> = next
        .repositories
        .iter()
        .map(|p| p.repository_name.as_str())
        .collect();
    assert_eq!(names, ["b", "c"]);
    // The default page size holds everything; other scopes see nothing.
    let one = fx
        .svc
        .list_repositories(&fx.scope, SortBy::default(), Order::default(), None)
        .expect("list");
    assert_eq!(one.repositories.len(), 4);
    assert!(one.next_token.is_none());
    let other = fx
        .svc
        .list_repositories(
            &scope("123456789012", "eu-west-1"),
            SortBy::default(),
            Order::default(),
            None,
        )
        .expect("list");
    assert!(other.repositories.is_empty());
}

#[test]
fn rename_keeps_id_and_directory() {
    let fx = Fx::new();
    let m = fx.create("old");
    fx.create("taken");
    let path = fx.path("old");
    fx.advance(10);
    fx.svc
        .update_repository_name(&fx.scope, "old", "new")
        .expect("rename");
    assert!(matches!(
        fx.svc.get_repository(&fx.scope, "old"),
        Err(RepoError::RepositoryDoesNotExist(_))
    ));
    let n = fx.svc.get_repository(&fx.scope, "new").expect("get");
    assert_eq!(n.repository_id, m.repository_id);
    assert_eq!(n.creation_date, T0);
    assert_eq!(n.last_modified_date, T0 + Duration::seconds(10));
    assert_eq!(n.arn, "arn:aws:codecommit:us-east-1:123456789012:new");
    assert_eq!(n.clone_url_http, "https://127.0.0.1:8443/v1/repos/new");
    assert_eq!(fx.path("new"), path);
    assert!(path.is_dir());

    assert!(matches!(
        fx.svc.update_repository_name(&fx.scope, "new", "taken"),
        Err(RepoError::RepositoryNameExists(n)) if n == "taken"
    ));
    assert!(matches!(
        fx.svc.update_repository_name(&fx.scope, "new", "new"),
        Err(RepoError::RepositoryNameExists(_))
    ));
    assert!(matches!(
        fx.svc.update_repository_name(&fx.scope, "ghost", "x"),
        Err(RepoError::RepositoryDoesNotExist(n)) if n == "ghost"
    ));
    assert!(matches!(
        fx.svc.update_repository_name(&fx.scope, "new", "x.git"),
        Err(RepoError::InvalidRepositoryName)
    ));
    assert!(matches!(
        fx.svc.update_repository_name(&fx.scope, "", "x"),
        Err(RepoError::RepositoryNameRequired)
    ));
}

#[test]
fn description_updates_and_clears() {
    let fx = Fx::new();
    fx.create("r");
    fx.advance(5);
    fx.svc
        .update_repository_description(&fx.scope, "r", Some("hello"))
        .expect("set");
    let m = fx.svc.get_repository(&fx.scope, "r").expect("get");
    assert_eq!(m.repository_description.as_deref(), Some("hello"));
    assert_eq!(m.last_modified_date, T0 + Duration::seconds(5));
    fx.svc
        .update_repository_description(&fx.scope, "r", None)
        .expect("clear");
    assert_eq!(
        fx.svc
            .get_repository(&fx.scope, "r")
            .expect("get")
            .repository_description,
        None
    );
    assert!(matches!(
        fx.svc
            .update_repository_description(&fx.scope, "r", Some(&"é".repeat(1001))),
        Err(RepoError::InvalidRepositoryDescription)
    ));
    fx.svc
        .update_repository_description(&fx.scope, "r", Some(&"é".repeat(1000)))
        .expect("1000 characters");
    assert!(matches!(
        fx.svc
            .update_repository_description(&fx.scope, "ghost", Some("x")),
        Err(RepoError::RepositoryDoesNotExist(_))
    ));
}

#[test]
fn delete_removes_row_tags_and_directory() {
    let fx = Fx::new();
    let m = fx
        .svc
        .create_repository(&fx.scope, "r", None, &tags(&[("team", "a")]), None)
        .expect("create");
    let path = fx.path("r");
    assert_eq!(
        fx.svc.delete_repository(&fx.scope, "r").expect("delete"),
        Some(m.repository_id.clone())
    );
    assert!(!path.exists());
    let region_dir = fx.root().join("123456789012/us-east-1");
    assert_eq!(
        std::fs::read_dir(&region_dir).expect("dir").count(),
        0,
        "no leftovers"
    );
    assert_eq!(
        fx.svc.delete_repository(&fx.scope, "r").expect("again"),
        None
    );
    assert!(matches!(
        fx.svc.get_repository(&fx.scope, "r"),
        Err(RepoError::RepositoryDoesNotExist(_))
    ));
    assert!(matches!(
        fx.svc.delete_repository(&fx.scope, "a.git"),
        Err(RepoError::InvalidRepositoryName)
    ));
    let again = fx.create("r");
    assert_ne!(again.repository_id, m.repository_id);
    assert_eq!(
        fx.svc.repository_tags(&fx.scope, "r").expect("tags"),
        Some(Tags::new())
    );
}

#[test]
fn repository_quota_is_per_account_and_region() {
    let fx = Fx::new();
    let svc = RepoService::new(
        fx.db.clone(),
        fx.root(),
        fx.clock.clone(),
        PublicUrls {
            http_base: "h".into(),
            ssh_base: "s".into(),
        },
    )
    .with_max_repositories(2);
    svc.create_repository(&fx.scope, "a", None, &Tags::new(), None)
        .expect("1");
    svc.create_repository(&fx.scope, "b", None, &Tags::new(), None)
        .expect("2");
    let e = svc.create_repository(&fx.scope, "c", None, &Tags::new(), None);
    assert!(
        matches!(e, Err(RepoError::RepositoryLimitExceeded(2))),
        "{e:?}"
    );
    let region_dir = fx.root().join("123456789012/us-east-1");
    assert_eq!(
        std::fs::read_dir(&region_dir).expect("dir").count(),
        2,
        "refused one cleaned up"
    );
    svc.create_repository(
        &scope("123456789012", "eu-west-1"),
        "c",
        None,
        &Tags::new(),
        None,
    )
    .expect("other region has its own quota");
    svc.delete_repository(&fx.scope, "a").expect("delete");
    svc.create_repository(&fx.scope, "c", None, &Tags::new(), None)
        .expect("room again");
}

#[test]
fn batch_get_reports_found_and_missing() {
    let fx = Fx::new();
    fx.create("a");
    fx.create("b");
    let names: Vec<String> = ["b", "zz", "a", "b"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let out = fx
        .svc
        .batch_get_repositories(&fx.scope, Some(&names))
        .expect("batch");
    let found: Vec<_> = out
        .repositories
        .iter()
        .map(|m| m.repository_name.as_str())
        .collect();
    assert_eq!(found, ["b", "a"]);
    assert_eq!(out.repositories_not_found, ["zz"]);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].error_code, "RepositoryDoesNotExistException");
    assert_eq!(out.errors[0].error_message, "zz does not exist");
    let empty = fx
        .svc
        .batch_get_repositories(&fx.scope, Some(&[]))
        .expect("empty list is fine");
    assert!(empty.repositories.is_empty());
    assert!(matches!(
        fx.svc.batch_get_repositories(&fx.scope, None),
        Err(RepoError::RepositoryNamesRequired)
    ));
    let many: Vec<String> = (0..101).map(|i| format!("r{i}")).collect();
    assert!(matches!(
        fx.svc.batch_get_repositories(&fx.scope, Some(&many)),
        Err(RepoError::MaximumRepositoryNamesExceeded(100))
    ));
    assert!(matches!(
        fx.svc
            .batch_get_repositories(&fx.scope, Some(&["../x".to_owned()])),
        Err(RepoError::InvalidRepositoryName)
    ));
}

#[test]
fn branches_follow_codecommit_rules() {
    let fx = Fx::new();
    fx.create("r");
    let repo = fx.path("r");
    let gd = format!("--git-dir={}", repo.display());

    // An empty repository has no commits: any commit id is unknown.
    let ghost = "0123456789abcdef0123456789abcdef01234567";
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "main", ghost),
        Err(RepoError::CommitDoesNotExist(_))
    ));
    assert!(
        fx.svc
            .list_branches(&fx.scope, "r", None)
            .expect("list")
            .branches
            .is_empty()
    );

    let c1 = make_commit(&fx, &repo, "one");
    let c2 = make_commit(&fx, &repo, "two");
    fx.svc
        .create_branch(&fx.scope, "r", "feature/x", &c1)
        .expect("create");
    // The first branch becomes the default, in the metadata and in HEAD.
    let m = fx.svc.get_repository(&fx.scope, "r").expect("get");
    assert_eq!(m.default_branch.as_deref(), Some("feature/x"));
    assert_eq!(
        git(fx.dir.path(), &[&gd, "symbolic-ref", "HEAD"]),
        "refs/heads/feature/x"
    );
    assert_eq!(
        git(fx.dir.path(), &[&gd, "rev-parse", "refs/heads/feature/x"]),
        c1
    );

    fx.svc
        .create_branch(&fx.scope, "r", "dev", &c2.to_uppercase())
        .expect("create dev");
    let m = fx.svc.get_repository(&fx.scope, "r").expect("get");
    assert_eq!(
        m.default_branch.as_deref(),
        Some("feature/x"),
        "only the first one"
    );
    let b = fx
        .svc
        .get_branch(&fx.scope, "r", "dev")
        .expect("get branch");
    assert_eq!(
        (b.branch_name.as_str(), b.commit_id.as_str()),
        ("dev", c2.as_str())
    );
    assert_eq!(
        fx.svc
            .list_branches(&fx.scope, "r", None)
            .expect("list")
            .branches,
        ["dev", "feature/x"]
    );

    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "dev", &c1),
        Err(RepoError::BranchNameExists(n)) if n == "dev"
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "dev/sub", &c1),
        Err(RepoError::BranchNameExists(_))
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "a..b", &c1),
        Err(RepoError::InvalidBranchName)
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "", &c1),
        Err(RepoError::BranchNameRequired)
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "x", ""),
        Err(RepoError::CommitIdRequired)
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "x", &c1[..10]),
        Err(RepoError::InvalidCommitId)
    ));
    let tree = git(
        fx.dir.path(),
        &[&gd, "rev-parse", &format!("{c1}^{{tree}}")],
    );
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "r", "x", &tree),
        Err(RepoError::CommitDoesNotExist(_))
    ));
    assert!(matches!(
        fx.svc.create_branch(&fx.scope, "ghost", "x", &c1),
        Err(RepoError::RepositoryDoesNotExist(_))
    ));
    assert!(matches!(
        fx.svc.get_branch(&fx.scope, "r", "nope"),
        Err(RepoError::BranchDoesNotExist(n)) if n == "nope"
    ));

    // The default branch cannot be deleted until another one is the default.
    assert!(matches!(
        fx.svc.delete_branch(&fx.scope, "r", "feature/x"),
        Err(RepoError::DefaultBranchCannotBeDeleted)
    ));
    assert!(matches!(
        fx.svc.update_default_branch(&fx.scope, "r", "nope"),
        Err(RepoError::BranchDoesNotExist(_))
    ));
    fx.advance(3);
    fx.svc
        .update_default_branch(&fx.scope, "r", "dev")
        .expect("set default");
    let m = fx.svc.get_repository(&fx.scope, "r").expect("get");
    assert_eq!(m.default_branch.as_deref(), Some("dev"));
    assert_eq!(m.last_modified_date, T0 + Duration::seconds(3));
    assert_eq!(
        git(fx.dir.path(), &[&gd, "symbolic-ref", "HEAD"]),
        "refs/heads/dev"
    );

    let deleted = fx
        .svc
        .delete_branch(&fx.scope, "r", "feature/x")
        .expect("delete");
    assert_eq!(deleted.map(|b| b.commit_id), Some(c1.clone()));
    assert_eq!(
        fx.svc
            .delete_branch(&fx.scope, "r", "feature/x")
            .expect("again"),
        None
    );
    assert_eq!(
        fx.svc
            .list_branches(&fx.scope, "r", None)
            .expect("list")
            .branches,
        ["dev"]
    );
    let refs = git(fx.dir.path(), &[&gd, "for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs, "refs/heads/dev");
    // The repository is still sound for git.
    git(fx.dir.path(), &[&gd, "fsck", "--no-progress"]);
}

#[test]
fn branch_listing_pages() {
    let fx = Fx::new();
    let svc = RepoService::new(
        fx.db.clone(),
        fx.root(),
        fx.clock.clone(),
        PublicUrls {
            http_base: "h".into(),
            ssh_base: "s".into(),
        },
    )
    .with_page_size(2);
    svc.create_repository(&fx.scope, "r", None, &Tags::new(), None)
        .expect("create");
    let repo = fx.path("r");
    let c = make_commit(&fx, &repo, "c");
    for b in ["e", "a", "d", "b", "c"] {
        svc.create_branch(&fx.scope, "r", b, &c).expect("branch");
    }
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = svc
            .list_branches(&fx.scope, "r", token.as_deref())
            .expect("page");
        assert!(page.branches.len() <= 2);
        all.extend(page.branches);
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(all, ["a", "b", "c", "d", "e"]);
    assert!(matches!(
        svc.list_branches(&fx.scope, "r", Some("garbage")),
        Err(RepoError::InvalidContinuationToken)
    ));
}

#[test]
fn a_push_makes_the_first_branch_the_default() {
    let fx = Fx::new();
    fx.create("r");
    let repo = fx.path("r");
    let work = fx.dir.path().join("work");
    std::fs::create_dir_all(&work).expect("work");
    git(&work, &["init", "-q", "-b", "trunk"]);
    git(&work, &["commit", "-q", "--allow-empty", "-m", "first"]);
    git(
        &work,
        &[
            "push",
            "-q",
            &repo.display().to_string(),
            "trunk",
            "trunk:other",
        ],
    );
    assert_eq!(
        fx.svc
            .get_repository(&fx.scope, "r")
            .expect("get")
            .default_branch,
        None
    );
    fx.advance(7);
    fx.svc.after_push(&fx.scope, "r").expect("after push");
    let m = fx.svc.get_repository(&fx.scope, "r").expect("get");
    assert_eq!(
        m.default_branch.as_deref(),
        Some("other"),
        "first by name: no main/master"
    );
    assert_eq!(m.last_modified_date, T0 + Duration::seconds(7));
    let gd = format!("--git-dir={}", repo.display());
    assert_eq!(
        git(fx.dir.path(), &[&gd, "symbolic-ref", "HEAD"]),
        "refs/heads/other"
    );
    // A clone checks out the default branch.
    git(
        fx.dir.path(),
        &["clone", "-q", &repo.display().to_string(), "clone"],
    );
    let clone = fx.dir.path().join("clone");
    assert_eq!(git(&clone, &["rev-parse", "--abbrev-ref", "HEAD"]), "other");
}

#[test]
fn tags_are_kept_per_repository_with_limits() {
    let fx = Fx::new();
    let m = fx
        .svc
        .create_repository(
            &fx.scope,
            "r",
            None,
            &tags(&[("team", "a"), ("env", "dev")]),
            None,
        )
        .expect("create");
    let arn = m.arn.as_str();
    let list = |arn: &str| {
        fx.svc
            .list_tags_for_resource(&fx.scope, arn, None)
            .map(|o| o.tags)
    };
    assert_eq!(
        list(arn).expect("list"),
        tags(&[("env", "dev"), ("team", "a")])
    );

    fx.svc
        .tag_resource(&fx.scope, arn, &tags(&[("team", "b"), ("Team", "c")]))
        .expect("tag");
    assert_eq!(
        list(arn).expect("list"),
        tags(&[("env", "dev"), ("team", "b"), ("Team", "c")]),
        "keys are case-sensitive; existing ones are overwritten"
    );
    fx.svc
        .untag_resource(&fx.scope, arn, &["env".to_owned(), "absent".to_owned()])
        .expect("untag");
    assert_eq!(
        list(arn).expect("list"),
        tags(&[("team", "b"), ("Team", "c")])
    );
    assert_eq!(
        fx.svc.repository_tags(&fx.scope, "r").expect("tags"),
        Some(tags(&[("team", "b"), ("Team", "c")]))
    );
    assert_eq!(
        fx.svc.repository_tags(&fx.scope, "ghost").expect("tags"),
        None
    );

    // 48 more make 50: allowed; one more is too many, and nothing of it is written.
    let many: Tags = (0..48).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    fx.svc.tag_resource(&fx.scope, arn, &many).expect("50 tags");
    let e = fx
        .svc
        .tag_resource(&fx.scope, arn, &tags(&[("x", "1"), ("team", "z")]));
    assert!(matches!(e, Err(RepoError::TooManyTags)), "{e:?}");
    let now = list(arn).expect("list");
    assert_eq!(now.len(), 50);
    assert_eq!(now.get("team").map(String::as_str), Some("b"));
    let too_many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
    assert!(matches!(
        fx.svc
            .create_repository(&fx.scope, "r2", None, &too_many, None),
        Err(RepoError::TooManyTags)
    ));

    let e = |r: Result<(), RepoError>| r.err().map(|e| e.shape());
    assert_eq!(
        e(fx.svc.tag_resource(&fx.scope, arn, &Tags::new())),
        Some("TagsMapRequiredException")
    );
    assert_eq!(
        e(fx.svc
            .tag_resource(&fx.scope, arn, &tags(&[("aws:x", "1")]))),
        Some("InvalidSystemTagUsageException")
    );
    assert_eq!(
        e(fx.svc
            .tag_resource(&fx.scope, arn, &tags(&[("k", &"v".repeat(257))]))),
        Some("InvalidTagsMapException")
    );
    assert_eq!(
        e(fx.svc.untag_resource(&fx.scope, arn, &[])),
        Some("TagKeysListRequiredException")
    );
    assert_eq!(
        e(fx.svc.untag_resource(&fx.scope, arn, &["k".repeat(129)])),
        Some("InvalidTagKeysListException")
    );
    let one = tags(&[("a", "b")]);
    assert_eq!(
        e(fx.svc.tag_resource(&fx.scope, "", &one)),
        Some("ResourceArnRequiredException")
    );
    for (bad, shape) in [
        ("arn:aws:s3:::bucket", "InvalidResourceArnException"),
        (
            "arn:aws:codecommit:eu-west-1:123456789012:r",
            "InvalidResourceArnException",
        ),
        (
            "arn:aws:codecommit:us-east-1:210987654321:r",
            "RepositoryDoesNotExistException",
        ),
        (
            "arn:aws:codecommit:us-east-1:123456789012:ghost",
            "RepositoryDoesNotExistException",
        ),
        (
            "arn:aws:codecommit:us-east-1:123456789012:x.git",
            "InvalidRepositoryNameException",
        ),
    ] {
        assert_eq!(
            e(fx.svc.tag_resource(&fx.scope, bad, &one)),
            Some(shape),
            "{bad}"
        );
        assert_eq!(
            fx.svc
                .list_tags_for_resource(&fx.scope, bad, None)
                .err()
                .map(|e| e.shape()),
            Some(shape),
            "{bad}"
        );
    }
    // Tags follow the repository through a rename (the ARN changes with the name).
    fx.svc
        .update_repository_name(&fx.scope, "r", "renamed")
        .expect("rename");
    let renamed = "arn:aws:codecommit:us-east-1:123456789012:renamed";
    assert_eq!(list(renamed).expect("list").len(), 50);
}

#[test]
fn metadata_survives_reopening_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("gitward.db");
    let make = |db: Arc<Db>| {
        RepoService::new(
            db,
            dir.path().join("repos"),
            Arc::new(FixedClock::new(T0)),
            PublicUrls {
                http_base: "h".into(),
                ssh_base: "s".into(),
            },
        )
    };
    let s = scope("123456789012", "us-east-1");
    let db = Arc::new(Db::open(&file, MasterKey::from_bytes([1; 32])).expect("open"));
    let m = make(db)
        .create_repository(&s, "r", Some("d"), &tags(&[("k", "v")]), None)
        .expect("create");
    let db = Arc::new(Db::open(&file, MasterKey::from_bytes([1; 32])).expect("reopen"));
    let svc = make(db);
    assert_eq!(svc.get_repository(&s, "r").expect("get"), m);
    assert_eq!(
        svc.repository_tags(&s, "r").expect("tags"),
        Some(tags(&[("k", "v")]))
    );
}
