//! Making log-derived text inert in markdown and mermaid.
//!
//! Log lines are hostile input for a markdown document: a `|` splits a
//! table cell, a backtick opens code, `<script>` is raw HTML, a leading `#`
//! or `>` makes a heading or a quote, `[x](y)` a link, `*`/`_` emphasis, an
//! ANSI sequence or a bidi override garbles what the reader sees. Every
//! function here takes text that came from logs (after redaction) and
//! returns text that renders as exactly those characters, on one line.
//!
//! - [`clean`]: ANSI escape sequences removed, other control characters and
//!   bidi overrides shown as escapes (`\x07`, `\u{202e}`), tabs as spaces,
//!   line breaks as ` ↵ `. Every other function starts with it.
//! - [`inline`]: markdown text for a paragraph, list item or quote.
//! - [`cell`]: [`inline`] for a table cell (never empty).
//! - [`code_span`] / [`code_span_in_cell`]: a `` `code span` `` holding the
//!   text verbatim, its fence longer than any backtick run inside.
//! - [`mermaid_label`]: a gantt task or section name made of characters
//!   mermaid reads as plain text (mermaid gantt has no quoting).

use std::fmt::Write;

/// Shown where a log line had a line break: tables and paragraphs are one line.
pub const NEWLINE_MARK: &str = " ↵ ";

/// Characters shown as escapes rather than passed on: C0 and C1 controls
/// (ESC included) except tab and line breaks, DEL, and the bidi controls
/// that reorder text (Trojan Source).
fn is_unsafe(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Length in bytes of the ANSI/VT escape sequence starting at `s[0] == ESC`
/// (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, or a two-byte `ESC x`), or
/// `None` for a lone ESC.
fn ansi_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.get(1)? {
        b'[' => {
            // Parameters and intermediates 0x20..=0x3f, final byte 0x40..=0x7e.
            for (k, &x) in b.iter().enumerate().skip(2) {
                match x {
                    0x40..=0x7e => return Some(k + 1),
                    0x20..=0x3f => {}
                    _ => return None,
                }
            }
            None
        }
        b']' | b'P' | b'_' | b'^' => {
            // String sequences end at BEL or ST (ESC \).
            let mut k = 2;
            while k < b.len() {
                if b[k] == 0x07 {
                    return Some(k + 1);
                }
                if b[k] == 0x1b && b.get(k + 1) == Some(&b'\\') {
                    return Some(k + 2);
                }
                k += 1;
            }
            None
        }
        0x20..=0x7e => Some(2),
        _ => None,
    }
}

/// Log text made visible and single-line: ANSI escape sequences (colours,
/// cursor moves, titles) removed; other control characters and bidi
/// overrides shown as `\x07` / `\u{202e}`; tabs as one space; `\r\n`, `\n`
/// and `\r` as [`NEWLINE_MARK`]; leading and trailing whitespace trimmed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let step = c.len_utf8();
        match c {
            '\x1b' => {
                if let Some(n) = ansi_len(rest) {
                    rest = &rest[n..];
                    continue;
                }
                out.push_str("\\x1b");
            }
            '\r' if rest[1..].starts_with('\n') => {
                out.push_str(NEWLINE_MARK);
                rest = &rest[2..];
                continue;
            }
            '\r' | '\n' => out.push_str(NEWLINE_MARK),
            '\t' => out.push(' '),
            c if is_unsafe(c) && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
        rest = &rest[step..];
    }
    out.trim().to_string()
}

/// True when text starting a line would open a block: an ATX heading
/// (`# `), a bullet (`- `, `+ `), an ordered list item (`1. `, `3) `), or a
/// thematic break / setext underline (`---`, `===`, a line of only those).
/// `#35;`, `--tz`, `v1.2` and `10.0.0.1` open nothing.
fn opens_block(chars: &[char]) -> bool {
    let spaced = |k: usize| chars.get(k).is_none_or(|c| *c == ' ');
    match chars.first() {
        Some('#') => {
            let n = chars.iter().take_while(|&&c| c == '#').count();
            n <= 6 && spaced(n)
        }
        Some('-' | '+') if spaced(1) => true,
        Some(&c @ ('-' | '=')) => chars.iter().all(|&x| x == c || x == ' '),
        Some(c) if c.is_ascii_digit() => {
            let n = chars.iter().take_while(|c| c.is_ascii_digit()).count();
            n <= 9 && matches!(chars.get(n), Some('.' | ')')) && spaced(n + 1)
        }
        _ => false,
    }
}

