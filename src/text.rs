//! Making log text safe and readable for a terminal: control characters and
//! escape sequences shown as escapes, never interpreted; numbers and
//! durations formatted for humans.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that would change what a terminal shows rather than being
/// shown: C0 and C1 controls (ESC included), DEL, and the bidi overrides
/// that can reorder text (Trojan Source).
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Escape what a terminal would interpret: `\x1b` for ESC, `\r`, `\u{202e}`, …
/// Tabs become a space. Borrows when nothing needs escaping.
pub fn escape_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe_char(c) || c == '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 && is_unsafe_char(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in ms for humans: `850 ms`, `12.9 s`, `6 m 12 s`, `2 h 05 m`.
pub fn human_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "?".into();
    }
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms < 3_600_000.0 {
        let s = (ms / 1000.0).round() as u64;
        format!("{} m {:02} s", s / 60, s % 60)
    } else {
        let m = (ms / 60_000.0).round() as u64;
        format!("{} h {:02} m", m / 60, m % 60)
    }
}

/// Cut `s` to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_interpret() {
        assert_eq!(escape_terminal("plain ログ"), "plain ログ");
        assert!(matches!(escape_terminal("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape_terminal("\x1b[31mred\x1b[0m"),
            "\\x1b[31mred\\x1b[0m"
        );
        assert_eq!(escape_terminal("a\rb\u{7}"), "a\\rb\\x07");
        assert_eq!(escape_terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape_terminal("\u{9b}31m"), "\\x9b31m");
        assert_eq!(escape_terminal("a\tb"), "a b");
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(human_ms(0.5), "0.50 ms");
        assert_eq!(human_ms(850.0), "850 ms");
        assert_eq!(human_ms(12_940.0), "12.9 s");
        assert_eq!(human_ms(372_000.0), "6 m 12 s");
        assert_eq!(human_ms(7_500_000.0), "2 h 05 m");
        assert_eq!(truncate_chars("日本語テキスト", 4), "日本語…");
    }
}
