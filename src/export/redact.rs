//! Masking secrets and personal data in log-derived text before it leaves
//! pm-tui.
//!
//! A [`Redactor`] replaces each match with a numbered token of its class:
//! `[email#1]`, `[ip#2]`, `[secret#1]`, `[token#3]`, `[hex#1]`,
//! `[base64#1]`, `[redacted#1]` (user patterns). Numbers follow first
//! appearance within one export, and the same original text always gets the
//! same token, so a reader can still tell that two lines name the same
//! address without learning the address. Redaction runs before escaping.
//!
//! The built-in rules, in the order they apply:
//!
//! 1. user patterns (`--redact-pattern REGEX`; the whole match, or the
//!    first capture group when the pattern has one, becomes `[redacted#n]`);
//! 2. passwords in URLs and DSNs: `postgres://user:PASS@host` → `postgres://user:[secret#1]@host`;
//! 3. `password=…`, `passwd: …`, `pwd=…`, `secret=…`, `api_key=…`,
//!    `token=…`, `"password": "…"` → the value becomes `[secret#n]`;
//! 4. bearer and basic credentials: `Authorization: Bearer X`, `Bearer X`, `Basic X` → `[token#n]`;
//! 5. e-mail addresses → `[email#n]`;
//! 6. IPv6 addresses (validated by the standard parser, so times such as
//!    `21:00:40` and names such as `Foo::Bar` are left alone) → `[ip#n]`;
//! 7. IPv4 addresses (each octet at most 255) → `[ip#n]`;
//! 8. hex runs of 32 characters or more (keys, session ids, hashes) → `[hex#n]`;
//! 9. base64 / base64url runs of 32 characters or more that mix upper case,
//!    lower case and digits → `[base64#n]`.

use regex::{Captures, Regex};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What a token says was masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Redacted,
    Secret,
    Token,
    Email,
    Ip,
    Hex,
    Base64,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Redacted => "redacted",
            Class::Secret => "secret",
            Class::Token => "token",
            Class::Email => "email",
            Class::Ip => "ip",
            Class::Hex => "hex",
            Class::Base64 => "base64",
        }
    }
}

/// Replaces secrets and personal data with numbered tokens (see the module
/// docs for the rules). One redactor serves one export, so numbering is
/// shared by every string of the document.
#[derive(Debug)]
pub struct Redactor {
    builtin: bool,
    user: Vec<Regex>,
    rules: Option<Rules>,
    seen: RefCell<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    tokens: HashMap<(Class, String), String>,
    counts: HashMap<Class, usize>,
}

#[derive(Debug)]
struct Rules {
    url_password: Regex,
    key_value: Regex,
    bearer: Regex,
    jwt: Regex,
    email: Regex,
    ipv6_candidate: Regex,
    ipv4_candidate: Regex,
    hex: Regex,
    base64: Regex,
}

