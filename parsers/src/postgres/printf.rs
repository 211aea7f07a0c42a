//! A printf format (`%d`, `%s`, `%ld`, `%03d`, positional `%2$s`) matched
//! against text the server wrote with it, giving back its arguments.
//!
//! PostgreSQL writes its messages through printf formats, translated by
//! its message catalogues; `i18n.rs` reads a message by matching it
//! against a format and its translations. Every lock wait, its `DETAIL`
//! and its lock object goes through here, so it is on the hot path of a
//! lock-heavy log.
//!
//! A format is the anchored regex `(?s)^literal(-?[0-9]+)literal(.*?)…$`
//! (`Printf::regex_source`): integers take the longest run of digits
//! that lets the rest match, strings the shortest, a string that ends a
//! format nothing may follow takes the rest, and text may follow a format
//! that allows a tail. [`Printf::captures`] finds exactly the regex's
//! captures with a small backtracking search over the literals and the
//! arguments, in the regex's order of preference: a `%s` followed by a
//! literal only tries the places where that literal occurs. That search
//! costs a few comparisons on a real message, where the regex engine cost
//! a third of the parse of a PostgreSQL lock log. On text built to make it
//! backtrack (a literal repeated hundreds of times) it stops after
//! [`BUDGET`] steps and the regex, compiled then, finishes the match in
//! linear time.

use regex::Regex;
use std::sync::OnceLock;

/// Search steps before [`Printf::captures`] leaves the match to the regex.
const BUDGET: u32 = 4096;

/// Captures the search keeps on the stack; a format with more arguments
/// (none that PostgreSQL writes) is matched by the regex alone.
const MAX_CAPTURES: usize = 16;

/// A piece of a compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Literal text (never empty).
    Lit(Box<str>),
    /// `%d`, `%u`, `%i` with any flags, width and length: `-?[0-9]+`, as
    /// long as the rest allows.
    Int,
    /// `%s`: as short as the rest allows.
    Lazy,
    /// A `%s` that ends a format nothing may follow: the rest of the text.
    Rest,
}

/// One printf format, compiled for matching (see the module's docs).
#[derive(Debug)]
pub(crate) struct Printf {
    pieces: Vec<Piece>,
    /// Whether text may follow the format.
    tail: bool,
    /// For each capture, in text order, the 0-based printf argument it holds.
    args: Vec<usize>,
    /// The literal text before the first argument: a cheap first test.
    lead: Box<str>,
    /// The regex the format reads as (`Printf::regex_source`).
    source: Box<str>,
    /// The regex, compiled when a search first runs out of budget.
    regex: OnceLock<Option<Regex>>,
}

