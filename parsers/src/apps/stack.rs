//! Stack traces and exceptions: which lines continue a record, and what an
//! open record learns from them (the exception class into attrs
//! `exception`, the root cause into `cause`, an error code such as
//! `ORA-00060` or `SQLSTATE 40001` into `code`).

use crate::codes::extract_code;
use crate::event::{Event, Kind, Level};
use std::borrow::Cow;

/// Lines that continue a record in application logs: indented lines, Java,
/// Python, Ruby, PHP and Go stack trace lines, blank lines.
pub fn looks_like_continuation(text: &str) -> bool {
    // Most lines of a log start with a date, an address or a JSON object:
    // none of the shapes below does. (Sniffing asks this of every line
    // that is not a head, once per head format.)
    if text
        .as_bytes()
        .first()
        .is_some_and(|&b| b.is_ascii_digit() || b == b'{')
    {
        return false;
    }
    shaped_like_continuation(text)
}

/// [`looks_like_continuation`] without the shortcut for lines that start
/// with a digit or `{`.
fn shaped_like_continuation(text: &str) -> bool {
    if crate::assemble::looks_like_continuation(text) {
        return true;
    }
    let t = text.trim_start();
    t.starts_with("Caused by")
        || t.starts_with("Traceback (most recent call last)")
        || t.starts_with("Stack trace:")
        || t.starts_with("PHP Stack trace:")
        || t.starts_with("During handling of the above exception")
        || t.starts_with("The above exception was the direct cause")
        || ruby_frame(t)
        || go_frame(t)
        || exception_head(t).is_some()
}

/// A Go stack line: `goroutine 1 [running]:`, `created by ...`, or a function
/// name alone on its line (`go.opentelemetry.io/x/y.(*T).Start.func1`, `main.main()`).
pub fn go_frame(t: &str) -> bool {
    if t.starts_with("goroutine ") && t.ends_with("]:") || t.starts_with("created by ") {
        return true;
    }
    !t.contains(' ')
        && t.contains('.')
        && (t.contains('/') || t.ends_with(')'))
        && !t.starts_with(|c: char| c.is_ascii_digit() || c == '[' || c == '{')
}

/// A Ruby backtrace line: `/path/file.rb:12:in `method'` or `app/x.rb:5:in ...`.
pub fn ruby_frame(t: &str) -> bool {
    (t.starts_with('/') || t.starts_with("app/") || t.starts_with("lib/") || t.starts_with('('))
        && t.contains(":in ")
}

/// `java.sql.SQLException: ORA-00060: deadlock detected`,
/// `Caused by: org.postgresql.util.PSQLException: ERROR: ...`,
/// `ActiveRecord::StaleObjectError: Attempted ...` → (class, message).
pub fn exception_head(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let t = t.strip_prefix("Caused by: ").unwrap_or(t);
    let t = t.strip_prefix("Suppressed: ").unwrap_or(t);
    // The class runs to the first ": " (or to the end of the line), and
    // is made of class characters only: it ends where they do. So the
    // line is read only as far as a class could go, not searched whole
    // for ": " (most lines are not exception heads, and this runs on
    // every line when a file's format is sniffed).
    const MAX_CLASS: usize = 200;
    if !t.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let is_class_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b':');
    let bytes = t.as_bytes();
    let end = bytes
        .iter()
        .take(MAX_CLASS + 2)
        .position(|&b| !is_class_byte(b))
        .unwrap_or(bytes.len().min(MAX_CLASS + 2));
    let (class, msg) = if end >= 1 && bytes.get(end) == Some(&b' ') && bytes[end - 1] == b':' {
        (&t[..end - 1], &t[end + 1..])
    } else if t[end..].trim_end().is_empty() {
        (&t[..end], "")
    } else {
        return None;
    };
    // (Never empty: it starts with the letter checked above.)
    if class.len() > MAX_CLASS {
        return None;
    }
    named_exception(class, msg)
}