fn rules() -> Result<Rules, regex::Error> {
    Ok(Rules {
        // scheme://user:password@  (the user is kept; an IP or e-mail host is caught later)
        url_password: Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)")?,
        key_value: Regex::new(
            r#"(?i)(\b(?:password|passwd|pwd|pass|secret|client_secret|api[_-]?key|access[_-]?token|auth[_-]?token|token)"?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,"'}]+)"#,
        )?,
        bearer: Regex::new(r"(?i)\b((?:bearer|basic)\s+)([A-Za-z0-9\-._~+/]{8,}=*)")?,
        jwt: Regex::new(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")?,
        email: Regex::new(
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+",
        )?,
        ipv6_candidate: Regex::new(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")?,
        ipv4_candidate: Regex::new(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")?,
        hex: Regex::new(r"\b[0-9A-Fa-f]{32,}\b")?,
        base64: Regex::new(r"[A-Za-z0-9+/_\-]{32,}={0,2}")?,
    })
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Redactor {
    /// A redactor that does nothing.
    pub fn off() -> Redactor {
        Redactor {
            builtin: false,
            user: Vec::new(),
            rules: None,
            seen: RefCell::new(Seen::default()),
        }
    }

    /// A redactor with the built-in rules when `builtin`, plus the user's
    /// `patterns` (regexes; applied even without `builtin`).
    pub fn new(builtin: bool, patterns: &[String]) -> Result<Redactor, String> {
        let mut user = Vec::new();
        for p in patterns {
            user.push(Regex::new(p).map_err(|e| format!("--redact-pattern {p:?}: {e}"))?);
        }
        let rules = if builtin {
            Some(rules().map_err(|e| format!("built-in redaction rule: {e}"))?)
        } else {
            None
        };
        Ok(Redactor {
            builtin,
            user,
            rules,
            seen: RefCell::new(Seen::default()),
        })
    }

    /// True when this redactor changes anything at all.
    pub fn is_active(&self) -> bool {
        self.builtin || !self.user.is_empty()
    }

    fn token(&self, class: Class, original: &str) -> String {
        let mut seen = self.seen.borrow_mut();
        if let Some(t) = seen.tokens.get(&(class, original.to_string())) {
            return t.clone();
        }
        let n = seen.counts.entry(class).or_insert(0);
        *n += 1;
        let t = format!("[{}#{}]", class.name(), n);
        seen.tokens.insert((class, original.to_string()), t.clone());
        t
    }

    /// `s` with every match masked. Borrows when nothing matched.
    pub fn apply<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if !self.is_active() || s.is_empty() {
            return Cow::Borrowed(s);
        }
        let mut cur: Cow<'a, str> = Cow::Borrowed(s);
        for re in &self.user {
            cur = replace(cur, re, |c| {
                let m = c.get(1).or_else(|| c.get(0));
                let Some(m) = m else { return String::new() };
                let whole = c.get(0).map(|w| w.as_str()).unwrap_or("");
                let start = m.start() - c.get(0).map(|w| w.start()).unwrap_or(0);
                let end = start + m.as_str().len();
                format!(
                    "{}{}{}",
                    &whole[..start],
                    self.token(Class::Redacted, m.as_str()),
                    &whole[end..]
                )
            });
        }
        let Some(r) = &self.rules else { return cur };
        cur = replace(cur, &r.url_password, |c| {
            format!("{}{}{}", &c[1], self.token(Class::Secret, &c[2]), &c[3])
        });
        cur = replace(cur, &r.key_value, |c| {
            let v = &c[2];
            if v.starts_with('[') && v.ends_with(']') && v.contains('#') {
                return c[0].to_string(); // already a token
            }
            let (q, inner) = match v.chars().next() {
                Some(q @ ('"' | '\'')) if v.len() >= 2 => (Some(q), &v[1..v.len() - 1]),
                _ => (None, v),
            };
            let tok = self.token(Class::Secret, inner);
            match q {
                Some(q) => format!("{}{q}{tok}{q}", &c[1]),
                None => format!("{}{tok}", &c[1]),
            }
        });
        cur = replace(cur, &r.bearer, |c| {
            // `basic information` is prose: a credential has a digit or a symbol.
            let v = &c[2];
            if v.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return c[0].to_string();
            }
            format!("{}{}", &c[1], self.token(Class::Token, v))
        });
        cur = replace(cur, &r.jwt, |c| self.token(Class::Token, &c[0]));
        cur = replace(cur, &r.email, |c| self.token(Class::Email, &c[0]));
        cur = self.bounded(cur, &r.ipv6_candidate, Class::Ip, |m| {
            let m = m.trim_end_matches('.');
            (m.matches(':').count() >= 2 && m.parse::<Ipv6Addr>().is_ok()).then_some(m.len())
        });
        cur = self.bounded(cur, &r.ipv4_candidate, Class::Ip, |m| {
            m.parse::<Ipv4Addr>().is_ok().then_some(m.len())
        });
        cur = replace(cur, &r.hex, |c| self.token(Class::Hex, &c[0]));
        cur = self.bounded(cur, &r.base64, Class::Base64, |m| {
            looks_random(m.trim_end_matches('=')).then_some(m.len())
        });
        cur
    }

    /// Replace matches of `re` that are not glued to a word character on
    /// either side and that `accept` validates (returning the length kept).
    fn bounded<'a>(
        &self,
        s: Cow<'a, str>,
        re: &Regex,
        class: Class,
        accept: impl Fn(&str) -> Option<usize>,
    ) -> Cow<'a, str> {
        let text: &str = &s;
        let mut out = String::new();
        let mut last = 0;
        let mut changed = false;
        for m in re.find_iter(text) {
            let Some(len) = accept(m.as_str()) else {
                continue;
            };
            let (a, b) = (m.start(), m.start() + len);
            let before = text[..a].chars().next_back();
            let after = text[b..].chars().next();
            if is_word(before) || is_word(after) || before == Some('#') {
                continue;
            }
            out.push_str(&text[last..a]);
            out.push_str(&self.token(class, &text[a..b]));
            last = b;
            changed = true;
        }
        if !changed {
            return s;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }
}