/// Markdown inline text that renders as `s`, verbatim, on one line.
///
/// After [`clean`]: `\` `` ` `` `*` `[` `]` `|` `~` `$` `{` `}` and `!` are
/// backslash-escaped; `_` too unless it sits inside a word (`item_id` stays
/// readable, `_x_` is not emphasis); `<`, `>` and `&` become entities, so no
/// HTML, autolink or entity is ever formed; text that would open a block at
/// the start of a line (`# `, `- `, `+ `, `1. `, `---`) gets its first
/// character escaped, so it is safe wherever it is placed.
pub fn inline(s: &str) -> String {
    let c = clean(s);
    let chars: Vec<char> = c.chars().collect();
    let mut out = String::with_capacity(c.len() + 8);
    let lead = opens_block(&chars);
    for (k, &ch) in chars.iter().enumerate() {
        match ch {
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '$' | '{' | '}' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            '_' => {
                let word = |x: Option<&char>| x.is_some_and(|c| c.is_alphanumeric());
                let inside = k > 0 && word(chars.get(k - 1)) && word(chars.get(k + 1));
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '#' | '-' | '+' | '=' if k == 0 && lead => {
                out.push('\\');
                out.push(ch);
            }
            '.' | ')' if lead && k > 0 && chars[..k].iter().all(|d| d.is_ascii_digit()) => {
                // `1.` or `1)` at the start would open an ordered list.
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// [`inline`] for a GFM table cell: never empty (an empty cell is a space).
pub fn cell(s: &str) -> String {
    let t = inline(s);
    if t.is_empty() { " ".to_string() } else { t }
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A code span showing `s` verbatim (after [`clean`]): the fence is one
/// backtick longer than the longest backtick run inside, and the content is
/// padded with spaces when it starts or ends with a backtick.
pub fn code_span(s: &str) -> String {
    span_of(&clean(s))
}

fn span_of(c: &str) -> String {
    if c.is_empty() {
        return "` `".to_string();
    }
    let fence = "`".repeat(longest_backtick_run(c) + 1);
    let pad = c.starts_with('`') || c.ends_with('`');
    if pad {
        format!("{fence} {c} {fence}")
    } else {
        format!("{fence}{c}{fence}")
    }
}

/// [`code_span`] for a table cell: GFM splits cells on `|` even inside
/// code, so pipes are written `\|` (which GFM shows as `|` in the span).
pub fn code_span_in_cell(s: &str) -> String {
    let c = clean(s).replace('|', "\\|");
    span_of(&c)
}

/// A fenced code block fence for `body`: backticks, at least three and
/// longer than any backtick run in it, so no line of `body` can close it.
pub fn fence_for(body: &str) -> String {
    "`".repeat((longest_backtick_run(body) + 1).max(3))
}

/// A mermaid gantt label (task or section name) that mermaid reads as plain
/// text. Gantt syntax has no quoting: a `:` ends the task name, `#` and `;`
/// start entities and statements, `%%` a comment, `<`/`>` HTML and a
/// backtick could close the code fence, parentheses a `click … call f()`.
/// Quotes and backticks are dropped; `:` becomes the look-alike `∶`
/// (U+2236); letters, digits, spaces and `. , - _ / = +` are kept; anything
/// else becomes a space, runs of spaces collapse, and the result is cut to
/// `max` characters. Callers start every label with their own words, so a
/// label never begins with a gantt keyword.
pub fn mermaid_label(s: &str, max: usize) -> String {
    let c = clean(s);
    let mut out = String::with_capacity(c.len());
    let mut space = false;
    for ch in c.chars() {
        if matches!(ch, '`' | '"' | '\'') {
            continue; // quoting characters: dropped, `booth`.`items` reads booth.items
        }
        let ch = if ch == ':' { '∶' } else { ch };
        let keep =
            ch.is_alphanumeric() || matches!(ch, '.' | ',' | '-' | '_' | '/' | '=' | '+' | '∶');
        if keep && !ch.is_control() {
            out.push(ch);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    let t = out.trim();
    let cut: String = t.chars().take(max).collect();
    if cut.chars().count() < t.chars().count() {
        format!("{}…", cut.trim_end())
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_ansi_and_shows_controls() {
        assert_eq!(clean("\x1b[31mred\x1b[0m text"), "red text");
        assert_eq!(clean("\x1b]0;title\x07after"), "after");
        assert_eq!(clean("bell\x07 del\x7f"), "bell\\x07 del\\x7f");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(clean("a\tb"), "a b");
        assert_eq!(clean("one\r\ntwo\nthree\rfour"), "one ↵ two ↵ three ↵ four");
        assert_eq!(clean("lone \x1b"), "lone \\x1b");
        assert_eq!(clean("  padded  "), "padded");
        assert_eq!(clean("ログ ✓"), "ログ ✓");
    }

    #[test]
    fn inline_escapes_markdown() {
        assert_eq!(inline("a | b"), "a \\| b");
        assert_eq!(inline("`rm -rf`"), "\\`rm -rf\\`");
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(inline("&copy;"), "&amp;copy;");
        assert_eq!(inline("# not a heading"), "\\# not a heading");
        assert_eq!(inline("> not a quote"), "&gt; not a quote");
        assert_eq!(inline("- not a list"), "\\- not a list");
        assert_eq!(inline("+ not a list"), "\\+ not a list");
        assert_eq!(inline("12. not a list"), "12\\. not a list");
        assert_eq!(inline("3) not a list"), "3\\) not a list");
        assert_eq!(inline("v1.2 is fine"), "v1.2 is fine");
        assert_eq!(inline("10.20.2.16"), "10.20.2.16");
        assert_eq!(inline("--tz"), "--tz");
        assert_eq!(inline("#35;"), "#35;");
        assert_eq!(inline("---"), "\\---");
        assert_eq!(inline("= = ="), "\\= = =");
        assert_eq!(inline("-"), "\\-");
        assert_eq!(inline("###### six"), "\\###### six");
        assert_eq!(inline("[x](http://e.example)"), "\\[x\\](http://e.example)");
        assert_eq!(inline("![i](x.png)"), "\\!\\[i\\](x.png)");
        assert_eq!(
            inline("*bold* _em_ ~~s~~"),
            "\\*bold\\* \\_em\\_ \\~\\~s\\~\\~"
        );
        assert_eq!(inline("item_id=12 lock_held"), "item_id=12 lock_held");
        assert_eq!(inline("a\\b"), "a\\\\b");
        assert_eq!(inline("$x$"), "\\$x\\$");
        assert_eq!(inline("SELECT * FROM t"), "SELECT \\* FROM t");
        assert_eq!(inline("x - y"), "x - y");
    }

    #[test]
    fn cells_are_never_empty_and_one_line() {
        assert_eq!(cell(""), " ");
        assert_eq!(cell("a\nb|c"), "a ↵ b\\|c");
    }

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(code_span("plain"), "`plain`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_span("```"), "```` ``` ````");
        assert_eq!(code_span(""), "` `");
        assert_eq!(code_span_in_cell("a|b"), "`a\\|b`");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("```\nx"), "````");
    }

    #[test]
    fn mermaid_labels_are_plain() {
        assert_eq!(
            mermaid_label("POST /items/:id: 504", 40),
            "POST /items/∶id∶ 504"
        );
        assert_eq!(mermaid_label("`booth`.`items`", 40), "booth.items");
        assert_eq!(mermaid_label("a;b#c%%d<e>`f`", 40), "a b c d e f");
        assert_eq!(mermaid_label("click x call y()", 40), "click x call y");
        assert_eq!(mermaid_label("日本語ラベル", 40), "日本語ラベル");
        assert_eq!(mermaid_label("abcdefghij", 5), "abcde…");
        assert_eq!(mermaid_label("x\ny", 10), "x y");
    }
}
