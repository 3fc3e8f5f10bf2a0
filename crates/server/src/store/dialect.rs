//! The portable SQL the server speaks, said in PostgreSQL's dialect: `?` placeholders numbered
//! `$1, $2, …`, and the migrations' column types (`BLOB` as `BYTEA`, `TEXT` compared byte-wise).
//!
//! Both rewrites skip quoted literals (`'…'`, `"…"`) and `--` comments, so a `?` or a type name
//! inside a string is left alone.

/// A piece of SQL text: code to rewrite, or something to copy as it is.
enum Piece<'a> {
    Code(&'a str),
    Verbatim(&'a str),
}

/// Splits `sql` into code and the literals and comments between it.
fn pieces(sql: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let (bytes, mut start, mut i) = (sql.as_bytes(), 0, 0);
    while i < bytes.len() {
        let end = match bytes[i] {
            q @ (b'\'' | b'"') => quoted(bytes, i, q),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| i + n)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(Piece::Code(&sql[start..i]));
        out.push(Piece::Verbatim(&sql[i..end]));
        (start, i) = (end, end);
    }
    out.push(Piece::Code(&sql[start..]));
    out
}

/// The end of the literal opened by quote `q` at `open` (a doubled quote stays inside).
fn quoted(bytes: &[u8], open: usize, q: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == q {
            if bytes.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// `sql` with each `?` outside literals and comments numbered `$1`, `$2`, … in order.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for piece in pieces(sql) {
        match piece {
            Piece::Verbatim(text) => out.push_str(text),
            Piece::Code(text) => {
                for c in text.chars() {
                    if c == '?' {
                        n += 1;
                        out.push_str(&format!("${n}"));
                    } else {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// A migration for PostgreSQL: `BLOB` columns are `BYTEA`, and `TEXT` columns compare and sort
/// byte-wise (`COLLATE "C"`) as in SQLite, whatever the database's own collation.
pub fn schema(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    for piece in pieces(sql) {
        match piece {
            Piece::Verbatim(text) => out.push_str(text),
            Piece::Code(text) => out.push_str(&words(text)),
        }
    }
    out
}

/// `text` with the type names `BLOB` and `TEXT` (whole words, any case) rewritten.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        out.push_str(&rest[..start]);
        let len = rest[start..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len() - start);
        let word = &rest[start..start + len];
        match word.to_ascii_uppercase().as_str() {
            "BLOB" => out.push_str("BYTEA"),
            "TEXT" => out.push_str("TEXT COLLATE \"C\""),
            _ => out.push_str(word),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_outside_literals_and_comments() {
        assert_eq!(placeholders("SELECT a FROM t WHERE b = ? AND c = ?"), "SELECT a FROM t WHERE b = $1 AND c = $2");
        assert_eq!(
            placeholders("SELECT '?', \"a?\" FROM t WHERE x = ? -- why?\n AND y = ?"),
            "SELECT '?', \"a?\" FROM t WHERE x = $1 -- why?\n AND y = $2"
        );
        assert_eq!(placeholders("SELECT 'it''s ?' , ?"), "SELECT 'it''s ?' , $1");
        assert_eq!(placeholders("no parameters"), "no parameters");
        assert_eq!(placeholders("'unterminated ?"), "'unterminated ?");
        let many: String = (0..12).map(|_| "?,").collect();
        assert!(placeholders(&many).starts_with("$1,$2,") && placeholders(&many).ends_with("$11,$12,"));
    }

    #[test]
    fn schema_types_are_rewritten_as_whole_words_only() {
        let sql = "-- TEXT and BLOB here stay\nCREATE TABLE t (texts TEXT NOT NULL, body BLOB, blobby BIGINT, d TEXT DEFAULT 'TEXT');";
        assert_eq!(
            schema(sql),
            "-- TEXT and BLOB here stay\nCREATE TABLE t (texts TEXT COLLATE \"C\" NOT NULL, body BYTEA, blobby BIGINT, d TEXT COLLATE \"C\" DEFAULT 'TEXT');"
        );
        assert_eq!(schema("x text, y blob"), "x TEXT COLLATE \"C\", y BYTEA");
    }
}
