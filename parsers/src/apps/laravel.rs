//! Laravel / Monolog `LineFormatter` logs (`storage/logs/laravel.log`):
//!
//! ```text
//! [2023-05-15 18:19:32] local.ERROR: Target class [X] does not exist. {"exception":"[object] (Illuminate\\...\\BindingResolutionException(code: 0): ... at /app/X.php:916)
//! [stacktrace]
//! #0 /app/vendor/...(795): Illuminate\\Container\\Container->build('X')
//! "}
//! ```
//!
//! The `[stacktrace]`, `#N` frames, `[previous exception]` and the closing
//! `"}` belong to the record; the exception class (from the context's
//! `[object] (Class(code: N): ...)`) goes to attrs `exception`.

use crate::apps::{Head, HeadFormat};
use crate::event::Level;
use crate::time;

/// The Laravel format.
pub fn format() -> HeadFormat {
    HeadFormat {
        name: "laravel",
        description: "Laravel / Monolog line format: [2023-05-15 18:19:32] env.LEVEL: message {context}, with [stacktrace] blocks",
        head: laravel_head,
        weight: 0.92,
        marker: None,
        refine: None,
        cont: Some(laravel_cont),
    }
}

/// Lines inside a Laravel record: the context's closing `"}`, `[previous exception]`.
fn laravel_cont(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("\"}") || t.starts_with("[previous exception]") || t == "[stacktrace]"
}

/// Monolog level names.
fn monolog_level(w: &str) -> Option<Level> {
    Some(match w {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "NOTICE" => Level::Notice,
        "WARNING" => Level::Warn,
        "ERROR" => Level::Error,
        "CRITICAL" | "ALERT" | "EMERGENCY" => Level::Fatal,
        _ => return None,
    })
}

/// `[2023-05-15 18:19:32] local.ERROR: message`.
pub fn laravel_head(text: &str) -> Option<Head<'_>> {
    if !text.starts_with('[') {
        return None;
    }
    let (stamp, used) = time::parse_prefix(text)?;
    let rest = text[used..].strip_prefix(' ')?;
    let colon = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(|r| r.len()))?;
    let channel_level = &rest[..colon];
    let (env, lvl) = channel_level.rsplit_once('.')?;
    if env.is_empty() || env.contains(' ') {
        return None;
    }
    let level = monolog_level(lvl)?;
    let msg = rest.get(colon + 2..).unwrap_or("");
    // `message {"context":...} [extra]`: a one-line context names fields and ids.
    let body = msg.trim_end().strip_suffix(" []").unwrap_or(msg.trim_end());
    let (msg, json) = match body.rfind(" {") {
        Some(i)
            if body.ends_with('}')
                && serde_json::from_str::<serde_json::Value>(&body[i + 1..]).is_ok() =>
        {
            (&body[..i], Some(&body[i + 1..]))
        }
        _ => (msg, None),
    };
    Some(Head {
        stamp: Some(stamp),
        level: Some(level),
        logger: Some(env),
        msg,
        json,
        ..Head::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::testutil::ParseTester;

    #[test]
    fn laravel_record_with_stacktrace() {
        let text = "[2023-05-15 18:19:32] local.ERROR: Target class [X] does not exist. {\"exception\":\"[object] (Illuminate\\\\Contracts\\\\Container\\\\BindingResolutionException(code: 0): Target class [X] does not exist. at /app/Container.php:916)\n\
[stacktrace]\n\
#0 /app/Container.php(795): Illuminate\\\\Container\\\\Container->build('X')\n\
#1 {main}\n\
\n\
[previous exception] [object] (ReflectionException(code: -1): Class \\\"X\\\" does not exist at /app/Container.php:914)\n\
\"} \n\
[2023-05-15 18:20:00] production.WARNING: Deadlock found SQLSTATE[40001]: Serialization failure\n\
[2023-05-15 18:21:00] production.INFO: points granted {\"user_id\":42,\"order_id\":88213} []\n";
        let f = format();
        let (ev, acct) = ParseTester::new(&f, "UTC").check(text.as_bytes()).unwrap();
        assert_eq!((acct.lines, acct.parsed, acct.continuation), (9, 3, 6));
        assert_eq!(ev[0].kind, Kind::Error);
        assert_eq!(ev[0].attr("exception"), Some("BindingResolutionException"));
        assert_eq!(ev[0].app.as_deref(), Some("local"));
        assert_eq!(ev[0].line_count, 7);
        assert_eq!(ev[1].kind, Kind::Error);
        assert_eq!(ev[1].code.as_deref(), Some("SQLSTATE 40001"));
        assert_eq!(ev[2].kind, Kind::Log);
        assert_eq!(ev[2].message, "points granted");
        assert!(
            ev[2]
                .ids
                .iter()
                .any(|(k, v)| k == "order_id" && v == "88213")
        );
    }
}