impl Printf {
    /// Compile `fmt`; with `tail`, text may follow it (servers append ` at
    /// character N`, translated, to some messages). `None` for a
    /// conversion other than `d`, `u`, `i` and `s`, or a bad position.
    pub(crate) fn compile(fmt: &str, tail: bool) -> Option<Printf> {
        let mut source = String::from("(?s)^");
        let mut pieces = Vec::new();
        let mut args = Vec::new();
        let mut next_arg = 0usize;
        let mut chars = fmt.chars().peekable();
        let mut literal = String::new();
        let mut lead: Option<String> = None;
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                literal.push('%');
                continue;
            }
            if lead.is_none() {
                lead = Some(literal.clone());
            }
            source.push_str(&regex::escape(&literal));
            if !literal.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut literal).into()));
            }
            // Argument position, flags, width, length modifier, conversion.
            let mut spec = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() || d == '$' || d == 'l' || d == 'z' || d == '-' {
                    spec.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let conv = chars.next()?;
            let pos = match spec.split_once('$') {
                Some((n, _)) => n.parse::<usize>().ok()?.checked_sub(1)?,
                None => {
                    let p = next_arg;
                    next_arg += 1;
                    p
                }
            };
            match conv {
                'd' | 'u' | 'i' => {
                    source.push_str("(-?[0-9]+)");
                    pieces.push(Piece::Int);
                }
                's' if chars.peek().is_none() && !tail => {
                    source.push_str("(.*)");
                    pieces.push(Piece::Rest);
                }
                's' => {
                    source.push_str("(.*?)");
                    pieces.push(Piece::Lazy);
                }
                _ => return None,
            }
            args.push(pos);
        }
        source.push_str(&regex::escape(&literal));
        if tail {
            source.push_str(".*");
        }
        source.push('$');
        let lead = lead.unwrap_or_else(|| literal.clone());
        if !literal.is_empty() {
            pieces.push(Piece::Lit(literal.into()));
        }
        Some(Printf {
            pieces,
            tail,
            args,
            lead: lead.into(),
            source: source.into(),
            regex: OnceLock::new(),
        })
    }

    /// The format as an anchored regex: what [`Printf::captures`] matches.
    #[cfg(test)]
    fn regex_source(&self) -> &str {
        &self.source
    }

    /// The literal text before the first argument.
    #[cfg(test)]
    fn lead(&self) -> &str {
        &self.lead
    }

    /// The arguments `text` was written with, in the format's argument
    /// order (a positional format's translation captures them in another
    /// order); `None` when `text` does not read as this format.
    pub(crate) fn captures<'t>(&self, text: &'t str) -> Option<Vec<&'t str>> {
        if !text.starts_with(&*self.lead) {
            return None;
        }
        let mut spans = [(0usize, 0usize); MAX_CAPTURES];
        let mut budget = BUDGET;
        let found = match self.args.len() <= MAX_CAPTURES {
            true => self.search(0, text, 0, &mut spans, 0, &mut budget),
            false => None,
        };
        match found {
            Some(true) => self.arguments(text, |k| spans.get(k).copied()),
            Some(false) => None,
            None => self.regex_captures(text),
        }
    }

    /// [`Printf::captures`] through the regex alone.
    fn regex_captures<'t>(&self, text: &'t str) -> Option<Vec<&'t str>> {
        let regex = self
            .regex
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()?;
        let caps = regex.captures(text)?;
        self.arguments(text, |k| caps.get(k + 1).map(|m| (m.start(), m.end())))
    }

    /// The arguments, given the span of each capture in text order.
    fn arguments<'t>(
        &self,
        text: &'t str,
        span: impl Fn(usize) -> Option<(usize, usize)>,
    ) -> Option<Vec<&'t str>> {
        let n = self.args.iter().copied().max().map_or(0, |m| m + 1);
        let mut out = vec![""; n];
        for (k, pos) in self.args.iter().enumerate() {
            let (start, end) = span(k)?;
            *out.get_mut(*pos)? = text.get(start..end)?;
        }
        Some(out)
    }

    /// Whether pieces `i..` match `text[pos..]` to its end (or, with a
    /// tail, to anywhere), trying each piece's choices in the regex's
    /// order and recording capture `cap` onwards in `spans`. `None` once
    /// `budget` steps are spent.
    fn search(
        &self,
        i: usize,
        text: &str,
        pos: usize,
        spans: &mut [(usize, usize); MAX_CAPTURES],
        cap: usize,
        budget: &mut u32,
    ) -> Option<bool> {
        *budget = budget.checked_sub(1)?;
        let Some(piece) = self.pieces.get(i) else {
            return Some(self.tail || pos == text.len());
        };
        let rest = text.get(pos..)?;
        match piece {
            Piece::Lit(lit) => match rest.starts_with(&**lit) {
                true => self.search(i + 1, text, pos + lit.len(), spans, cap, budget),
                false => Some(false),
            },
            Piece::Int => {
                let bytes = rest.as_bytes();
                let sign = usize::from(bytes.first() == Some(&b'-'));
                let digits = bytes
                    .get(sign..)?
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                for len in (1..=digits).rev() {
                    let end = pos + sign + len;
                    *spans.get_mut(cap)? = (pos, end);
                    if self.search(i + 1, text, end, spans, cap + 1, budget)? {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Piece::Rest => {
                *spans.get_mut(cap)? = (pos, text.len());
                self.search(i + 1, text, text.len(), spans, cap + 1, budget)
            }
            Piece::Lazy => {
                let mut end = pos;
                loop {
                    // The next place the rest could start: where the next
                    // literal occurs; the end of the text when nothing
                    // follows and nothing may; here when a tail may.
                    end = match self.pieces.get(i + 1) {
                        Some(Piece::Lit(lit)) => match find(text.get(end..)?, lit) {
                            Some(at) => end + at,
                            None => return Some(false),
                        },
                        None if !self.tail => text.len(),
                        _ => end,
                    };
                    *spans.get_mut(cap)? = (pos, end);
                    if self.search(i + 1, text, end, spans, cap + 1, budget)? {
                        return Some(true);
                    }
                    match text.get(end..)?.chars().next() {
                        Some(c) => end += c.len_utf8(),
                        None => return Some(false),
                    }
                }
            }
        }
    }
}

/// Where `lit` (not empty) first occurs in `hay`. Messages and literals
/// are short: the first byte is found with `memchr` and the rest compared,
/// where `str::find` built a two-way searcher on every call. A match is at
/// a character boundary, as `lit` starts with one.
fn find(hay: &str, lit: &str) -> Option<usize> {
    let (&first, _) = lit.as_bytes().split_first()?;
    let bytes = hay.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr(first, bytes.get(from..)?) {
        let at = from + at;
        if bytes.get(at..)?.starts_with(lit.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::XorShift;

    fn args<'t>(p: &Printf, text: &'t str) -> Option<Vec<&'t str>> {
        p.captures(text)
    }

    #[test]
    fn compiles_to_pieces_and_the_regex() {
        let p = Printf::compile(
            "process %d still waiting for %s on %s after %ld.%03d ms",
            true,
        )
        .expect("compiles");
        assert_eq!(p.lead(), "process ");
        assert_eq!(
            p.regex_source(),
            r"(?s)^process (-?[0-9]+) still waiting for (.*?) on (.*?) after (-?[0-9]+)\.(-?[0-9]+) ms.*$"
        );
        let p = Printf::compile("statement: %s", false).expect("compiles");
        assert_eq!(p.pieces, [Piece::Lit("statement: ".into()), Piece::Rest]);
        let p = Printf::compile("%2$s の %1$s", false).expect("compiles");
        assert_eq!(p.args, [1, 0]);
        assert!(Printf::compile("%x", false).is_none());
        assert!(Printf::compile("%0$s", false).is_none());
    }

    #[test]
    fn arguments_as_the_regex_takes_them() {
        let wait = Printf::compile(
            "process %d still waiting for %s on %s after %ld.%03d ms",
            true,
        )
        .expect("compiles");
        let text = "process 48497 still waiting for ExclusiveLock on relation 16533 of database \
                    16401 after 1000.179 ms at character 5";
        assert_eq!(
            args(&wait, text),
            Some(vec![
                "48497",
                "ExclusiveLock",
                "relation 16533 of database 16401",
                "1000",
                "179"
            ])
        );
        // The shortest string that lets the rest match: the first " on ".
        let text = "process 1 still waiting for A on B on C after 1.5 ms";
        assert_eq!(args(&wait, text), Some(vec!["1", "A", "B on C", "1", "5"]));
        assert_eq!(args(&wait, "process x still waiting"), None);
        // A positional translation gives the arguments in English order.
        let p = Printf::compile("%2$s の %1$s", false).expect("compiles");
        assert_eq!(args(&p, "表 の 行"), Some(vec!["行", "表"]));
        // Nothing may follow an exact format.
        let p = Printf::compile("transaction %u", false).expect("compiles");
        assert_eq!(args(&p, "transaction 42"), Some(vec!["42"]));
        assert_eq!(args(&p, "transaction 42 "), None);
        assert_eq!(args(&p, "transaction -"), None);
    }

    #[test]
    fn too_much_backtracking_is_left_to_the_regex() {
        let p = Printf::compile("%s on %s on %s on %s after %d ms", false).expect("compiles");
        let text = format!("{}after 5 ms!", "x on ".repeat(400));
        assert_eq!(p.search(0, &text, 0, &mut [(0, 0); 16], 0, &mut 4096), None);
        assert_eq!(p.captures(&text), None);
        assert_eq!(p.captures(&text), p.regex_captures(&text));
        let text = format!("{}after 5 ms", "x on ".repeat(400));
        assert_eq!(p.captures(&text), p.regex_captures(&text));
        assert!(p.captures(&text).is_some());
    }

    /// Text that reads as `p` or nearly: each argument drawn from numbers,
    /// words, the format's own literals (so that a string's end is
    /// ambiguous), spaces, newlines and multi-byte text; then sometimes cut,
    /// extended or with a character dropped.
    fn nearly(p: &Printf, rng: &mut XorShift) -> String {
        let lits: Vec<&str> = p
            .pieces
            .iter()
            .filter_map(|q| match q {
                Piece::Lit(l) => Some(&**l),
                _ => None,
            })
            .collect();
        let atoms = [
            "1", "-7", "007", "-", "", "a", "é", "日本", " ", "\n", ".", "%", "12.5",
        ];
        let mut s = String::new();
        for piece in &p.pieces {
            match piece {
                Piece::Lit(l) if rng.below(20) > 0 => s.push_str(l),
                Piece::Lit(_) => {}
                _ => {
                    for _ in 0..rng.below(4) {
                        match rng.below(3) {
                            0 if !lits.is_empty() => s.push_str(rng.pick::<&str>(&lits)),
                            _ => s.push_str(rng.pick::<&str>(&atoms)),
                        }
                    }
                }
            }
        }
        match rng.below(6) {
            0 => s.push_str(rng.pick::<&str>(&atoms)),
            1 if !lits.is_empty() => s.push_str(rng.pick::<&str>(&lits)),
            2 => {
                let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
                if !cuts.is_empty() {
                    s.truncate(*rng.pick(cuts.as_slice()));
                }
            }
            3 => {
                let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
                if !cuts.is_empty() {
                    s.remove(*rng.pick(cuts.as_slice()));
                }
            }
            _ => {}
        }
        s
    }

    /// Check the search against the regex on `n` texts built for `p`; how
    /// many of them matched.
    fn agreements(p: &Printf, rng: &mut XorShift, n: usize) -> usize {
        let mut matched = 0;
        for _ in 0..n {
            let text = nearly(p, rng);
            let got = p.captures(&text);
            assert_eq!(got, p.regex_captures(&text), "{p:?} on {text:?}");
            matched += usize::from(got.is_some());
        }
        matched
    }

    /// The search gives the regex's captures, on formats of every shape
    /// (the real catalogues' are checked in `i18n.rs`).
    #[test]
    fn the_search_agrees_with_the_regex() {
        let formats = [
            "process %d still waiting for %s on %s after %ld.%03d ms",
            "%s%s",
            "%s.%s",
            "%d%d",
            "%s %d %s",
            "a%sb%sc",
            "%2$s の %1$s",
            "%s",
            "%d",
            "plain",
            "(%u,%u) in relation \"%s\"",
            "%s after %d ms",
        ];
        let mut rng = XorShift(0x5eed_1234);
        let mut matched = 0;
        for fmt in formats {
            for tail in [false, true] {
                let p = Printf::compile(fmt, tail).expect("compiles");
                matched += agreements(&p, &mut rng, 2_000);
            }
        }
        // Both outcomes are exercised.
        assert!(matched > 15_000 && matched < 30_000, "{matched}");
    }

    /// The same on every format of PostgreSQL's catalogues that pm-tui
    /// reads, in every language.
    #[test]
    fn the_search_agrees_with_the_regex_on_the_catalogues() {
        let formats = super::super::i18n::all_formats();
        assert!(formats.len() > 300, "{}", formats.len());
        let mut rng = XorShift(0xca7a_1095);
        let (mut tried, mut matched) = (0, 0);
        for (fmt, tail) in formats {
            let Some(p) = Printf::compile(fmt, tail) else {
                continue;
            };
            tried += 200;
            matched += agreements(&p, &mut rng, 200);
        }
        // Both outcomes are exercised.
        assert!(
            matched > tried / 10 && matched < tried * 9 / 10,
            "{matched} of {tried}"
        );
    }
}
