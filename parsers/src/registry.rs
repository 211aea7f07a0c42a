//! The set of known formats, and sniffing: which one reads a file best.

use crate::decl::{DeclFormat, FormatError, FormatWarning};
use crate::parser::{Format, SAMPLE_LINES, Sample};
use std::sync::Arc;

/// Where a format comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in Rust in this crate.
    Builtin,
    /// A declarative format shipped in `parsers/formats/`.
    BuiltinToml(&'static str),
    /// A user's declarative format file.
    User(String),
}

/// A format and where it came from.
#[derive(Clone)]
pub struct Entry {
    /// The format.
    pub format: Arc<dyn Format>,
    /// Its origin.
    pub origin: Origin,
}

/// The declarative formats built in, embedded at compile time.
pub const BUILTIN_TOML: &[(&str, &str)] = &[
    (
        "formats/batch-kv.toml",
        include_str!("../formats/batch-kv.toml"),
    ),
    (
        "formats/pt-stalk-trigger.toml",
        include_str!("../formats/pt-stalk-trigger.toml"),
    ),
];

/// Below this score a file's format is "unknown".
pub const MIN_SCORE: f32 = 0.12;

/// All formats pm-tui knows, in sniffing order (earlier wins ties).
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

/// The result of sniffing a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sniffed {
    /// Index of the best format in the registry, if any scored above [`MIN_SCORE`].
    pub best: Option<usize>,
    /// Every format with a positive score, best first: (index, score).
    pub scores: Vec<(usize, f32)>,
}

impl Registry {
    /// The built-in formats (Rust and embedded TOML).
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        for f in crate::builtin_formats() {
            r.entries.push(Entry {
                format: f,
                origin: Origin::Builtin,
            });
        }
        for (path, src) in BUILTIN_TOML {
            // Built-in definitions are checked by the test suite; a broken
            // one is left out rather than taking the program down.
            if let Ok((f, _)) = DeclFormat::from_toml(src, path) {
                r.entries.push(Entry {
                    format: Arc::new(f),
                    origin: Origin::BuiltinToml(path),
                });
            }
        }
        r
    }

    /// Add a user's declarative format. A user format with the name of an
    /// existing one replaces it (with a warning).
    pub fn add_user_toml(
        &mut self,
        src: &str,
        path: &str,
    ) -> Result<Vec<FormatWarning>, FormatError> {
        let (f, mut warnings) = DeclFormat::from_toml(src, path)?;
        let name = f.name().to_string();
        let entry = Entry {
            format: Arc::new(f),
            origin: Origin::User(path.to_string()),
        };
        if let Some(i) = self.entries.iter().position(|e| e.format.name() == name) {
            warnings.push(FormatWarning {
                path: path.to_string(),
                line: None,
                message: format!("replaces the format `{name}` defined elsewhere"),
            });
            self.entries[i] = entry;
        } else {
            // User formats are tried first: they exist to win.
            self.entries.insert(0, entry);
        }
        Ok(warnings)
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at `i`.
    pub fn entry(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i)
    }

    /// Find a format by name.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.format.name() == name)
    }

    /// Score every format on `sample`.
    pub fn sniff(&self, sample: &Sample<'_>) -> Sniffed {
        let mut scores: Vec<(usize, f32)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, e.format.sniff(sample)))
            .filter(|(_, s)| *s > 0.0 && s.is_finite())
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let best = scores
            .first()
            .filter(|(_, s)| *s >= MIN_SCORE)
            .map(|(i, _)| *i);
        Sniffed { best, scores }
    }
}

/// The first [`SAMPLE_LINES`] non-empty lines of a decoded text.
pub fn sample_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(SAMPLE_LINES);
    for l in text.split(['\n', '\r']) {
        if l.trim().is_empty() {
            continue;
        }
        out.push(l);
        if out.len() >= SAMPLE_LINES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_formats_have_unique_names_and_all_toml_load() {
        let r = Registry::builtin();
        let mut names: Vec<&str> = r.entries().iter().map(|e| e.format.name()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate format names");
        for (path, src) in BUILTIN_TOML {
            let res = DeclFormat::from_toml(src, path);
            assert!(res.is_ok(), "{path}: {:?}", res.err());
            let (_, warnings) = res.unwrap();
            assert!(warnings.is_empty(), "{path}: {warnings:?}");
        }
    }

    #[test]
    fn one_stray_line_does_not_flip_a_file() {
        let r = Registry::builtin();
        let mut lines: Vec<String> = (0..50)
            .map(|i| {
                format!(
                    r#"{{"time":"2023-06-01T00:00:{:02}Z","level":"info","msg":"m{i}"}}"#,
                    i % 60
                )
            })
            .collect();
        lines.insert(10, "2023-06-01 00:00:00 INFO a generic stray line".into());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let s = r.sniff(&Sample {
            lines: &refs,
            file_name: "x.log",
        });
        let best = s.best.and_then(|i| r.entry(i)).map(|e| e.format.name());
        assert_eq!(best, Some("json-lines"));
    }

    #[test]
    fn unknown_text_has_no_format() {
        let r = Registry::builtin();
        let lines = ["hello world", "this is prose", "no timestamps here"];
        let s = r.sniff(&Sample {
            lines: &lines,
            file_name: "README",
        });
        assert_eq!(s.best, None);
    }
}
