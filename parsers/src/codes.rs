//! Message ids and error codes named inside log text: Hitachi-style message
//! ids (`KDJE34368-W`), Oracle (`ORA-00060`), MySQL client and server codes
//! (`ERROR 1213 (40001)`, `MY-012469`), SQLSTATE (`SQLSTATE 40001`).

use regex::Regex;
use std::sync::LazyLock;

static CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b(?P<msgid>[A-Z]{4,5}[0-9]{4,5}-[EWIQS])\b
      | \b(?P<ora>(?:ORA|TNS|PLS|IMP|EXP)-[0-9]{5})\b
      | \b(?P<myerr>ERROR\ [0-9]{4})\ \([0-9A-Z]{5}\)
      | \[(?P<my>MY-[0-9]{6})\]
      | \bSQLSTATE[\[\]:=\ ]{0,3}(?P<sqlstate>[0-9A-Z]{5})\b
      | \bSQL\ state:\ (?P<sqlstate2>[0-9A-Z]{5})\b
    ",
    )
    .ok()
});

/// The first code named in `text`, normalised (`SQLSTATE 40001`, `ERROR 1213`,
/// `KDJE34368-W`, `ORA-00060`, `MY-012469`).
pub fn extract_code(text: &str) -> Option<String> {
    let re = CODE.as_ref()?;
    // Most messages name no code: the search alone allocates nothing, the
    // capture groups' list does.
    if !re.is_match(text) {
        return None;
    }
    let caps = re.captures(text)?;
    for name in ["msgid", "ora", "myerr", "my"] {
        if let Some(m) = caps.name(name) {
            return Some(m.as_str().to_string());
        }
    }
    for name in ["sqlstate", "sqlstate2"] {
        if let Some(m) = caps.name(name) {
            return Some(format!("SQLSTATE {}", m.as_str()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let cases = [
            (
                "KDJE34368-W グローバルセッションの更新に失敗しました",
                Some("KDJE34368-W"),
            ),
            (
                "java.sql.SQLException: ORA-00060: deadlock detected",
                Some("ORA-00060"),
            ),
            (
                "ERROR 1213 (40001) at line 1: Deadlock found",
                Some("ERROR 1213"),
            ),
            (
                "2020-08-06T14:25:02Z 0 [Note] [MY-012487] [InnoDB] DDL",
                Some("MY-012487"),
            ),
            (
                "org.postgresql.util.PSQLException SQLSTATE: 40P01",
                Some("SQLSTATE 40P01"),
            ),
            ("SQL state: 55P03", Some("SQLSTATE 55P03")),
            ("nothing here ERROR 12", None),
            ("GET /api/items/123-abc", None),
        ];
        for (text, want) in cases {
            assert_eq!(extract_code(text).as_deref(), want, "{text}");
        }
    }
}
