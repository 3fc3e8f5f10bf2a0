//! `--precision TARGETS`: parsing `ale=1%,p=0.005` into the engine's target, with a message that
//! says which part is wrong; the stopping rule itself is `riskpath_engine::precision`'s.

use riskpath_engine::precision::Target;

/// Parses `ale=R` and `p=E`, comma-separated, each once: `R` the ALE's relative standard error,
/// `E` each P(compromise)'s standard error, both numbers in (0, 1), `%` meaning hundredths.
pub fn parse(text: &str) -> Result<Target, String> {
    let mut target = Target::default();
    for part in text.split(',').map(str::trim) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!("'{part}' is not NAME=VALUE: use ale=1% (relative error of the ALE) or p=0.005"));
        };
        let slot = match name.trim() {
            "ale" => &mut target.ale,
            "p" => &mut target.p,
            other => return Err(format!("unknown precision target '{other}': use ale=… or p=…")),
        };
        if slot.is_some() {
            return Err(format!("'{}' is given twice", name.trim()));
        }
        *slot = Some(fraction(value.trim()).map_err(|e| format!("{}: {e}", name.trim()))?);
    }
    Ok(target)
}

/// `1%` → 0.01, `0.005` → 0.005; refuses what is not a number strictly between 0 and 1.
fn fraction(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (text, 1.0),
    };
    let value = number.parse::<f64>().map_err(|_| format!("'{text}' is not a number"))? / scale;
    if value > 0.0 && value < 1.0 { Ok(value) } else { Err(format!("'{text}' must be above 0 and below 1 (100%)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_percent_and_refuse_what_is_not_one() {
        assert_eq!(parse("ale=1%"), Ok(Target { ale: Some(0.01), p: None }));
        assert_eq!(parse("p=0.005"), Ok(Target { ale: None, p: Some(0.005) }));
        assert_eq!(parse("ale=0.02, p=0.5%"), Ok(Target { ale: Some(0.02), p: Some(0.005) }));
        for (bad, says) in [
            ("ale", "not NAME=VALUE"),
            ("alpha=1%", "unknown precision target 'alpha'"),
            ("ale=1%,ale=2%", "given twice"),
            ("p=x", "'x' is not a number"),
            ("p=0", "above 0"),
            ("ale=100%", "below 1"),
            ("ale=-1%", "above 0"),
            ("p=NaN", "above 0"),
            ("", "not NAME=VALUE"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
