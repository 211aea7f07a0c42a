//! The anatomy of a `stderr` log line: an optional syslog / Heroku logplex
//! wrapper, the `log_line_prefix`, the label (`LOG:  `, `DETAIL:  `, any
//! catalogued language) and the text.
//!
//! The prefix is read without knowing `log_line_prefix`: its tokens are
//! recognised by shape (`%m`/`%t`/`%n` timestamps, `[%p]`, `[%p-%l]`,
//! `%u@%d`, `key=value` in any order and with any separator, `%r` as
//! `host(port)`, `%v` as `4/249`, `%c` as `6383b33a.258`, `%e` as a SQLSTATE),
//! which covers the stock (`%m [%p] `), Debian (`%m [%p] %q%u@%d `),
//! RDS/Aurora (`%t:%r:%u@%d:[%p]:`), Azure (`%t-%c-`), Heroku
//! (` sql_error_code = %e `) and pgBadger-recommended prefixes. Bare words
//! whose role cannot be told by shape (`%m %r %u %a [%c] [%p] `) are learned
//! from the file itself: a `connection authorized: user=U database=D
//! application_name=A` message names the values the prefix holds ([`Learner`]).

use super::i18n::{self, Label};
use crate::time::{self, Stamp};

/// A syslog or Heroku logplex wrapper around a PostgreSQL line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wrapper<'a> {
    /// The wrapper's timestamp.
    pub stamp: Option<Stamp>,
    /// The host that sent the line.
    pub host: Option<&'a str>,
    /// The process id in `postgres[123]:` or `app[postgres.123]:`.
    pub pid: Option<i64>,
    /// PostgreSQL's syslog sequence and line numbers: `[4-1]` → (4, 1).
    pub seq: Option<(u64, u32)>,
    /// Heroku's database colour (`[DATABASE]`, `[HEROKU_POSTGRESQL_RED]`).
    pub source: Option<&'a str>,
}

