//! Terminal styling: ANSI colour only when writing to a terminal, and line wrapping at 100 columns.
//! Every text renderer styles through here so `NO_COLOR` and pipes are honoured in one place.

/// Whether to colour; decide once per run with [`Style::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Self {
        use std::io::IsTerminal;
        Style { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }
    pub fn plain() -> Self {
        Style { color: false }
    }
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }
    /// A finished text document made safe for a terminal: every control character other than line
    /// breaks, tabs and (when colouring) the colour codes written here is shown as a visible escape
    /// ([`riskpath_model::escape::terminal_output`]). Every text output passes through here.
    pub fn finish(&self, document: String) -> String {
        match riskpath_model::escape::terminal_output(&document, self.color) {
            std::borrow::Cow::Borrowed(_) => document,
            std::borrow::Cow::Owned(safe) => safe,
        }
    }
}

/// Terminal width the text renderers aim for.
pub const WIDTH: usize = 100;

/// Joins `parts` with `sep`, breaking lines before `width` and indenting continuations by `indent`.
/// Widths count characters of the unstyled parts, so pass the plain text.
pub fn wrap_joined(parts: &[String], sep: &str, first_prefix: &str, indent: usize, width: usize) -> String {
    let mut out = String::from(first_prefix);
    let mut line_len = first_prefix.chars().count();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() { format!("{part}{sep}") } else { part.clone() };
        let len = piece.chars().count();
        if line_len + len > width && line_len > indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = indent;
        }
        out.push_str(&piece);
        line_len += len;
    }
    out
}

/// Free model text (a description, a relation) flattened for wrapping in a terminal: line breaks,
/// tabs and runs of spaces become one space; other control characters are made visible
/// ([`riskpath_model::escape::terminal`]).
pub fn terminal_text(text: &str) -> String {
    let flat = text.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    riskpath_model::escape::terminal(&flat).into_owned()
}

/// Word-wraps free text at `width` (after [`terminal_text`]), the first line starting with
/// `first_prefix` and the others indented by `indent` spaces; no trailing spaces.
pub fn wrap_text(text: &str, first_prefix: &str, indent: usize, width: usize) -> String {
    let words: Vec<String> = terminal_text(text).split(' ').map(str::to_string).collect();
    wrap_joined(&words, " ", first_prefix, indent, width).lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// The symbol of a currency with one, else empty (the ISO code is then written after the amount).
pub fn currency_symbol(currency: &str) -> &'static str {
    match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    }
}

/// An amount scaled to thousands, millions or billions, with the suffix to write after it.
pub fn scaled(amount: f64) -> (f64, &'static str) {
    match amount.abs() {
        a if a >= 1e9 => (amount / 1e9, "B"),
        a if a >= 1e6 => (amount / 1e6, "M"),
        a if a >= 1e3 => (amount / 1e3, "k"),
        _ => (amount, ""),
    }
}

/// A scaled number with its currency: `$1.2M`, or `1.2M CHF` for currencies without a symbol.
pub fn with_currency(number: &str, currency: &str) -> String {
    match currency_symbol(currency) {
        "" => format!("{number} {currency}"),
        symbol => format!("{symbol}{number}"),
    }
}

/// Money in a compact human form: `$1.2M`, `€350k`, `12 USD` for unknown currencies.
pub fn money(amount: f64, currency: &str) -> String {
    let (value, suffix) = scaled(amount);
    let digits = if value.abs() >= 100.0 || suffix.is_empty() {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    with_currency(&format!("{value:.digits$}{suffix}"), currency)
}

/// A fix cost with its unit: money in the compact form of [`money`] (`$45.0k`), effort in days
/// (`1 day`, `6 days`, `0.5 days`).
pub fn cost(amount: f64, unit: riskpath_model::CostUnit, currency: &str) -> String {
    match unit {
        riskpath_model::CostUnit::Money => money(amount, currency),
        riskpath_model::CostUnit::Days => {
            let text = format!("{:.2}", amount).trim_end_matches('0').trim_end_matches('.').to_string();
            format!("{text} {}", if amount == 1.0 { "day" } else { "days" })
        }
    }
}

/// What a cut that cannot be made says instead of a cost.
pub const NO_FINITE_CUT: &str = "no cut exists at finite cost: every separating set of edges holds one that cannot be removed (`removable: false`, or a kind that is a fact of the design)";

/// The sentence naming the crown jewels no cut protects (at most ten names, then a count).
pub fn unprotectable_text(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
    let more = names.len().saturating_sub(shown.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let (count, them) = if names.len() == 1 {
        ("1 crown jewel".to_string(), "it")
    } else {
        (format!("{} crown jewels", names.len()), "them")
    };
    format!(
        "no cut protects {count}: a path reaches {them} over edges that cannot be removed, so only controls on the way do: {}{more}",
        shown.join(", ")
    )
}

pub use riskpath_model::words::{count, plural, thousands};

/// Shortens `s` to `max` characters, ending with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// A probability as a percentage with sensible precision.
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    match pct {
        0.0 => "0%".into(),
        x if x < 0.01 => "<0.01%".into(),
        x if x < 1.0 => format!("{x:.2}%"),
        x if x < 10.0 => format!("{x:.1}%"),
        x => format!("{x:.0}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_money_and_percent() {
        assert_eq!(money(40_400.0, "USD"), "$40.4k");
        assert_eq!(money(26_600_000.0, "USD"), "$26.6M");
        assert_eq!(money(1_010_000.0, "EUR"), "€1.01M");
        assert_eq!(money(950.0, "CHF"), "950 CHF");
        assert_eq!(percent(0.1234), "12%");
        assert_eq!(percent(0.01234), "1.2%");
        assert_eq!(percent(0.001234), "0.12%");
    }

    #[test]
    fn counts_read_as_english_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        for n in [0u64, 7, 12_345, 987_654_321] {
            assert_eq!(thousands(n).replace(',', "").parse::<u64>().unwrap(), n);
        }
        assert_eq!(count(1, "actor"), "1 actor");
        assert_eq!(count(2, "actor"), "2 actors");
        assert_eq!(count(0, "edge"), "0 edges");
        assert_eq!(count(1, "entry point"), "1 entry point");
        assert_eq!(count(3, "entry point"), "3 entry points");
        assert_eq!(count(2, "policy"), "2 policies");
        assert_eq!(count(2, "key"), "2 keys");
        assert_eq!(count(2, "match"), "2 matches");
        assert_eq!(count(2, "process"), "2 processes");
        assert_eq!(count(20_000, "trial"), "20,000 trials");
    }

    #[test]
    fn wraps_long_chains() {
        let parts: Vec<String> = (0..30).map(|i| format!("node-{i}")).collect();
        let text = wrap_joined(&parts, " → ", "  ", 4, 40);
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.lines().count() > 1);
    }
}
