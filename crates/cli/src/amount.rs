//! Amounts of money on the command line (`--budget`): `1500000`, `1.5M`, `250k`, `$1,500,000`.
//! The one parser every amount argument goes through (a clap `value_parser`), with its errors.

/// Parses an amount: an optional currency symbol (`$ € £ ¥`), digits with optional thousands
/// separators (`,` between groups of three) and decimals, and an optional scale `k`, `M` or `B`
/// (thousand, million, billion; case-insensitive). The result is finite and ≥ 0.
pub fn parse(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let unsigned = trimmed.strip_prefix(['$', '€', '£', '¥']).unwrap_or(trimmed).trim_start();
    if unsigned.starts_with('-') {
        return Err(format!("'{text}' is negative; an amount is ≥ 0"));
    }
    let (number, scale) = split_scale(unsigned).map_err(|suffix| {
        format!(
            "'{text}' has an unknown scale '{suffix}': write a plain number or use k, M or B (250k, 1.5M, $1,500,000)"
        )
    })?;
    let digits = without_separators(number).ok_or_else(|| {
        format!("'{text}' is not an amount: write a number such as 1500000, 1.5M, 250k or $1,500,000")
    })?;
    let value: f64 = digits.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
        format!("'{text}' is not an amount: write a number such as 1500000, 1.5M, 250k or $1,500,000")
    })?;
    Ok(value * scale)
}

/// The number and the factor of its scale letter; `Err(suffix)` for letters that are not one.
fn split_scale(text: &str) -> Result<(&str, f64), &str> {
    let end = text.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &text[end.len()..];
    let factor = match suffix.to_ascii_lowercase().as_str() {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "b" => 1e9,
        _ => return Err(suffix),
    };
    Ok((end.trim_end(), factor))
}

/// The number with its thousands separators removed, when they group the integer part by three;
/// `None` for anything but digits, one decimal point and well-placed separators.
fn without_separators(number: &str) -> Option<String> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if int.is_empty() || !digits(frac) || (number.contains('.') && frac.is_empty()) {
        return None;
    }
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() == 1 || groups[1..].iter().all(|g| g.len() == 3) && (1..=3).contains(&groups[0].len());
    if !grouped || !groups.iter().all(|g| !g.is_empty() && digits(g)) {
        return None;
    }
    let joined = groups.concat();
    Some(if frac.is_empty() { joined } else { format!("{joined}.{frac}") })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn every_spelling_of_one_and_a_half_million_is_the_same_amount() {
        for text in
            ["1500000", "1.5M", "1.5m", "1500k", "1500K", "$1,500,000", "$1.5M", "€1,500,000.00", " 1.5 M ", "0.0015B"]
        {
            let v = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((v - 1_500_000.0).abs() < 1e-6, "{text} gave {v}");
        }
        assert_eq!(parse("250k"), Ok(250_000.0));
        assert_eq!(parse("0"), Ok(0.0));
        assert_eq!(parse("12,345.5"), Ok(12_345.5));
    }

    #[test]
    fn refuses_what_is_not_an_amount_and_says_why() {
        let err = parse("1.5Q").unwrap_err();
        assert!(err.contains("unknown scale 'Q'") && err.contains("1.5M"), "{err}");
        for bad in ["", "abc", "1,50,000", "1,5000", ",500", "1.5.2", "1.", "$", "1e400", "nan", "inf", "1_000"] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted as {:?}", parse(bad));
        }
        assert!(parse("-5").unwrap_err().contains("negative"));
        assert!(parse("$-5k").unwrap_err().contains("negative"));
    }
}
