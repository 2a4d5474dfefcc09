//! The bare Git repositories on disk: `<root>/<account>/<region>/<repository-id>.git`.
//!
//! Directories are named by repository id, so a rename never touches the disk. Creation and
//! deletion are ordered against the metadata store so that a crash leaves at worst an
//! orphan directory nobody can reach, never a visible repository without its directory.

use crate::error::RepoError;
use git2::{BranchType, ErrorCode, Oid, Repository, RepositoryInitOptions};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Branch HEAD points to in a fresh repository (until a default branch exists).
pub const INITIAL_HEAD: &str = "main";

/// Git configuration every repository gets: durable pushes (`core.fsync=all`, git ≥ 2.36;
/// the deprecated `core.fsyncObjectFiles` is left out because git warns about it on every
/// command, which SSH clients would see), objects checked on receive, no hooks.
const CONFIG: &[(&str, &str)] = &[
    ("core.fsync", "all"),
    ("core.fsyncMethod", "fsync"),
    ("receive.fsckObjects", "true"),
    ("transfer.fsckObjects", "true"),
    ("core.hooksPath", "/dev/null"),
    ("core.logAllRefUpdates", "false"),
];

/// The directory of repository `id`.
pub fn repo_dir(root: &Path, account: &str, region: &str, id: &str) -> PathBuf {
    root.join(account).join(region).join(format!("{id}.git"))
}

/// Creates an empty bare repository at `path` (whose parent is created if needed) and
/// flushes it to disk.
pub fn init_bare(path: &Path) -> Result<(), RepoError> {
    let parent = path
        .parent()
        .ok_or_else(|| RepoError::Git(format!("{} has no parent", path.display())))?;
    std::fs::create_dir_all(parent).map_err(|e| RepoError::git("create repository dir", e))?;
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true)
        .no_reinit(true)
        .mkdir(true)
        .mkpath(false)
        .initial_head(INITIAL_HEAD);
    let repo = Repository::init_opts(path, &opts).map_err(|e| RepoError::git("git init", e))?;
    let mut cfg = repo
        .config()
        .map_err(|e| RepoError::git("open config", e))?;
    for (k, v) in CONFIG {
        cfg.set_str(k, v)
            .map_err(|e| RepoError::git("set config", e))?;
    }
    drop(repo);
    sync_tree(path).map_err(|e| RepoError::git("fsync new repository", e))?;
    sync_dir(parent).map_err(|e| RepoError::git("fsync repositories dir", e))?;
    Ok(())
}

/// Removes the repository directory: first renamed to a `.deleted-<uuid>` sibling (one
/// atomic step, so no half-deleted repository is ever at `path`), then removed. A leftover
/// `*.deleted-*` directory is garbage and safe to remove at any time.
pub fn remove(path: &Path) -> io::Result<()> {
    let Some(name) = path.file_name() else {
        return Err(io::Error::other("repository path has no file name"));
    };
    let mut trash = name.to_os_string();
    trash.push(format!(".deleted-{}", uuid::Uuid::new_v4()));
    let trash = path.with_file_name(trash);
    match std::fs::rename(path, &trash) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    std::fs::remove_dir_all(&trash)
}

/// Opens the bare repository at `path`.
pub fn open(path: &Path) -> Result<Repository, RepoError> {
    Repository::open_bare(path).map_err(|e| RepoError::git("open repository", e))
}

