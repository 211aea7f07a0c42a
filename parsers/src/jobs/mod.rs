//! Job runners: Sidekiq (text and JSON), Celery workers, Kubernetes events
//! for Jobs / CronJobs / Pods. Generic batch and lock/lease lines are
//! declarative formats (`parsers/formats/batch-kv.toml`, `lease-kv.toml`).
//!
//! Job events carry the job name (`job`), the run id (`run_id`), pid, host
//! and the business ids a line names (`user_id`, `order_id`, ...) so that
//! duplicate runs and duplicate side effects can be found later.

pub mod celery;
pub mod kube;
pub mod sidekiq;

use std::borrow::Cow;

/// Rewrite a Ruby `inspect` hash (`{"class"=>"X", "args"=>[1, nil], :url=>"y"}`)
/// as JSON. Values that have no JSON form (`#<Object ...>`) make the result
/// invalid; callers treat a parse failure as "no payload".
pub fn ruby_hash_to_json(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last_sig = b' ';
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            // Copy a string literal verbatim (Ruby and JSON escapes agree on the common ones).
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push_str(&s[start..i]);
            last_sig = b'"';
            continue;
        }
        if c == b'=' && b.get(i + 1) == Some(&b'>') {
            out.push(':');
            i += 2;
            last_sig = b':';
            continue;
        }
        if c == b':'
            && matches!(last_sig, b'{' | b',' | b'[')
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
        {
            // A symbol key or value: quote it.
            let start = i + 1;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'?') {
                j += 1;
            }
            out.push('"');
            out.push_str(&s[start..j]);
            out.push('"');
            i = j;
            last_sig = b'"';
            continue;
        }
        if s[i..].starts_with("nil") && !b.get(i + 3).is_some_and(|n| n.is_ascii_alphanumeric()) {
            out.push_str("null");
            i += 3;
            last_sig = b'l';
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        if !ch.is_whitespace() {
            last_sig = if ch.is_ascii() { c } else { b'x' };
        }
        i += ch.len_utf8();
    }
    out
}

/// Business ids named anywhere in a job's arguments: keys ending in `_id`
/// (or `id`) with scalar values, depth-first, at most 16.
pub fn ids_in_args(v: &serde_json::Value, out: &mut Vec<(Cow<'static, str>, Cow<'static, str>)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, val) in m {
                let kl = k.to_ascii_lowercase();
                let scalar = match val {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                if (kl.ends_with("_id") || kl.ends_with("id") && k.ends_with("Id"))
                    && !matches!(kl.as_str(), "task_id" | "job_id" | "jid" | "request_id")
                {
                    if let Some(s) = scalar.filter(|s| !s.is_empty() && s.len() <= 64) {
                        if out.len() < 16 && !out.iter().any(|(a, b)| a == k && *b == s) {
                            out.push((Cow::Owned(k.clone()), Cow::Owned(s)));
                        }
                    }
                }
                ids_in_args(val, out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                ids_in_args(x, out);
            }
        }
        _ => {}
    }
}

/// A JSON value, compact, capped at `max` bytes (on a char boundary).
pub fn compact(v: &serde_json::Value, max: usize) -> String {
    let mut s = v.to_string();
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_hashes() {
        let h = r#"{"class"=>"ExportWorker", "args"=>[503823, nil, {"user_id"=>7}], :url=>"redis://r:6379", "retry"=>true}"#;
        let v: serde_json::Value = serde_json::from_str(&ruby_hash_to_json(h)).unwrap();
        assert_eq!(v["class"], "ExportWorker");
        assert_eq!(v["url"], "redis://r:6379");
        assert!(v["args"][1].is_null());
        let mut ids = Vec::new();
        ids_in_args(&v["args"], &mut ids);
        assert_eq!(ids, vec![(Cow::from("user_id"), Cow::from("7"))]);
        assert!(
            serde_json::from_str::<serde_json::Value>(&ruby_hash_to_json("{:a=>#<X>}")).is_err()
        );
    }
}
