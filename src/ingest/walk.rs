//! Turning the user's paths into input files: directories are walked
//! recursively (symlinks followed, loops detected), hidden entries and case
//! directories skipped, and everything unreadable reported rather than fatal.

use std::path::{Path, PathBuf};

/// One candidate input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Path to open.
    pub path: PathBuf,
    /// The path argument it was found under.
    pub root: PathBuf,
    /// Set when the entry cannot be read (permission denied, a symlink loop, not a regular file).
    pub error: Option<String>,
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// The name of the per-directory ignore file: one glob per line, relative to
/// its directory (`README.md`, `*.json`, `archive/**`); `#` starts a comment.
pub const IGNORE_FILE: &str = ".pm-tui-ignore";

/// Ignore rules read from `.pm-tui-ignore` files, cached per directory.
#[derive(Default)]
struct Ignores {
    by_dir: std::collections::HashMap<PathBuf, Option<globset::GlobSet>>,
}

impl Ignores {
    fn rules(&mut self, dir: &Path) -> Option<&globset::GlobSet> {
        self.by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(dir.join(IGNORE_FILE)).ok()?;
                let mut b = globset::GlobSetBuilder::new();
                for line in text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                {
                    if let Ok(g) = globset::Glob::new(line) {
                        b.add(g);
                    }
                }
                b.build().ok()
            })
            .as_ref()
    }

    /// True when an ignore file in `path`'s directories (from `root` down) matches it.
    fn ignored(&mut self, path: &Path, root: &Path) -> bool {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if let (Some(rules), Ok(rel)) = (self.rules(d).cloned(), path.strip_prefix(d)) {
                let name = path.file_name().map(Path::new).unwrap_or(rel);
                if rules.is_match(rel) || rules.is_match(name) {
                    return true;
                }
            }
            if d == root {
                break;
            }
            dir = d.parent();
        }
        false
    }
}

/// Collect input files under `roots`, in a stable order. `skip` lists
/// directories never to descend into (the case being written). A root that
/// does not exist is an error; anything else unreadable is reported in place.
pub fn collect(roots: &[PathBuf], skip: &[PathBuf]) -> Result<Vec<Found>, String> {
    let skip: Vec<PathBuf> = skip.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut out = Vec::new();
    let mut ignores = Ignores::default();
    for root in roots {
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("{}: {}", root.display(), io_reason(&e)))?;
        if meta.is_file() {
            out.push(Found {
                path: root.clone(),
                root: root.clone(),
                error: None,
            });
            continue;
        }
        if !meta.is_dir() {
            out.push(Found {
                path: root.clone(),
                root: root.clone(),
                error: Some("not a regular file".into()),
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if is_hidden(e.file_name()) {
                    return false;
                }
                if e.file_type().is_dir() {
                    if e.path().join("case.json").is_file() {
                        return false;
                    }
                    if let Ok(c) = e.path().canonicalize() {
                        if skip.contains(&c) {
                            return false;
                        }
                    }
                }
                true
            });
        for entry in walker {
            match entry {
                Ok(e) => {
                    let ft = e.file_type();
                    if ft.is_dir() || ignores.ignored(e.path(), root) {
                        continue;
                    }
                    let error = (!ft.is_file())
                        .then(|| "not a regular file (fifo, socket or device)".to_string());
                    out.push(Found {
                        path: e.into_path(),
                        root: root.clone(),
                        error,
                    });
                }
                Err(err) => {
                    let path = err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    let reason = if err.loop_ancestor().is_some() {
                        "symbolic link loop".to_string()
                    } else if let Some(io) = err.io_error() {
                        io_reason(io)
                    } else {
                        err.to_string()
                    };
                    out.push(Found {
                        path,
                        root: root.clone(),
                        error: Some(reason),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A short reason for an I/O error (`permission denied`, `no such file`).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// The host a file's path names, if any: the nearest directory (below the
/// root) whose name looks like a host (`web01`, `db-2`, `app3.example.com`).
pub fn host_from_path(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut comps: Vec<&str> = rel
        .parent()?
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    comps.reverse();
    comps
        .into_iter()
        .find(|c| looks_like_host(c))
        .map(str::to_string)
}

fn looks_like_host(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 63 || !b[0].is_ascii_alphabetic() {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return false;
    }
    let ends_with_digit = b.last().is_some_and(u8::is_ascii_digit);
    let fqdn = s.contains('.') && s.split('.').count() >= 3;
    ends_with_digit || fqdn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_paths() {
        let root = Path::new("logs");
        assert_eq!(
            host_from_path(Path::new("logs/web01/nginx/access.log"), root),
            Some("web01".into())
        );
        assert_eq!(
            host_from_path(Path::new("logs/db/postgresql.log"), root),
            None
        );
        assert_eq!(host_from_path(Path::new("logs/access.log"), root), None);
        assert_eq!(
            host_from_path(Path::new("logs/x/app3.prod.example.com/app.log"), root),
            Some("app3.prod.example.com".into())
        );
        assert_eq!(
            host_from_path(Path::new("logs/2023/06/01/app.log"), root),
            None
        );
    }

    #[test]
    fn walks_sorted_skipping_hidden_and_cases() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("b")).unwrap();
        std::fs::create_dir_all(p.join(".git")).unwrap();
        std::fs::create_dir_all(p.join("case")).unwrap();
        std::fs::write(p.join("case/case.json"), "{}").unwrap();
        std::fs::write(p.join("case/events.parquet"), "x").unwrap();
        std::fs::write(p.join(".git/HEAD"), "x").unwrap();
        std::fs::write(p.join("b/2.log"), "x").unwrap();
        std::fs::write(p.join("a.log"), "x").unwrap();
        std::fs::write(p.join(".hidden.log"), "x").unwrap();
        std::fs::write(p.join("b/README.md"), "docs").unwrap();
        std::fs::write(p.join(".pm-tui-ignore"), "# docs are not logs\nREADME.md\n").unwrap();
        let found = collect(&[p.to_path_buf()], &[]).unwrap();
        let names: Vec<String> = found
            .iter()
            .map(|f| f.path.strip_prefix(p).unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec!["a.log", "b/2.log"]);
        assert!(collect(&[p.join("missing")], &[]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_not_followed_forever() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("a")).unwrap();
        std::fs::write(p.join("a/x.log"), "x").unwrap();
        std::os::unix::fs::symlink(p.join("a"), p.join("a/loop")).unwrap();
        let found = collect(&[p.to_path_buf()], &[]).unwrap();
        assert_eq!(found.iter().filter(|f| f.error.is_none()).count(), 1);
        assert!(
            found
                .iter()
                .any(|f| f.error.as_deref() == Some("symbolic link loop"))
        );
    }
}