/// The local branch names, sorted bytewise.
pub fn branches(repo: &Repository) -> Result<Vec<String>, RepoError> {
    let mut out = Vec::new();
    let iter = repo
        .branches(Some(BranchType::Local))
        .map_err(|e| RepoError::git("list branches", e))?;
    for b in iter {
        let (b, _) = b.map_err(|e| RepoError::git("list branches", e))?;
        // Names that are not UTF-8 cannot be represented in the JSON API; skip them.
        if let Ok(Some(name)) = b.name() {
            out.push(name.to_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// The commit `refs/heads/<name>` points to, or `None` if there is no such branch.
pub fn branch_commit(repo: &Repository, name: &str) -> Result<Option<Oid>, RepoError> {
    let reference = match repo.find_reference(&format!("refs/heads/{name}")) {
        Ok(r) => r,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(RepoError::git("find branch", e)),
    };
    let commit = reference
        .peel_to_commit()
        .map_err(|e| RepoError::git("resolve branch", e))?;
    Ok(Some(commit.id()))
}

/// True if `oid` names a commit in the repository.
pub fn commit_exists(repo: &Repository, oid: Oid) -> Result<bool, RepoError> {
    match repo.find_commit(oid) {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::Invalid) => Ok(false),
        Err(e) => Err(RepoError::git("find commit", e)),
    }
}

/// Result of [`create_branch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The branch exists now.
    Done,
    /// A branch of that name (or one that clashes with it as a directory/file) exists.
    Exists,
}

/// Creates `refs/heads/<name>` at `oid` without overwriting, durably.
pub fn create_branch(repo: &Repository, name: &str, oid: Oid) -> Result<Created, RepoError> {
    // A branch `a` and a branch `a/b` cannot both exist; libgit2 reports only one of the
    // two directions as a clash, so look first (the create itself still refuses to
    // overwrite).
    let clash = branches(repo)?.iter().any(|b| {
        b == name
            || b.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('/'))
            || name
                .strip_prefix(b.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if clash {
        return Ok(Created::Exists);
    }
    let refname = format!("refs/heads/{name}");
    match repo.reference(&refname, oid, false, "branch: created by CreateBranch") {
        Ok(_) => {}
        // `Directory`: refs exist beneath `refs/heads/<name>/` (a file/directory clash).
        Err(e) if matches!(e.code(), ErrorCode::Exists | ErrorCode::Directory) => {
            return Ok(Created::Exists);
        }
        Err(e) => return Err(RepoError::git("create branch", e)),
    }
    sync_ref(repo.path(), &refname).map_err(|e| RepoError::git("fsync branch", e))?;
    Ok(Created::Done)
}

/// Deletes `refs/heads/<name>`, durably; the commit it pointed to, or `None` if absent.
pub fn delete_branch(repo: &Repository, name: &str) -> Result<Option<Oid>, RepoError> {
    let refname = format!("refs/heads/{name}");
    let mut reference = match repo.find_reference(&refname) {
        Ok(r) => r,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(RepoError::git("find branch", e)),
    };
    let oid = reference
        .peel_to_commit()
        .map_err(|e| RepoError::git("resolve branch", e))?
        .id();
    reference
        .delete()
        .map_err(|e| RepoError::git("delete branch", e))?;
    sync_ref(repo.path(), &refname).map_err(|e| RepoError::git("fsync branch", e))?;
    Ok(Some(oid))
}

/// Points HEAD at `refs/heads/<name>` (what clones check out), durably.
pub fn set_head(repo: &Repository, name: &str) -> Result<(), RepoError> {
    repo.set_head(&format!("refs/heads/{name}"))
        .map_err(|e| RepoError::git("set HEAD", e))?;
    sync_ref(repo.path(), "HEAD").map_err(|e| RepoError::git("fsync HEAD", e))
}

/// The branch HEAD points to (whether or not it exists yet).
pub fn head_branch(repo: &Repository) -> Result<Option<String>, RepoError> {
    let head = repo
        .find_reference("HEAD")
        .map_err(|e| RepoError::git("read HEAD", e))?;
    Ok(head
        .symbolic_target()
        .and_then(|t| t.strip_prefix("refs/heads/"))
        .map(str::to_owned))
}

/// Flushes a ref update: the loose ref file if it exists, every directory from it up to the
/// git dir (a deletion or creation changes those), and `packed-refs` if present.
/// libgit2 does not fsync refs unless the deprecated `core.fsyncObjectFiles` is set.
fn sync_ref(git_dir: &Path, refname: &str) -> io::Result<()> {
    let loose = git_dir.join(refname);
    if loose.is_file() {
        File::open(&loose)?.sync_all()?;
    }
    let mut dir = loose.parent();
    while let Some(d) = dir {
        if d.is_dir() {
            sync_dir(d)?;
        }
        if d == git_dir || !d.starts_with(git_dir) {
            break;
        }
        dir = d.parent();
    }
    let packed = git_dir.join("packed-refs");
    if packed.is_file() {
        File::open(&packed)?.sync_all()?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Flushes every file and directory under `root` (a fresh repository is a few dozen).
fn sync_tree(root: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            sync_tree(&entry.path())?;
        } else if ty.is_file() {
            File::open(entry.path())?.sync_all()?;
        }
    }
    sync_dir(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_branch_and_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = repo_dir(dir.path(), "123456789012", "us-east-1", "abc");
        init_bare(&path).expect("init");
        let repo = open(&path).expect("open");
        assert!(repo.is_bare());
        assert_eq!(
            head_branch(&repo).expect("head").as_deref(),
            Some(INITIAL_HEAD)
        );
        let cfg = repo.config().expect("config");
        assert_eq!(cfg.get_bool("receive.fsckObjects").ok(), Some(true));
        assert!(branches(&repo).expect("branches").is_empty());

        let sig = git2::Signature::new("t", "t@example.com", &git2::Time::new(1_700_000_000, 0))
            .expect("sig");
        let tree = repo
            .treebuilder(None)
            .and_then(|tb| tb.write())
            .and_then(|id| repo.find_tree(id))
            .expect("tree");
        let c = repo
            .commit(None, &sig, &sig, "init", &tree, &[])
            .expect("commit");
        assert!(commit_exists(&repo, c).expect("exists"));
        assert!(!commit_exists(&repo, tree.id()).expect("tree is not a commit"));
        assert_eq!(
            create_branch(&repo, "a/b", c).expect("create"),
            Created::Done
        );
        assert_eq!(
            create_branch(&repo, "a/b", c).expect("again"),
            Created::Exists
        );
        assert_eq!(
            create_branch(&repo, "a", c).expect("d/f clash"),
            Created::Exists
        );
        assert_eq!(branch_commit(&repo, "a/b").expect("get"), Some(c));
        assert_eq!(create_branch(&repo, "x", c).expect("create"), Created::Done);
        assert_eq!(
            create_branch(&repo, "x/y", c).expect("f/d clash"),
            Created::Exists
        );
        assert_eq!(branches(&repo).expect("list"), ["a/b", "x"]);
        assert_eq!(delete_branch(&repo, "a/b").expect("delete"), Some(c));
        assert_eq!(delete_branch(&repo, "a/b").expect("again"), None);
        drop(tree);
        drop(repo);

        remove(&path).expect("remove");
        assert!(!path.exists());
        let leftovers = std::fs::read_dir(path.parent().expect("parent"))
            .expect("read")
            .count();
        assert_eq!(leftovers, 0);
        remove(&path).expect("removing twice is fine");
    }
}