/// `(class, msg)` when `class` (made of class characters, starting with a
/// letter) names an exception: its last part ends in Exception, Error,
/// Throwable, Fault, Failure or Timeout (or starts with Exception or
/// Error), and it is qualified, has a message or a long enough name.
fn named_exception<'a>(class: &'a str, msg: &'a str) -> Option<(&'a str, &'a str)> {
    let last = class
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(class)
        .trim_start_matches('$');
    let named = [
        "Exception",
        "Error",
        "Throwable",
        "Fault",
        "Failure",
        "Timeout",
    ]
    .iter()
    .any(|s| last.ends_with(s))
        || (last.starts_with("Exception") || last.starts_with("Error"));
    let qualified = class.contains('.') || class.contains("::");
    (named && (qualified || !msg.is_empty() || last.len() > 9)).then_some((class, msg))
}

fn set_attr(e: &mut Event<'static>, key: &'static str, value: &str, replace: bool) {
    if let Some(slot) = e.attrs.iter_mut().find(|(k, _)| k == key) {
        if replace {
            slot.1 = Cow::Owned(value.to_string());
        }
        return;
    }
    e.attrs
        .push((Cow::Borrowed(key), Cow::Owned(value.to_string())));
}

/// Recompute an application event's kind after its level or code changed:
/// `error` for errors, and for warnings that carry a code; `log` otherwise.
/// Events of other kinds (requests, jobs) keep theirs.
pub fn settle_kind(e: &mut Event<'_>) {
    if !matches!(e.kind, Kind::Log | Kind::Error) {
        return;
    }
    e.kind = match e.level {
        Some(l) if l >= Level::Error => Kind::Error,
        Some(Level::Warn) if e.code.is_some() => Kind::Error,
        _ => Kind::Log,
    };
}

/// Learn from one continuation line of an open record.
pub fn enrich(e: &mut Event<'static>, line: &str) {
    let t = line.trim_start();
    if t.starts_with("at ") || t.starts_with("... ") || t.is_empty() {
        return;
    }
    if let Some((class, msg)) = exception_head(t) {
        let caused = t.starts_with("Caused by");
        if caused {
            set_attr(e, "cause", class, true);
        } else {
            set_attr(e, "exception", class, false);
        }
        if e.code.is_none() {
            if let Some(c) = extract_code(msg) {
                e.code = Some(Cow::Owned(c));
                settle_kind(e);
            }
        }
    } else if let Some(class) = python_exception(line, &e.message) {
        set_attr(e, "exception", class, true);
        if e.code.is_none() {
            if let Some(c) = extract_code(line) {
                e.code = Some(Cow::Owned(c));
                settle_kind(e);
            }
        }
    } else if e.code.is_none() && matches!(e.level, Some(l) if l >= Level::Warn) {
        if let Some(c) = extract_code(t) {
            e.code = Some(Cow::Owned(c));
            settle_kind(e);
        }
    }
}

/// The exception line that ends a Python traceback (`psycopg2.errors.LockNotAvailable: ...`,
/// `KeyError: 'x'`), recognised only once the record holds a `Traceback` line.
fn python_exception<'l>(line: &'l str, record: &str) -> Option<&'l str> {
    if line.starts_with([' ', '\t']) || !record.contains("Traceback (most recent call last)") {
        return None;
    }
    let class = match line.find(':') {
        Some(i) => &line[..i],
        None => line.trim_end(),
    };
    let ok = !class.is_empty()
        && class.len() <= 200
        && class.as_bytes()[0].is_ascii_alphabetic()
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
    ok.then_some(class)
}