/// A run of base64 characters that looks like random bytes rather than
/// words, paths or identifiers: upper case, lower case and digits all
/// present, and the character class changing often (random base64 changes
/// class on about half its characters; `StockReservationJob2020` on a few).
fn looks_random(s: &str) -> bool {
    fn class(c: char) -> u8 {
        if c.is_ascii_uppercase() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        }
    }
    let classes: Vec<u8> = s.chars().map(class).collect();
    let has = |k: u8| classes.contains(&k);
    if !(has(0) && has(1) && has(2)) || classes.len() < 2 {
        return false;
    }
    let changes = classes.windows(2).filter(|w| w[0] != w[1]).count();
    changes as f64 / (classes.len() - 1) as f64 >= 0.3
}

fn replace<'a>(
    s: Cow<'a, str>,
    re: &Regex,
    f: impl FnMut(&Captures<'_>) -> String,
) -> Cow<'a, str> {
    if !re.is_match(&s) {
        return s;
    }
    Cow::Owned(re.replace_all(&s, f).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> Redactor {
        Redactor::new(true, &[]).expect("built-in rules compile")
    }

    #[test]
    fn off_changes_nothing() {
        let r = Redactor::off();
        assert!(!r.is_active());
        assert_eq!(
            r.apply("alice@example.com 10.0.0.1"),
            "alice@example.com 10.0.0.1"
        );
    }

    #[test]
    fn emails_and_ips_get_stable_numbered_tokens() {
        let r = on();
        assert_eq!(
            r.apply("login alice@example.com from 10.0.0.1, then bob@example.org from 10.0.0.2"),
            "login [email#1] from [ip#1], then [email#2] from [ip#2]"
        );
        // Same original, same token, across calls.
        assert_eq!(
            r.apply("again 10.0.0.1 alice@example.com"),
            "again [ip#1] [email#1]"
        );
        assert_eq!(
            r.apply("fe80::1 and 2001:db8::8a2e:370:7334"),
            "[ip#3] and [ip#4]"
        );
        assert_eq!(r.apply("client=[::1]:5432"), "client=[[ip#5]]:5432");
    }

    #[test]
    fn leaves_times_versions_and_names_alone() {
        let r = on();
        for s in [
            "2020-05-02 21:00:40.123 JST",
            "MySQL 5.6.44 started",
            "PaymentApi::Error raised in Foo::Bar",
            "trx 4190 lock_mode X locks rec but not gap",
            "999.1.1.1 is no address",
            "sample_logs/booth-payment-spike/db01/pt-stalk/2020_05_02_21_00_40-innodbstatus1",
            "StockReservationCompensateJob done: 1.2 sec",
        ] {
            assert_eq!(r.apply(s), s, "{s}");
        }
    }

    #[test]
    fn passwords_tokens_and_secrets() {
        let r = on();
        assert_eq!(
            r.apply("connect postgres://app:s3cr3t@db01:5432/shop failed"),
            "connect postgres://app:[secret#1]@db01:5432/shop failed"
        );
        assert_eq!(
            r.apply("mysql://root:hunter2@10.1.2.3/x"),
            "mysql://root:[secret#2]@[ip#1]/x"
        );
        assert_eq!(
            r.apply("password=hunter2 user=bob"),
            "password=[secret#2] user=bob"
        );
        assert_eq!(
            r.apply(r#"{"password": "p@ss w0rd"}"#),
            r#"{"password": "[secret#3]"}"#
        );
        assert_eq!(r.apply("api_key: AKIA1234567"), "api_key: [secret#4]");
        assert_eq!(
            r.apply("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"),
            "Authorization: Bearer [token#1]"
        );
        assert_eq!(
            r.apply("session 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ok"),
            "session [hex#1] ok"
        );
        assert_eq!(
            r.apply("key=QWxhZGRpbjpvcGVuIHNlc2FtZQ0K9xYzAbCdEfGh"),
            "key=[base64#1]"
        );
        assert_eq!(
            r.apply("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end"),
            "jwt [token#2] end"
        );
        assert_eq!(
            r.apply("basic information missing"),
            "basic information missing"
        );
        assert_eq!(
            r.apply("StockReservationCompensateJob2020ThingHandlerFactory"),
            "StockReservationCompensateJob2020ThingHandlerFactory"
        );
    }

    #[test]
    fn user_patterns_apply_first_and_alone() {
        let r = Redactor::new(false, &[r"order_id=(\d+)".into(), "ACME".into()]).expect("compiles");
        assert!(r.is_active());
        assert_eq!(
            r.apply("order_id=88213 for ACME from 10.0.0.1"),
            "order_id=[redacted#1] for [redacted#2] from 10.0.0.1"
        );
        assert!(Redactor::new(false, &["(".into()]).is_err());
    }
}