impl Wrapper<'_> {
    /// True when a wrapper was found.
    pub fn is_some(&self) -> bool {
        self.pid.is_some() || self.seq.is_some()
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[n-m] ` at the start of `s` → ((n, m), rest).
fn seq_at(s: &str) -> Option<((u64, u32), &str)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let (n, m) = inner[..close].split_once('-')?;
    if !digits(n) || !digits(m) {
        return None;
    }
    let rest = &inner[close + 1..];
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    Some(((n.parse().ok()?, m.parse().ok()?), rest))
}

/// `ident[pid]: ` or `app[postgres.pid]: ` at the start of `s` → (pid, rest).
fn ident_pid(s: &str) -> Option<(i64, &str)> {
    let open = s.find('[')?;
    let ident = &s[..open];
    if ident.is_empty()
        || ident.len() > 48
        || !ident
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
    {
        return None;
    }
    let rest = &s[open + 1..];
    let close = rest.find(']')?;
    let inner = &rest[..close];
    let pid = inner.rsplit('.').next().unwrap_or(inner);
    if !digits(pid) {
        return None;
    }
    let after = rest[close + 1..].strip_prefix(':')?;
    let after = after.strip_prefix(' ').unwrap_or(after);
    Some((pid.parse().ok()?, after))
}

/// Strip a syslog (RFC 3164 or RFC 3339 stamp), RFC 5424 or Heroku wrapper.
/// Returns the wrapper (empty when none) and the PostgreSQL part.
pub fn unwrap(line: &str) -> (Wrapper<'_>, &str) {
    let none = (Wrapper::default(), line);
    let mut s = line;
    // <PRI>, and the RFC 5424 version digit.
    let mut rfc5424 = false;
    if let Some(r) = s.strip_prefix('<') {
        if let Some(close) = r.find('>') {
            if close <= 3 && digits(&r[..close]) {
                s = &r[close + 1..];
                if let Some(r2) = s.strip_prefix("1 ") {
                    s = r2;
                    rfc5424 = true;
                }
            }
        }
    }
    let first = match s.as_bytes().first() {
        Some(b) => *b,
        None => return none,
    };
    let (stamp, used) = if first.is_ascii_digit() {
        // Only RFC 3339 stamps (with `T`): `2023-06-01 14:50:00 JST [1]` is a prefix.
        if s.as_bytes().get(10) != Some(&b'T') {
            return none;
        }
        match time::parse_iso(s) {
            Some(x) => x,
            None => return none,
        }
    } else if first.is_ascii_alphabetic() {
        match time::parse_syslog(s) {
            Some(x) => x,
            None => return none,
        }
    } else {
        return none;
    };
    let mut rest = s[used..].trim_start_matches(' ');
    let mut w = Wrapper {
        stamp: Some(stamp),
        ..Wrapper::default()
    };
    if rfc5424 {
        // HOST APP PROCID MSGID [SD] MSG
        let mut parts = rest.splitn(5, ' ');
        let host = parts.next();
        let _app = parts.next();
        let procid = parts.next().unwrap_or("-");
        let _msgid = parts.next();
        let msg = parts.next().unwrap_or("");
        let pid = procid.rsplit('.').next().unwrap_or(procid);
        if !digits(pid) {
            return none;
        }
        w.host = host.filter(|h| *h != "-");
        w.pid = pid.parse().ok();
        rest = msg.strip_prefix("- ").unwrap_or(msg);
    } else if let Some((pid, after)) = ident_pid(rest) {
        // Heroku CLI: `TS app[postgres.123]: ...` (no host).
        w.pid = Some(pid);
        rest = after;
    } else {
        let sp = match rest.find(' ') {
            Some(i) => i,
            None => return none,
        };
        let host = &rest[..sp];
        match ident_pid(&rest[sp + 1..]) {
            Some((pid, after)) => {
                w.host = Some(host);
                w.pid = Some(pid);
                rest = after;
            }
            None => return none,
        }
    }
    // Heroku's `[DATABASE] ` before the sequence.
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(close) = inner.find(']') {
            let tag = &inner[..close];
            if !tag.is_empty()
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
                && !digits(tag)
                && inner[close + 1..].starts_with(" [")
            {
                w.source = Some(tag);
                rest = &inner[close + 2..];
            }
        }
    }
    if let Some((seq, after)) = seq_at(rest) {
        w.seq = Some(seq);
        rest = after;
    }
    (w, rest)
}

/// A PostgreSQL line split at its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split<'a> {
    /// Everything before the label (the `log_line_prefix`).
    pub prefix: &'a str,
    /// The label.
    pub label: Label,
    /// The label as written.
    pub word: &'a str,
    /// The text after the label and its two spaces.
    pub body: &'a str,
}

/// Split a (unwrapped) line at its first label.
pub fn split(rest: &str) -> Option<Split<'_>> {
    let (start, end, label, word) = i18n::find_label(rest)?;
    Some(Split {
        prefix: &rest[..start],
        label,
        word,
        body: &rest[end..],
    })
}

/// What a bare prefix word was learned to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `%u`.
    User,
    /// `%d`.
    Db,
    /// `%a`.
    App,
}

/// The bare word standing for `[unknown]` (in any language).
pub const UNKNOWN_WORD: &str = "[unknown]";

/// How many bare words of a prefix are tracked.
pub const MAX_BARE: usize = 6;

/// The fields of one `log_line_prefix`, borrowed from the line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PrefixFields<'a> {
    /// `%m`, `%t` or `%n`.
    pub stamp: Option<Stamp>,
    /// `%p`.
    pub pid: Option<i64>,
    /// `%l`.
    pub session_line: Option<u64>,
    /// `%u`.
    pub user: Option<&'a str>,
    /// `%d`.
    pub db: Option<&'a str>,
    /// `%a`.
    pub app: Option<&'a str>,
    /// `%h` or the host of `%r`.
    pub client: Option<&'a str>,
    /// The port of `%r`.
    pub client_port: Option<&'a str>,
    /// `%c`.
    pub session: Option<&'a str>,
    /// `%v`.
    pub vxid: Option<&'a str>,
    /// `%x`.
    pub txid: Option<&'a str>,
    /// `%e`.
    pub sqlstate: Option<&'a str>,
    /// `%Q`.
    pub query_id: Option<&'a str>,
    /// `%i`.
    pub command_tag: Option<&'a str>,
    /// `%b`.
    pub backend_type: Option<&'a str>,
    /// Words whose role the shape does not tell, in order.
    pub bare: [Option<&'a str>; MAX_BARE],
}

impl<'a> PrefixFields<'a> {
    fn push_bare(&mut self, w: &'a str) {
        if let Some(slot) = self.bare.iter_mut().find(|s| s.is_none()) {
            *slot = Some(w);
        }
    }

    /// Assign learned roles to the bare words.
    pub fn apply(&mut self, learner: &Learner) {
        for (i, w) in self.bare.iter().enumerate() {
            let (Some(w), Some(role)) = (w, learner.roles.get(i).copied().flatten()) else {
                continue;
            };
            let slot = match role {
                Role::User => &mut self.user,
                Role::Db => &mut self.db,
                Role::App => &mut self.app,
            };
            // `[unknown]` names no one: it would only hide another
            // word of the same role.
            if slot.is_none() && super::present(w) {
                *slot = Some(w);
            }
        }
    }
}

/// Roles of bare prefix words, learned from the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Learner {
    /// Role of the i-th bare word.
    pub roles: [Option<Role>; MAX_BARE],
}

impl Learner {
    /// Learn from a prefix whose message named the session's user, database
    /// and application (`connection authorized: user=... database=...`).
    pub fn learn(&mut self, bare: &[Option<String>], user: &str, db: &str, app: &str) {
        for (i, w) in bare.iter().enumerate() {
            let Some(w) = w else { continue };
            if w == UNKNOWN_WORD {
                // User and database are known when a connection is
                // authorized; the application name is set just after.
                if !app.is_empty() {
                    if let Some(slot) = self.roles.get_mut(i) {
                        *slot = Some(Role::App);
                    }
                }
                continue;
            }
            let hits = [
                (!user.is_empty() && w == user, Role::User),
                (!db.is_empty() && w == db, Role::Db),
                (!app.is_empty() && w == app, Role::App),
            ];
            let mut matched = hits.iter().filter(|(h, _)| *h);
            if let (Some((_, role)), None) = (matched.next(), matched.next()) {
                if let Some(slot) = self.roles.get_mut(i) {
                    *slot = Some(*role);
                }
            }
        }
    }
}

fn is_sqlstate(t: &str) -> bool {
    t.len() == 5
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && t.bytes().filter(|b| b.is_ascii_digit()).count() >= 2
        && t.as_bytes()[..2].iter().all(|b| b.is_ascii_alphanumeric())
}

fn is_session_id(t: &str) -> bool {
    match t.split_once('.') {
        Some((a, b)) => {
            a.len() >= 6
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_hexdigit())
                && b.bytes().all(|c| c.is_ascii_hexdigit())
                && !(digits(a) && digits(b) && a.len() > 8)
        }
        None => false,
    }
}

fn is_vxid(t: &str) -> bool {
    match t.split_once('/') {
        Some((a, b)) => digits(a) && digits(b),
        None => false,
    }
}

fn is_ip(t: &str) -> bool {
    let v4 = t.split('.').count() == 4 && t.split('.').all(|p| digits(p) && p.len() <= 3);
    let v6 = t.contains(':')
        && t.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    v4 || v6
}

/// `host(port)` → (host, port).
fn host_port(t: &str) -> Option<(&str, &str)> {
    let inner = t.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let port = &inner[open + 1..];
    if !digits(port) || open == 0 {
        return None;
    }
    Some((&inner[..open], port))
}

/// Unquote a `key="value"` value.
fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v)
}

fn put_key<'a>(f: &mut PrefixFields<'a>, key: &str, value: &'a str) {
    let v = unquote(value.trim());
    if v.is_empty() {
        return;
    }
    let mut buf = [0u8; 24];
    if key.len() > buf.len() {
        return;
    }
    let k = &mut buf[..key.len()];
    k.copy_from_slice(key.as_bytes());
    k.make_ascii_lowercase();
    match &*k {
        b"user" | b"usr" | b"u" | b"username" | b"user_name" | b"role" => f.user = Some(v),
        b"db" | b"database" | b"dbname" | b"d" | b"datname" | b"database_name" => f.db = Some(v),
        b"app" | b"application" | b"application_name" | b"appname" | b"a" => f.app = Some(v),
        b"client" | b"host" | b"h" | b"remote" | b"r" | b"client_addr" | b"remote_host"
        | b"remote_addr" | b"ip" | b"clientip" | b"connection_from" | b"connection_source" => {
            match host_port(v) {
                Some((h, p)) => {
                    f.client = Some(h);
                    f.client_port = Some(p);
                }
                None => f.client = Some(v),
            }
        }
        b"pid" | b"p" | b"process" | b"process_id" | b"backend_pid" => f.pid = v.parse().ok(),
        b"xid" | b"txid" | b"tx" | b"trx_id" | b"xact" | b"x" | b"transaction"
        | b"transaction_id" | b"tid" => f.txid = Some(v),
        b"vxid" | b"vtid" | b"v" | b"virtual_transaction_id" => f.vxid = Some(v),
        b"session" | b"sid" | b"session_id" | b"c" => f.session = Some(v),
        b"line" | b"l" | b"log_line" | b"line_num" | b"session_line_num" => {
            f.session_line = v.parse().ok()
        }
        b"sqlstate" | b"state" | b"code" | b"e" | b"sql_error_code" | b"error_code"
        | b"sql_state_code" | b"state_code" => f.sqlstate = Some(v),
        b"queryid" | b"query_id" | b"qid" | b"q" => f.query_id = Some(v),
        b"tag" | b"command_tag" | b"i" | b"command" | b"ps" => f.command_tag = Some(v),
        b"backend" | b"backend_type" | b"b" => f.backend_type = Some(v),
        b"time_ms" | b"time" | b"ts" | b"timestamp" | b"log_time" if f.stamp.is_none() => {
            f.stamp = time::parse_prefix(v).map(|(s, _)| s);
        }
        _ => {}
    }
}

fn classify<'a>(f: &mut PrefixFields<'a>, tok: &'a str, bracketed: bool) {
    let t = tok.trim_matches('-');
    if !super::present(t) {
        // Keeps its place among the bare words: `%a` is `[unknown]` when
        // the connection is authorized (see [`Learner::learn`]).
        if !t.is_empty() && !bracketed {
            f.push_bare(UNKNOWN_WORD);
        }
        return;
    }
    if t == "[local]" || (bracketed && t == "local") {
        f.client = Some("[local]");
        return;
    }
    if let Some((k, v)) = t.split_once('=') {
        if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            put_key(f, k, v);
            return;
        }
    }
    if digits(t) {
        if f.pid.is_none() && t.len() <= 10 {
            f.pid = t.parse().ok();
        } else if bracketed && f.session_line.is_none() {
            f.session_line = t.parse().ok();
        } else {
            f.push_bare(t);
        }
        return;
    }
    if let Some((a, b)) = t.split_once('-') {
        if digits(a) && digits(b) {
            if f.pid.is_none() {
                f.pid = a.parse().ok();
                f.session_line = b.parse().ok();
            } else if f.session_line.is_none() {
                f.session_line = a.parse().ok();
            }
            return;
        }
    }
    if let Some((u, d)) = t.split_once('@') {
        if !t.contains(['(', ' ']) {
            if super::present(u) {
                f.user = Some(u);
            }
            if super::present(d) {
                f.db = Some(d);
            }
            return;
        }
    }
    if let Some((h, p)) = host_port(t) {
        f.client = Some(h);
        f.client_port = Some(p);
        return;
    }
    if is_vxid(t) {
        f.vxid = Some(t);
        return;
    }
    if is_session_id(t) {
        f.session = Some(t);
        return;
    }
    if let Some(code) = t.strip_prefix("PG-").filter(|c| is_sqlstate(c)) {
        f.sqlstate = Some(code);
        return;
    }
    if is_sqlstate(t) {
        f.sqlstate = Some(t);
        return;
    }
    if is_ip(t) {
        f.client = Some(t);
        return;
    }
    f.push_bare(t);
}

/// Tokens of a prefix: bracket groups (`[...]`) and runs between
/// separators, `key = value` glued back together.
fn tokens<'a>(f: &mut PrefixFields<'a>, s: &'a str, depth: u8) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut pending_key: Option<&'a str> = None;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'|' | b':') {
            i += 1;
            continue;
        }
        let nested = (c == b'[' && b.get(i + 1) == Some(&b'['))
            .then(|| s[i + 2..].find("]]"))
            .flatten();
        let (tok, bracketed, next) = if let (b'[', Some(close)) = (c, nested) {
            // `[%a]` before the application name is set: `[[unknown]]`
            // holds the value `[unknown]`.
            (&s[i + 1..i + 3 + close], false, i + 4 + close)
        } else if c == b'[' {
            match s[i + 1..].find(']') {
                Some(close) => {
                    let inner = &s[i + 1..i + 1 + close];
                    let end = i + 2 + close;
                    // `[local]` and `[unknown]` are values, not groups.
                    if inner == "local" || !super::present(inner) {
                        (&s[i..end], false, end)
                    } else if depth == 0 && inner.contains(['=', ',', ' ']) {
                        tokens(f, inner, depth + 1);
                        i = end;
                        continue;
                    } else {
                        (inner, true, end)
                    }
                }
                None => {
                    i += 1;
                    continue;
                }
            }
        } else {
            let mut j = i;
            // A run up to a separator; `(` .. `)` (a port) stays in the run,
            // and a `:` inside an IPv6 address too.
            while j < b.len() {
                let ch = b[j];
                if ch == b'"' {
                    // A quoted value runs to its closing quote.
                    j = match s[j + 1..].find('"') {
                        Some(q) => j + q + 2,
                        None => b.len(),
                    };
                    continue;
                }
                if ch == b':' && j + 1 < b.len() && (b[j + 1] == b':' || s[i..j].contains(':')) {
                    j += 1;
                    continue;
                }
                if ch.is_ascii_whitespace() || matches!(ch, b',' | b';' | b'|' | b':' | b'[') {
                    break;
                }
                j += 1;
            }
            (&s[i..j], false, j.max(i + 1))
        };
        i = next;
        // `key = value` (Heroku's ` sql_error_code = 00000 `).
        if let Some(k) = pending_key.take() {
            put_key(f, k, tok);
            continue;
        }
        if !bracketed && tok == "=" {
            continue;
        }
        if !bracketed
            && !tok.contains('=')
            && tok.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && s[i..].trim_start().starts_with("= ")
        {
            pending_key = Some(tok);
            // Skip to after the `=`.
            if let Some(eq) = s[i..].find('=') {
                i += eq + 1;
            }
            continue;
        }
        if let Some(key) = tok.strip_suffix('=') {
            // `key=[value]` (`app=[unknown]`, `client=[local]`) is the
            // key's value; `key=` alone an empty one.
            if s[i..].starts_with('[') {
                if let Some(close) = s[i..].find(']') {
                    put_key(f, key, &s[i..i + close + 1]);
                    i += close + 1;
                }
            }
            continue;
        }
        classify(f, tok, bracketed);
    }
}

/// Read the fields of a `log_line_prefix`.
pub fn parse_prefix(prefix: &str) -> PrefixFields<'_> {
    let mut f = PrefixFields::default();
    let s = prefix.trim();
    if s.is_empty() {
        return f;
    }
    let mut rest = s;
    if let Some((stamp, used)) = time::parse_prefix(s) {
        f.stamp = Some(stamp);
        rest = &s[used..];
    } else {
        // A timestamp later in the prefix (`[%p] %m`).
        let b = s.as_bytes();
        for i in 1..b.len() {
            if b[i].is_ascii_digit() && matches!(b[i - 1], b' ' | b'[' | b':' | b',') {
                if let Some((stamp, used)) = time::parse_iso(&s[i..]) {
                    f.stamp = Some(stamp);
                    let before = &s[..i];
                    let after = &s[i + used..];
                    tokens(&mut f, before, 0);
                    tokens(&mut f, after.trim_start_matches(']'), 0);
                    return f;
                }
            }
        }
    }
    tokens(&mut f, rest, 0);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(prefix: &str) -> PrefixFields<'_> {
        parse_prefix(prefix)
    }

    #[test]
    fn stock_and_debian() {
        let f = p("2022-02-17 14:45:10.440 UTC [691] ");
        assert!(f.stamp.is_some());
        assert_eq!(f.pid, Some(691));
        let f = p("2022-02-17 14:45:10.440 UTC [691] [queryid=108127] postgres@stackoverflow ");
        assert_eq!(f.pid, Some(691));
        assert_eq!(f.query_id, Some("108127"));
        assert_eq!((f.user, f.db), (Some("postgres"), Some("stackoverflow")));
        let f = p("2026-11-23 06:30:17 JST [6816-3] [unknown]@[unknown] ");
        assert_eq!((f.pid, f.session_line), (Some(6816), Some(3)));
        assert_eq!((f.user, f.db), (None, None));
    }

    #[test]
    fn rds_and_azure() {
        let f = p("2026-11-23 06:30:37 JST:127.0.0.1(41258):postgres@shop:[7817]:");
        assert_eq!(f.pid, Some(7817));
        assert_eq!(f.client, Some("127.0.0.1"));
        assert_eq!(f.client_port, Some("41258"));
        assert_eq!((f.user, f.db), (Some("postgres"), Some("shop")));
        let f = p("2026-11-23 06:30:36 JST::@:[7789]:");
        assert_eq!(f.pid, Some(7789));
        assert_eq!((f.user, f.db, f.client), (None, None, None));
        let f = p("2026-11-23 06:30:37 UTC:[local]:postgres@shop:[7817]:");
        assert_eq!(f.client, Some("[local]"));
        let f = p("2023-06-01 14:50:00 UTC-6383b33a.258-");
        assert_eq!(f.session, Some("6383b33a.258"));
    }

    #[test]
    fn keyed() {
        let f = p(
            "2026-11-23 06:30:18 JST [6856-3] user=postgres,db=shop,app=checkout-2,client=[local],xid=727,vxid=4/2,sqlstate=00000 ",
        );
        assert_eq!(f.pid, Some(6856));
        assert_eq!(f.app, Some("checkout-2"));
        assert_eq!(f.client, Some("[local]"));
        assert_eq!(
            (f.txid, f.vxid, f.sqlstate),
            (Some("727"), Some("4/2"), Some("00000"))
        );
        let f = p("2023-06-01 14:50:00.123 JST [12] [user=alice,db=shop,app=psql,host=10.1.2.3] ");
        assert_eq!(
            (f.user, f.db, f.app, f.client),
            (Some("alice"), Some("shop"), Some("psql"), Some("10.1.2.3"))
        );
        let f = p("2023-06-01 14:50:00 JST [12]: [5-1] user=alice,db=shop - PG-40P01 ");
        assert_eq!(
            (f.pid, f.session_line, f.sqlstate),
            (Some(12), Some(5), Some("40P01"))
        );
        let f = p(" sql_error_code = 00000 ");
        assert_eq!(f.sqlstate, Some("00000"));
        let f = p(
            r#"sql_error_code = 40P01 time_ms = "2019-11-14 00:00:00.123 UTC" pid="12345" database="d" user="u" application_name="web" "#,
        );
        assert_eq!(
            (f.sqlstate, f.pid, f.db, f.user, f.app),
            (
                Some("40P01"),
                Some(12345),
                Some("d"),
                Some("u"),
                Some("web")
            )
        );
        assert!(f.stamp.is_some());
    }

    #[test]
    fn bare_words_are_learned() {
        let mut f =
            p("2023-06-01 14:50:00.123 JST 10.0.0.5(5432) alice psql [6383b33a.258] [1234] ");
        assert_eq!(f.pid, Some(1234));
        assert_eq!((f.client, f.client_port), (Some("10.0.0.5"), Some("5432")));
        assert_eq!(f.session, Some("6383b33a.258"));
        assert_eq!(f.bare[..2], [Some("alice"), Some("psql")]);
        let mut l = Learner::default();
        l.learn(
            &[Some("alice".into()), Some("psql".into())],
            "alice",
            "shop",
            "psql",
        );
        f.apply(&l);
        assert_eq!((f.user, f.app), (Some("alice"), Some("psql")));
    }

    #[test]
    fn keyed_values_in_brackets() {
        // pgBadger's advice for syslog, before authentication.
        let f = p("user=[unknown],db=[unknown],app=[unknown],client=[local] ");
        assert_eq!(f.bare, [None; MAX_BARE]);
        assert_eq!((f.user, f.app), (Some("[unknown]"), Some("[unknown]")));
        assert_eq!(f.client, Some("[local]"));
        let f = p("user=postgres,db=shop,app=[unknown],client=127.0.0.1(5432) ");
        assert_eq!(f.bare, [None; MAX_BARE]);
        assert_eq!((f.user, f.db), (Some("postgres"), Some("shop")));
        assert_eq!((f.client, f.client_port), (Some("127.0.0.1"), Some("5432")));
    }

    #[test]
    fn bracketed_application_name_before_it_is_set() {
        // `%u@%d [%a] `: `[%a]` writes `[[unknown]]` until the name is set.
        let f = p("postgres@shop [[unknown]] ");
        assert_eq!((f.user, f.db), (Some("postgres"), Some("shop")));
        assert_eq!(f.bare[0], Some(UNKNOWN_WORD));
        let mut l = Learner::default();
        l.learn(
            &[Some(UNKNOWN_WORD.into())],
            "postgres",
            "shop",
            "checkout-2",
        );
        let mut f = p("postgres@shop [checkout-2] ");
        assert_eq!(f.bare[0], Some("checkout-2"));
        f.apply(&l);
        assert_eq!(f.app, Some("checkout-2"));
    }

    #[test]
    fn wrappers() {
        let (w, rest) = unwrap("Jun  1 14:50:00 db1 postgres[123]: [4-1] LOG:  x");
        assert_eq!(
            (w.host, w.pid, w.seq),
            (Some("db1"), Some(123), Some((4, 1)))
        );
        assert_eq!(rest, "LOG:  x");
        let (w, rest) = unwrap(
            "2019-11-14T00:00:00.000000+00:00 app[postgres.12345]: [DATABASE] [5-2] sql_error_code = 00000 DETAIL:  y",
        );
        assert_eq!(
            (w.pid, w.seq, w.source),
            (Some(12345), Some((5, 2)), Some("DATABASE"))
        );
        assert_eq!(rest, "sql_error_code = 00000 DETAIL:  y");
        let (w, rest) =
            unwrap("<134>1 2019-11-14T00:00:00+00:00 host app postgres.77 - [DB] [9-1] LOG:  z");
        assert_eq!(
            (w.pid, w.seq, w.host),
            (Some(77), Some((9, 1)), Some("host"))
        );
        assert_eq!(rest, "LOG:  z");
        let (w, rest) = unwrap("2023-06-01 14:50:00 JST [1] LOG:  plain");
        assert!(!w.is_some());
        assert_eq!(rest, "2023-06-01 14:50:00 JST [1] LOG:  plain");
    }

    #[test]
    fn labels_in_any_language() {
        let s = split("2026-11-23 06:30:37 JST:127.0.0.1(41258):postgres@shop:[7817]:ПОДРОБНОСТИ:  Process holding").unwrap();
        assert_eq!(s.label, Label::Part(i18n::Part::Detail));
        assert_eq!(s.body, "Process holding");
        let s = split("2026-11-23 06:30:21 JST [6928-8] user=postgres 詳細:  プロセス 6928 は")
            .unwrap();
        assert_eq!(s.word, "詳細");
        let s = split("2023-06-01 14:50:00 UTC-6383b33a.258-LOG:  m").unwrap();
        assert_eq!(s.prefix, "2023-06-01 14:50:00 UTC-6383b33a.258-");
        let s = split("2023-06-01 14:50:00 CET [1] ASTUCE :  essayez").unwrap();
        assert_eq!(s.label, Label::Part(i18n::Part::Hint));
        assert_eq!(s.body, "essayez");
        assert!(split("nothing: here").is_none());
        assert!(split("2023-06-01 14:50:00 [1] DIALOG:  no").is_none());
    }
}