/// Learn from a record's own message: an exception named on the first line
/// (`... failed: java.net.BindException: Address already in use`) or in
/// Laravel's context (`[object] (Illuminate\\...\\QueryException(code: 40001): ...`).
pub fn enrich_from_text(e: &mut Event<'_>) {
    if e.attr("exception").is_some() {
        return;
    }
    let found =
        php_exception(&e.message).map(|(c, code)| (c.to_string(), code.map(str::to_string)));
    if let Some((class, code)) = found {
        e.attrs
            .push((Cow::Borrowed("exception"), Cow::Owned(class)));
        if e.code.is_none() {
            if let Some(c) = code.filter(|c| c != "0" && !c.is_empty()) {
                e.code = Some(Cow::Owned(c));
            }
        }
        settle_kind(e);
    }
}

/// PHP / Monolog exception in a message: `[object] (Vendor\\Pkg\\FooException(code: 42): msg at file:line)`
/// → (class, code).
pub fn php_exception(msg: &str) -> Option<(&str, Option<&str>)> {
    let i = msg.find("[object] (")?;
    let rest = &msg[i + "[object] (".len()..];
    let end = rest.find("(code: ")?;
    let class = &rest[..end];
    if class.is_empty() || class.len() > 200 || class.contains(' ') {
        return None;
    }
    let after = &rest[end + "(code: ".len()..];
    let code = after.find(')').map(|j| &after[..j]);
    let class = class.rsplit('\\').next().unwrap_or(class);
    Some((class, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_heads() {
        let cases = [
            (
                "java.sql.SQLException: ORA-00060: deadlock detected",
                Some(("java.sql.SQLException", "ORA-00060: deadlock detected")),
            ),
            (
                "\tCaused by: java.net.BindException: Address already in use",
                Some(("java.net.BindException", "Address already in use")),
            ),
            (
                "ActiveRecord::StaleObjectError: Attempted to update a stale object",
                Some((
                    "ActiveRecord::StaleObjectError",
                    "Attempted to update a stale object",
                )),
            ),
            (
                "org.apache.catalina.LifecycleException",
                Some(("org.apache.catalina.LifecycleException", "")),
            ),
            ("Error: something", Some(("Error", "something"))),
            ("Error", None),
            ("INFO: done", None),
            ("at com.example.Foo.bar(Foo.java:1)", None),
            ("Completed 200 OK in 3ms", None),
        ];
        for (line, want) in cases {
            assert_eq!(exception_head(line), want, "{line}");
        }
    }

    /// `exception_head` as it was first written: the class is what comes
    /// before the first ": ", searched for in the whole line (the naming
    /// rules are shared).
    fn exception_head_by_search(line: &str) -> Option<(&str, &str)> {
        let t = line.trim_start();
        let t = t.strip_prefix("Caused by: ").unwrap_or(t);
        let t = t.strip_prefix("Suppressed: ").unwrap_or(t);
        let (class, msg) = match t.find(": ") {
            Some(i) => (&t[..i], &t[i + 2..]),
            None => (t.trim_end(), ""),
        };
        if class.is_empty() || class.len() > 200 {
            return None;
        }
        let ok_chars = class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b':'));
        if !ok_chars || !class.as_bytes()[0].is_ascii_alphabetic() {
            return None;
        }
        named_exception(class, msg)
    }

    /// Reading only as far as a class could go finds the classes and
    /// messages that searching the whole line for ": " did, on lines built
    /// from the pieces that matter: class characters, ": ", colons and
    /// spaces elsewhere, trailing blanks, multi-byte text, classes of
    /// 199 to 202 characters.
    #[test]
    fn exception_head_reads_as_the_search_did() {
        let pieces = [
            "java",
            ".",
            "sql",
            "SQLException",
            "Error",
            "Exception",
            "::",
            ":",
            ": ",
            " ",
            "  ",
            "\t",
            "$",
            "_",
            "9",
            "ORA-00060",
            "é",
            "例外",
            "TimeoutError",
            "(",
            "Caused by: ",
            "Suppressed: ",
            "\u{3000}",
        ];
        let mut rng = crate::testutil::XorShift(0x9E37_79B9_7F4A_7C15);
        let mut lines: Vec<String> = Vec::new();
        for _ in 0..20_000 {
            let n = 1 + rng.below(7);
            lines.push((0..n).map(|_| *rng.pick(&pieces[..])).collect());
        }
        for len in [198, 199, 200, 201, 202, 203] {
            let class = format!("a{}Exception", "b".repeat(len - 10));
            lines.push(class.clone());
            lines.push(format!("{class}: message"));
            lines.push(format!("{class}  "));
        }
        let mut found = 0;
        for line in &lines {
            let want = exception_head_by_search(line);
            assert_eq!(exception_head(line), want, "{line:?}");
            found += usize::from(want.is_some());
        }
        assert!(found > 100, "only {found} heads among the lines");
    }

    /// No continuation shape starts with a digit or `{`: lines built from
    /// such a start and the pieces the shapes look for are never one.
    #[test]
    fn lines_starting_with_a_digit_or_brace_continue_nothing() {
        let starts = [
            "0",
            "1",
            "2023-06-01 ",
            "192.0.2.1 ",
            "{",
            "{\"a\":1} ",
            "9:",
        ];
        let pieces = [
            "at ",
            "Caused by: ",
            "Caused by",
            "Suppressed:",
            "... ",
            "Traceback ",
            "Traceback (most recent call last)",
            "[stacktrace]",
            "#1",
            "goroutine 1 [running]:",
            "created by ",
            "main.main()",
            "a.b/c",
            ".",
            "/",
            ")",
            "app/x.rb:5:in `m'",
            ":in ",
            "java.sql.SQLException: x",
            "Error",
            " ",
            "\t",
            "Stack trace:",
        ];
        let mut rng = crate::testutil::XorShift(0x2545_F491_4F6C_DD1D);
        for _ in 0..20_000 {
            let mut line = rng.pick(&starts[..]).to_string();
            for _ in 0..rng.below(4) {
                line.push_str(rng.pick::<&str>(&pieces));
            }
            assert!(!shaped_like_continuation(&line), "{line:?}");
        }
        // The shortcut does not hide the shapes that do continue.
        for line in [
            "\tat x.Y.z(Y.java:1)",
            "Caused by: a.B: c",
            "main.main()",
            "",
        ] {
            assert!(looks_like_continuation(line), "{line:?}");
        }
    }

    #[test]
    fn php() {
        let m = r#"Target class does not exist. {"exception":"[object] (Illuminate\\Contracts\\Container\\BindingResolutionException(code: 0): Target"#;
        assert_eq!(
            php_exception(m),
            Some(("BindingResolutionException", Some("0")))
        );
    }

    #[test]
    fn enrich_sets_exception_cause_and_code() {
        let mut e = Event::new(Kind::Log, 0, 1, 0);
        e.level = Some(Level::Warn);
        enrich(
            &mut e,
            "org.springframework.dao.CannotAcquireLockException: could not execute",
        );
        enrich(&mut e, "\tat x.Y.z(Y.java:1)");
        enrich(
            &mut e,
            "Caused by: org.postgresql.util.PSQLException: ERROR: deadlock detected SQLSTATE: 40P01",
        );
        assert_eq!(
            e.attr("exception"),
            Some("org.springframework.dao.CannotAcquireLockException")
        );
        assert_eq!(e.attr("cause"), Some("org.postgresql.util.PSQLException"));
        assert_eq!(e.code.as_deref(), Some("SQLSTATE 40P01"));
        assert_eq!(e.kind, Kind::Error);
    }
}

