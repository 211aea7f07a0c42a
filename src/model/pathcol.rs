//! The request path of every row, kept as a place in the row's message.
//!
//! An access log's path is part of its request line, which is the event's
//! message (`GET /api/items/42 HTTP/1.1`). Stored as text of its own it
//! cost about 28 bytes per request (20 of text, 8 of row end), a fifth of
//! the timeline; stored as where it starts in the message and how long it
//! is, it costs 4. A path that is not found in its message (or lies too far
//! into it) keeps text of its own, so nothing is lost whatever a format
//! puts in the message.

use super::buf::{Buf, Held};
use super::sparse::Sparse;
use super::timeline::TextCol;

/// The marker of a row whose path is not a slice of its message: its path
/// (maybe none) is in [`PathCol::own`].
pub(crate) const OWN: u32 = u32::MAX;

/// Request paths: for each row either `start << 16 | len` of a slice of the
/// row's message, or [`OWN`] and the text in `own`.
#[derive(Debug, Clone)]
pub(crate) struct PathCol {
    /// Where each row's path lies in its message (start and length, 16 bits
    /// each); [`OWN`] for the others. Costs nothing while no row has one.
    pub(crate) at: Sparse<u32>,
    /// The text of paths not found in their message; empty for the others.
    pub(crate) own: TextCol,
}

impl PathCol {
    /// Remove every row, keeping the capacity (the caller checks that the
    /// text is not [`TextCol::spilling`]).
    pub(crate) fn clear(&mut self) {
        let PathCol { at, own } = self;
        own.clear();
        at.clear();
    }
}

impl Default for PathCol {
    fn default() -> Self {
        PathCol {
            at: Sparse::new(OWN),
            own: TextCol::default(),
        }
    }
}

/// Where `path` lies in `message`, packed, when it does and both its start
/// and its length fit in 16 bits.
fn locate(message: &str, path: &str) -> Option<u32> {
    if path.is_empty() {
        return None;
    }
    // A parser usually borrows both from the same line: the path's address
    // then says where it is without a search.
    let (m, p) = (message.as_ptr() as usize, path.as_ptr() as usize);
    let start = if p >= m && p + path.len() <= m + message.len() {
        p - m
    } else {
        memchr::memmem::find(message.as_bytes(), path.as_bytes())?
    };
    let len = path.len();
    (start <= 0xFFFF && len < 0xFFFF).then_some(((start as u32) << 16) | len as u32)
}

/// Where a packed place (not [`OWN`]) puts a path in its message.
pub(crate) fn place(at: u32) -> std::ops::Range<usize> {
    let start = (at >> 16) as usize;
    start..start + (at & 0xFFFF) as usize
}

impl PathCol {
    /// Append row number `row` (the rows before it number `row`), whose
    /// message is `message`; an empty `path` means none.
    pub(crate) fn push(&mut self, row: usize, message: &str, path: &str) {
        match locate(message, path) {
            Some(at) => {
                self.at.push(row, at);
                self.own.push("");
            }
            None => {
                self.at.push(row, OWN);
                self.own.push(path);
            }
        }
    }

    /// Row `i`'s path, whose message column is `message`; `None` when the
    /// row has none (or, in a damaged case file, when the slice does not
    /// fall on the message's characters).
    pub(crate) fn get<'a>(&'a self, i: usize, message: &'a TextCol) -> Option<&'a str> {
        let at = self.at.get(i);
        if at == OWN {
            return self.own.get(i);
        }
        message.get(i)?.get(place(at)).filter(|s| !s.is_empty())
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.own.len()
    }

    /// Bytes of paths kept as text of their own.
    pub(crate) fn text_len(&self) -> usize {
        self.own.text_len()
    }

    /// Room for `more` rows after `rows`, exactly: slices when they are
    /// stored one per row ([`Sparse::reserve`]), and `bytes` of own text.
    pub(crate) fn reserve(&mut self, rows: usize, more: usize, bytes: usize) {
        self.at.reserve(rows, more);
        self.own.reserve(more, bytes);
    }

    /// Append `other` to this column of `rows` rows.
    pub(crate) fn append(&mut self, rows: usize, other: &PathCol) {
        self.at.append_map(rows, &other.at, other.len(), |v| v);
        self.own.append(&other.own);
    }

