//! Route normalisation: the path of a request with its ids collapsed, so
//! `/api/items/123` and `/api/items/456` are one endpoint.

use std::borrow::Cow;

/// `/api/items/123?x=1` → `/api/items/:id`. Numeric segments, UUIDs, long hex
/// and token-like segments become `:id`; the query string and fragment are
/// dropped. Borrows when nothing changes.
pub fn normalize(path: &str) -> Cow<'_, str> {
    let path = match path.find(['?', '#', ';']) {
        Some(i) => &path[..i],
        None => path,
    };
    if !path.split('/').any(is_id_segment) {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if is_id_segment(seg) {
            out.push_str(":id");
            if let Some(dot) = seg.rfind('.') {
                let ext = &seg[dot..];
                if ext.len() <= 6 && ext[1..].chars().all(|c| c.is_ascii_alphabetic()) && dot > 0 {
                    out.push_str(ext);
                }
            }
        } else {
            out.push_str(seg);
        }
    }
    Cow::Owned(out)
}

fn is_id_segment(seg: &str) -> bool {
    let core = match seg.rfind('.') {
        Some(dot) if dot > 0 && seg.len() - dot <= 6 => &seg[..dot],
        _ => seg,
    };
    if core.is_empty() {
        return false;
    }
    let b = core.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == b.len() {
        return true;
    }
    // UUID
    if b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    {
        return true;
    }
    // Hex ids and hashes.
    if b.len() >= 8 && digits > 0 && b.iter().all(|c| c.is_ascii_hexdigit()) {
        return true;
    }
    // Tokens: long, mixed letters and digits, no separators.
    if b.len() >= 16
        && digits >= 2
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    {
        return true;
    }
    // Percent-encoded or non-ASCII slugs stay as they are (they name pages).
    false
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
            // Fewer than two digits: only the UUID rule takes it.
            (
                "/orders/abcdefab-cdef-abcd-efab-cdefabcdefab",
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
}
