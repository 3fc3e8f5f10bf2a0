//! Making text from a model (or from evidence, policies, file names) inert in each output format:
//! one function per format, used by every renderer, so no format has a second escaper to drift.
//!
//! - [`terminal`]: control characters (C0, DEL, C1) and bidirectional overrides shown as visible
//!   escapes (`\e`, `\n`, `\u{202e}`): an id cannot set the terminal title, clear the screen or
//!   forge a line. [`terminal_output`] guards a whole document the same way, keeping line breaks
//!   and (when asked) the colour codes riskpath itself wrote.
//! - [`markdown`]: prose and table cells (no HTML, links, emphasis, headings or cell breaks);
//!   [`markdown_code`]: an inline code span.
//! - [`xml`]: HTML and XML text and attribute values (also JUnit).
//! - [`clip`]: a long value cut to a length for echoing, with the count of what was cut.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or document as itself: C0 controls (tab and newline
/// included: they break alignment and forge lines), DEL, C1 controls, and the bidirectional
/// overrides and isolates that reorder how text displays ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The visible form of an unsafe character.
fn visible(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// Text for one field of terminal output, with every unsafe character made visible.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) { visible(c, &mut out) } else { out.push(c) }
    }
    Cow::Owned(out)
}

/// A whole terminal document: unsafe characters made visible except line breaks and tabs, and,
/// with `keep_colour`, the colour codes riskpath's styles write ([`OUR_SGR`]; any other escape
/// sequence, e.g. one hiding text, is shown).
pub fn terminal_output(text: &str, keep_colour: bool) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\n' | '\t');
    if !text.chars().any(|c| is_unsafe(c) && !allowed(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let sgr = if keep_colour && c == '\u{1b}' { sgr_len(rest) } else { 0 };
        if sgr > 0 {
            out.push_str(&rest[..sgr]);
            rest = &rest[sgr..];
            continue;
        }
        if is_unsafe(c) && !allowed(c) {
            visible(c, &mut out)
        } else {
            out.push(c)
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The colour codes riskpath's own styles write (bold, dim, red, green, yellow, cyan, reset).
const OUR_SGR: [&str; 7] =
    ["\u{1b}[0m", "\u{1b}[1m", "\u{1b}[2m", "\u{1b}[31m", "\u{1b}[32m", "\u{1b}[33m", "\u{1b}[36m"];

/// Length of the colour code of ours at the start of `s`, or 0 (any other sequence is escaped).
fn sgr_len(s: &str) -> usize {
    OUR_SGR.iter().find(|code| s.starts_with(*code)).map_or(0, |code| code.len())
}

/// Text for Markdown prose and table cells: renders as the text itself. HTML is entity-escaped,
/// the punctuation of emphasis, code, links, images, tables, headings and strikethrough is
/// backslash-escaped, line breaks become spaces (so no heading or list can start inside), other
/// unsafe characters are made visible.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// An inline code span (ids, techniques, paths): literal text, safe in a table cell. The fence is
/// longer than any run of backticks inside; line breaks become spaces.
pub fn markdown_code(s: &str) -> String {
    let mut flat = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => flat.push(' '),
            '|' => flat.push_str("\\|"),
            c if is_unsafe(c) => visible(c, &mut flat),
            c => flat.push(c),
        }
    }
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let spaced = flat.starts_with(' ') && flat.ends_with(' ') && !flat.trim().is_empty();
    let pad = if flat.starts_with('`') || flat.ends_with('`') || spaced { " " } else { "" };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// Text for HTML or XML content and attribute values: the five special characters as entities;
/// characters XML 1.0 forbids (C0 controls other than tab and newline) become a space.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t') => out.push(' '),
            '\u{fffe}' | '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to at most `max` characters for echoing in a message, with how much was cut.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => {
            let rest = s[end..].chars().count();
            Cow::Owned(format!("{}… (+{rest} characters)", &s[..end]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_fields_show_every_control_character() {
        assert_eq!(terminal("web-1"), "web-1");
        assert!(matches!(terminal("web-1"), Cow::Borrowed(_)));
        assert_eq!(terminal("\u{1b}]0;PWNED\u{7}\u{1b}[2J"), "\\e]0;PWNED\\u{7}\\e[2J");
        assert_eq!(terminal("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(terminal("x\u{202e}y\u{9b}z\u{7f}"), "x\\u{202e}y\\u{9b}z\\u{7f}");
        for c in (0u32..0x250).chain(0x2000..0x2100).filter_map(char::from_u32) {
            let shown = terminal(&c.to_string()).into_owned();
            assert!(!shown.chars().any(is_unsafe), "{c:?} → {shown:?}");
        }
    }

    #[test]
    fn terminal_documents_keep_lines_and_our_colours_only() {
        let doc = "\u{1b}[1mtitle\u{1b}[0m\nrow\twith \u{1b}]0;x\u{7} and \u{1b}[2J \u{1b}[8mhidden\u{1b}[31\n";
        assert_eq!(
            terminal_output(doc, true),
            "\u{1b}[1mtitle\u{1b}[0m\nrow\twith \\e]0;x\\u{7} and \\e[2J \\e[8mhidden\\e[31\n"
        );
        assert_eq!(
            terminal_output(doc, false),
            "\\e[1mtitle\\e[0m\nrow\twith \\e]0;x\\u{7} and \\e[2J \\e[8mhidden\\e[31\n"
        );
        assert!(matches!(terminal_output("plain\ntext\n", false), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_renders_as_text() {
        assert_eq!(markdown("</title><svg onload=alert(1)>"), "&lt;/title&gt;&lt;svg onload=alert(1)&gt;");
        assert_eq!(markdown("x\n# Heading\n- item"), "x \\# Heading - item");
        assert_eq!(markdown("a|b [l](u) *e* `c`"), "a\\|b \\[l\\](u) \\*e\\* \\`c\\`");
        assert_eq!(markdown("\u{1b}[2J"), "\\e\\[2J");
        assert_eq!(markdown_code("web-1"), "`web-1`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b c`");
        assert_eq!(markdown_code("\u{1b}x"), "`\\ex`");
    }

    #[test]
    fn xml_and_clip() {
        assert_eq!(xml("<a href=\"x\">&'</a>\u{1}"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt; ");
        assert_eq!(clip("abcdef", 3), "abc… (+3 characters)");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ééé", 2), "éé… (+1 characters)");
    }
}