    /// Give back the spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.at.shrink_to_fit(self.len());
        self.own.shrink_to_fit();
    }

    /// Rows `idx` in that order.
    pub(crate) fn pick(&self, idx: &[usize]) -> PathCol {
        PathCol {
            at: self.at.pick(idx),
            own: self.own.pick(idx),
        }
    }

    /// A column from its stored parts ([`Sparse::stored`] of `at`, and
    /// `own`); `None` when they do not fit each other and `own`'s rows.
    pub(crate) fn from_parts(at: Buf<u32>, marks: Buf<u64>, own: TextCol) -> Option<PathCol> {
        Some(PathCol {
            at: Sparse::from_stored(at, marks, own.len(), OWN)?,
            own,
        })
    }
}

impl Held for PathCol {
    fn heap_bytes(&self) -> usize {
        self.at.heap_bytes() + self.own.heap_bytes()
    }

    fn mapped_bytes(&self) -> usize {
        self.at.mapped_bytes() + self.own.mapped_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(rows: &[(&str, &str)]) -> (TextCol, PathCol) {
        let (mut message, mut path) = (TextCol::default(), PathCol::default());
        for (row, (m, p)) in rows.iter().enumerate() {
            message.push(m);
            path.push(row, m, p);
        }
        (message, path)
    }

    fn paths(message: &TextCol, path: &PathCol) -> Vec<Option<String>> {
        (0..path.len())
            .map(|i| path.get(i, message).map(str::to_string))
            .collect()
    }

    #[test]
    fn a_path_inside_its_message_costs_no_text() {
        let line = "GET /api/items/42?x=1 HTTP/1.1";
        let borrowed = &line[4..17];
        let (message, path) = column(&[
            (line, borrowed),
            ("POST /login HTTP/1.1", "/login"),
            ("no request here", ""),
        ]);
        assert_eq!(
            paths(&message, &path),
            [Some("/api/items/42".into()), Some("/login".into()), None]
        );
        assert_eq!(path.text_len(), 0);
        assert!(path.at.has_values());
    }

    #[test]
    fn a_path_elsewhere_keeps_its_own_text() {
        let far = format!("{} /deep", "x".repeat(70_000));
        let long_path = format!("/{}", "p".repeat(70_000));
        let long_message = format!("GET {long_path}");
        let (message, path) = column(&[
            ("request failed", "/api/orders"),
            ("GET /a HTTP/1.1", "/a"),
            (&far, "/deep"),
            (&long_message, &long_path),
        ]);
        let got = paths(&message, &path);
        assert_eq!(got[0].as_deref(), Some("/api/orders"));
        assert_eq!(got[1].as_deref(), Some("/a"));
        assert_eq!(got[2].as_deref(), Some("/deep"));
        assert_eq!(got[3].as_deref(), Some(long_path.as_str()));
        assert_eq!(path.text_len(), "/api/orders/deep".len() + long_path.len());
    }

    #[test]
    fn append_and_pick_keep_rows_aligned() {
        let (mut message, mut path) = column(&[("no path", ""), ("x", "/own")]);
        let (m2, p2) = column(&[("GET /b HTTP/1.1", "/b"), ("none", "")]);
        path.append(message.len(), &p2);
        message.append(&m2);
        assert_eq!(
            paths(&message, &path),
            [None, Some("/own".into()), Some("/b".into()), None]
        );
        let idx = [2, 1, 0];
        let (pm, pp) = (message.pick(&idx), path.pick(&idx));
        assert_eq!(
            paths(&pm, &pp),
            [Some("/b".into()), Some("/own".into()), None]
        );
    }

    #[test]
    fn a_damaged_slice_reads_as_no_path() {
        let (message, _) = column(&[("GET /é HTTP/1.1", "")]);
        let damaged = |at: u32| {
            PathCol::from_parts(vec![at].into(), Buf::new(), {
                let mut own = TextCol::default();
                own.push("");
                own
            })
            .map(|p| p.get(0, &message).map(str::to_string))
        };
        // Inside "é" (bytes 5..7), past the end, and of length 0.
        assert_eq!(damaged((6 << 16) | 2), Some(None));
        assert_eq!(damaged((40 << 16) | 2), Some(None));
        assert_eq!(damaged(4 << 16), Some(None));
        assert_eq!(damaged((4 << 16) | 3), Some(Some("/é".into())));
        assert!(PathCol::from_parts(vec![1, 2].into(), Buf::new(), TextCol::default()).is_none());
        // Marked slices: one row of two has one, and a mark past the rows.
        let mut own = TextCol::default();
        own.push("");
        own.push("");
        let marked = PathCol::from_parts(vec![4 << 16 | 3].into(), vec![0b10].into(), own.clone());
        assert_eq!(marked.map(|p| p.at.get(1)), Some(4 << 16 | 3));
        assert!(PathCol::from_parts(vec![1].into(), vec![0b100].into(), own).is_none());
    }
}
