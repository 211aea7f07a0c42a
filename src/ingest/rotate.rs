//! Rotated sets: `app.log.2.gz`, `app.log.1`, `app.log` are one source read
//! oldest first; so are `app.log-20230601.gz` and `app.log`.

use std::path::{Path, PathBuf};

const COMPRESSED: [&str; 4] = [".gz", ".zst", ".zstd", ".bz2"];

/// Where a file sits in its rotation set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Age {
    /// `app.log.N`: larger N is older.
    Numbered(u32),
    /// `app.log-20230601`: the date (as digits).
    Dated(String),
    /// `app.log`: the current file.
    Current,
}

/// Split a file name into its rotation base and its age.
pub fn rotation_base(name: &str) -> (String, Age) {
    let mut n = name;
    for ext in COMPRESSED {
        if let Some(s) = n.strip_suffix(ext) {
            n = s;
            break;
        }
    }
    if let Some((base, idx)) = n.rsplit_once('.') {
        if !idx.is_empty()
            && idx.len() <= 3
            && idx.bytes().all(|b| b.is_ascii_digit())
            && !base.is_empty()
        {
            return (base.to_string(), Age::Numbered(idx.parse().unwrap_or(0)));
        }
    }
    for sep in ['-', '.', '_'] {
        if let Some((base, date)) = n.rsplit_once(sep) {
            let digits: String = date.chars().filter(char::is_ascii_digit).collect();
            let date_like = (date.len() == 8 && digits.len() == 8)
                || (date.len() == 10 && digits.len() == 8 && date.matches('-').count() == 2)
                || (date.len() == 10 && digits.len() == 10);
            if date_like && !base.is_empty() {
                return (base.to_string(), Age::Dated(digits));
            }
        }
    }
    (n.to_string(), Age::Current)
}

/// Group paths into rotation sets. Returns groups (each ordered oldest
/// first) in a stable order, with the group's display name.
pub fn group(paths: &[PathBuf]) -> Vec<(String, Vec<usize>)> {
    use std::collections::BTreeMap;
    let mut sets: BTreeMap<(PathBuf, String), Vec<(Age, usize)>> = BTreeMap::new();
    for (i, p) in paths.iter().enumerate() {
        let name = p.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let (base, age) = rotation_base(name);
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        sets.entry((dir, base)).or_default().push((age, i));
    }
    sets.into_iter()
        .map(|((dir, base), mut members)| {
            // Oldest first: highest number, then dates ascending, then current.
            members.sort_by(|a, b| match (&a.0, &b.0) {
                (Age::Numbered(x), Age::Numbered(y)) => y.cmp(x),
                (x, y) => x.cmp(y),
            });
            (
                dir.join(base).display().to_string(),
                members.into_iter().map(|(_, i)| i).collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        assert_eq!(rotation_base("app.log"), ("app.log".into(), Age::Current));
        assert_eq!(
            rotation_base("app.log.1"),
            ("app.log".into(), Age::Numbered(1))
        );
        assert_eq!(
            rotation_base("app.log.12.gz"),
            ("app.log".into(), Age::Numbered(12))
        );
        assert_eq!(
            rotation_base("access.log-20230601.gz"),
            ("access.log".into(), Age::Dated("20230601".into()))
        );
        assert_eq!(
            rotation_base("syslog.2023-06-01"),
            ("syslog".into(), Age::Dated("20230601".into()))
        );
        assert_eq!(
            rotation_base("catalina.2024-01-21.log"),
            ("catalina.2024-01-21.log".into(), Age::Current)
        );
        assert_eq!(
            rotation_base("cjmessage1.log"),
            ("cjmessage1.log".into(), Age::Current)
        );
    }

    #[test]
    fn groups_oldest_first() {
        let paths: Vec<PathBuf> = [
            "d/app.log",
            "d/app.log.1",
            "d/app.log.2.gz",
            "d/other.log",
            "d/app.log.10.gz",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let g = group(&paths);
        assert_eq!(
            g,
            vec![
                ("d/app.log".to_string(), vec![4, 2, 1, 0]),
                ("d/other.log".to_string(), vec![3])
            ]
        );
    }
}