/// A distributed-lock / lease event named in an application message, as
/// ZooKeeper / Curator, Consul, Redis-lock and in-house wrappers word it:
/// `Acquired lock /locks/points-grant`, `lock acquired key=batch:points`,
/// `Lost lock ...`, `lease expired`, `Released lock ...`, `Renewed lease ...`.
/// Failures and waits (`failed to acquire lock`, `waiting for lock`) are not
/// lease events. Returns the kind and the lock's key when the message names one.
pub fn lease_in_message(msg: &str) -> Option<(Kind, Option<&str>)> {
    let first = msg.lines().next().unwrap_or("");
    if first.len() > 400 {
        return None;
    }
    let lower = first.to_ascii_lowercase();
    // The noun as a whole word (`release=` holds "lease", `SharedLocksManager` "lock").
    let nouns = ["lock", "lease", "mutex", "leadership"];
    let noun = lower
        .match_indices(|c: char| c.is_ascii_alphabetic())
        .find_map(|(i, _)| {
            let before_ok = i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
            if !before_ok {
                return None;
            }
            nouns.iter().find_map(|n| {
                let end = i + n.len();
                let after_ok = lower
                    .as_bytes()
                    .get(end)
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
                (lower[i..].starts_with(n) && after_ok).then_some((i, n.len()))
            })
        });
    let (at, len) = noun?;
    for neg in [
        "fail",
        "could not",
        "couldn't",
        "unable",
        "cannot",
        "not acquire",
        "timeout",
        "timed out",
        "waiting",
        "wait ",
        "retry",
        "trying",
        "attempt",
        "deadlock",
        "lock wait",
        "unlock",
    ] {
        if lower.contains(neg) {
            return None;
        }
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    let kind = if has(&["expired", "lost", "expire", "stolen"]) {
        Kind::LeaseExpire
    } else if has(&["renewed", "extended", "refreshed", "renew"]) {
        Kind::LeaseRenew
    } else if has(&["released", "release"]) {
        Kind::LeaseRelease
    } else if has(&["acquired", "obtained", "granted", "took", "holding"]) {
        Kind::LeaseAcquire
    } else {
        return None;
    };
    // The key: `key=...`, else the token after the noun that looks like a key.
    let key = first
        .find("key=")
        .map(|i| &first[i + 4..])
        .or_else(|| first.get(at + len..))
        .and_then(|rest| {
            rest.split_whitespace()
                .map(|t| t.trim_end_matches([',', ';', '.', ':']))
                .map(|t| t.strip_prefix("key=").unwrap_or(t))
                .find(|t| {
                    !matches!(
                        *t,
                        "on" | "for"
                            | "of"
                            | "acquired"
                            | "released"
                            | "expired"
                            | "lost"
                            | "renewed"
                            | "by"
                            | "is"
                            | "was"
                            | "has"
                            | "the"
                    )
                })
        })
        .filter(|t| {
            t.len() >= 2
                && t.len() <= 200
                && t.contains(['/', ':', '-', '_', '.'])
                && !t.contains('=')
        });
    Some((kind, key))
}

#[cfg(test)]
mod lease_tests {
    use super::*;

    #[test]
    fn lease_words() {
        let cases = [
            (
                "Acquired lock /locks/points-grant",
                Some((Kind::LeaseAcquire, Some("/locks/points-grant"))),
            ),
            (
                "lock acquired key=batch:points ttl=30s",
                Some((Kind::LeaseAcquire, Some("batch:points"))),
            ),
            (
                "Lost lock on /locks/points-grant: session expired",
                Some((Kind::LeaseExpire, Some("/locks/points-grant"))),
            ),
            (
                "Lease points-grant expired before run finished",
                Some((Kind::LeaseExpire, Some("points-grant"))),
            ),
            (
                "Released lock batch:points",
                Some((Kind::LeaseRelease, Some("batch:points"))),
            ),
            ("Renewed lease", Some((Kind::LeaseRenew, None))),
            ("Failed to acquire lock batch:points", None),
            ("Waiting for lock on items", None),
            (
                "Lock wait timeout exceeded; try restarting transaction",
                None,
            ),
            ("Deadlock found when trying to get lock", None),
            ("Connection state changed to CONNECTED", None),
            ("getResources() ask=4 release= 0 newContainers=0", None),
            ("SharedLocksManager acquired farm", None),
        ];
        for (m, want) in cases {
            assert_eq!(lease_in_message(m), want, "{m}");
        }
    }
}
