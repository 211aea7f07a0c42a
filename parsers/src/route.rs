//! Route normalisation: the path of a request with its ids collapsed, so
//! `/api/items/123` and `/api/items/456` are one endpoint.

use std::borrow::Cow;

/// `/api/items/123?x=1` → `/api/items/:id`. Numeric segments, UUIDs, long hex
/// and token-like segments become `:id`; the query string and fragment are
/// dropped. Borrows when nothing changes.
///
/// Runs once per request of every access log, so it works on bytes with
/// `memchr` (the `str` pattern searchers it used were 5 % of an nginx
/// ingest).
pub fn normalize(path: &str) -> Cow<'_, str> {
    let path = match memchr::memchr3(b'?', b'#', b';', path.as_bytes()) {
        Some(i) => &path[..i],
        None => path,
    };
    if !segments(path).any(is_id_segment) {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    for (i, seg) in segments(path).enumerate() {
        if i > 0 {
            out.push('/');
        }
        if is_id_segment(seg) {
            out.push_str(":id");
            if let Some(dot) = memchr::memrchr(b'.', seg.as_bytes()) {
                let ext = &seg[dot..];
                if ext.len() <= 6 && ext.bytes().skip(1).all(|c| c.is_ascii_alphabetic()) && dot > 0
                {
                    out.push_str(ext);
                }
            }
        } else {
            out.push_str(seg);
        }
    }
    Cow::Owned(out)
}

/// The `/`-separated segments of `path`, empty ones included (as
/// `str::split` gives them).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(b'/', r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A path segment that names one thing rather than a kind of thing: all
/// digits, a UUID, 8+ hex digits with a digit among them, or a 16+
/// character token with 2+ digits. A short extension (`.png`) is ignored.
/// Percent-encoded or non-ASCII slugs stay as they are (they name pages).
fn is_id_segment(seg: &str) -> bool {
    let s = seg.as_bytes();
    let core = match memchr::memrchr(b'.', s) {
        Some(dot) if dot > 0 && s.len() - dot <= 6 => &s[..dot],
        _ => s,
    };
    if core.is_empty() {
        return false;
    }
    // One pass for every shape below.
    let (mut digits, mut hex, mut token) = (0usize, true, true);
    for &c in core {
        if c.is_ascii_digit() {
            digits += 1;
        } else {
            hex &= c.is_ascii_hexdigit();
            token &= c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        }
    }
    let len = core.len();
    if digits == len {
        return true;
    }
    if len == 36 && is_uuid(core) {
        return true;
    }
    if len >= 8 && digits > 0 && hex {
        return true;
    }
    len >= 16 && digits >= 2 && token
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let cases = [
            ("/api/items/123", "/api/items/:id"),
            ("/api/items/123/stock?x=1", "/api/items/:id/stock"),
            (
                "/orders/550e8400-e29b-41d4-a716-446655440000",
                "/orders/:id",
            ),
            ("/img/5f2b8c9d1e.png", "/img/:id.png"),
            ("/login", "/login"),
            ("/", "/"),
            ("/v2/users/me", "/v2/users/me"),
            ("/t/abcDEF123456ghiJKL7890", "/t/:id"),
            ("/checkout", "/checkout"),
            ("/static/app.js", "/static/app.js"),
        ];
        for (p, want) in cases {
            assert_eq!(normalize(p), want, "{p}");
        }
        assert!(matches!(normalize("/login?next=/x"), Cow::Borrowed(_)));
    }

    /// The `str`-based version this one replaced, kept as the oracle.
    fn normalize_str(path: &str) -> String {
        fn is_id(seg: &str) -> bool {
            let core = match seg.rfind('.') {
                Some(dot) if dot > 0 && seg.len() - dot <= 6 => &seg[..dot],
                _ => seg,
            };
            let b = core.as_bytes();
            let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
            !b.is_empty()
                && (digits == b.len()
                    || (b.len() == 36
                        && b.iter().enumerate().all(|(i, c)| {
                            if [8, 13, 18, 23].contains(&i) {
                                *c == b'-'
                            } else {
                                c.is_ascii_hexdigit()
                            }
                        }))
                    || (b.len() >= 8 && digits > 0 && b.iter().all(|c| c.is_ascii_hexdigit()))
                    || (b.len() >= 16
                        && digits >= 2
                        && b.iter()
                            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')))
        }
        let path = match path.find(['?', '#', ';']) {
            Some(i) => &path[..i],
            None => path,
        };
        let segs: Vec<String> = path
            .split('/')
            .map(|seg| {
                if !is_id(seg) {
                    return seg.to_string();
                }
                let mut out = ":id".to_string();
                if let Some(dot) = seg.rfind('.') {
                    let ext = &seg[dot..];
                    if ext.len() <= 6
                        && ext[1..].chars().all(|c| c.is_ascii_alphabetic())
                        && dot > 0
                    {
                        out.push_str(ext);
                    }
                }
                out
            })
            .collect();
        segs.join("/")
    }

    #[test]
    fn same_routes_as_the_str_version() {
        // Paths drawn from an alphabet of every character the rules look
        // at, with UUID- and hash-like segments mixed in.
        let alphabet: Vec<char> = "/0123456789abcdefxyzABCFXZ-_.?#;%é".chars().collect();
        let pieces = [
            "550e8400-e29b-41d4-a716-446655440000",
            // Only the UUID rule takes these (fewer than two digits).
            "abcdefab-cdef-abcd-efab-cdefabcdefab",
            "abcdefab-cdef-abcd-efab-cdefabcdef1b",
            "5f2b8c9d1e",
            "abcDEF123456ghiJKL7890",
            ".png",
            ".tar.gz",
            "//",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..200_000 {
            let mut p = String::new();
            for _ in 0..next(12) {
                if next(8) == 0 {
                    p.push_str(pieces[next(pieces.len())]);
                } else {
                    p.push(alphabet[next(alphabet.len())]);
                }
            }
            assert_eq!(normalize(&p), normalize_str(&p), "{p:?}");
        }
    }
}
