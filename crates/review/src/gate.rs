//! The CI gate of `riskpath diff --fail-on`: thresholds as written (`ale-increase=5%`,
//! `ale-increase=250k`, `new-path`, `p90-above=2M`), and which of them a diff crosses.

use riskpath_decide::diff::{Diff, Status};

/// One threshold of `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// ΔALE above this fraction of the base's ALE (`ale-increase=5%`).
    AleIncreaseShare(f64),
    /// ΔALE above this amount of money (`ale-increase=250k`).
    AleIncrease(f64),
    /// Any path new among a scenario's k most likely.
    NewPath,
    /// The head's P90 annual loss above this amount.
    P90Above(f64),
}

/// What a threshold's measure is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Money,
    Share,
    Paths,
}

/// A threshold the diff crossed: as written, what was measured and the limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Crossed {
    pub threshold: String,
    pub measured: f64,
    pub limit: f64,
    pub unit: Unit,
}

impl Threshold {
    /// Parses a comma-separated list: `ale-increase=5%,new-path,p90-above=2M`.
    pub fn parse_list(text: &str) -> Result<Vec<Threshold>, String> {
        text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Threshold::parse).collect()
    }

    pub fn parse(text: &str) -> Result<Threshold, String> {
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (text.trim(), None),
        };
        match (name, value) {
            ("new-path", None) => Ok(Threshold::NewPath),
            ("ale-increase", Some(v)) => match v.strip_suffix('%') {
                Some(p) => {
                    number(p, text).and_then(|p| non_negative(p, text)).map(|p| Threshold::AleIncreaseShare(p / 100.0))
                }
                None => amount(v, text).map(Threshold::AleIncrease),
            },
            ("p90-above", Some(v)) => amount(v, text).map(Threshold::P90Above),
            ("new-path", Some(_)) => Err(format!("--fail-on `{text}`: new-path takes no value")),
            ("ale-increase" | "p90-above", None) => {
                Err(format!("--fail-on `{text}`: needs a value, e.g. ale-increase=5% or p90-above=2M"))
            }
            _ => Err(format!(
                "--fail-on `{text}`: unknown threshold (ale-increase=PCT% or AMOUNT, new-path, p90-above=AMOUNT)"
            )),
        }
    }

    /// As written on the command line.
    pub fn name(&self) -> String {
        match *self {
            Threshold::AleIncreaseShare(s) => format!("ale-increase={}%", s * 100.0),
            Threshold::AleIncrease(a) => format!("ale-increase={a}"),
            Threshold::NewPath => "new-path".into(),
            Threshold::P90Above(a) => format!("p90-above={a}"),
        }
    }

    /// Whether `diff` crosses this threshold (strictly above it), with what was measured. The ALE
    /// increase is the point estimate ΔALE (identical models give exactly 0: common random numbers).
    pub fn check(&self, diff: &Diff) -> Option<Crossed> {
        let (measured, limit, unit) = match *self {
            Threshold::AleIncreaseShare(s) => {
                let share = match diff.base.ale {
                    0.0 if diff.ale.value > 0.0 => f64::INFINITY,
                    0.0 => 0.0,
                    base => diff.ale.value / base,
                };
                (share, s, Unit::Share)
            }
            Threshold::AleIncrease(a) => (diff.ale.value, a, Unit::Money),
            Threshold::NewPath => {
                (diff.paths.iter().filter(|p| p.status == Status::New).count() as f64, 0.0, Unit::Paths)
            }
            Threshold::P90Above(a) => (diff.head.p90, a, Unit::Money),
        };
        (measured > limit).then(|| Crossed { threshold: self.name(), measured, limit, unit })
    }
}

/// Every threshold `diff` crosses, in the order given.
pub fn crossed(diff: &Diff, thresholds: &[Threshold]) -> Vec<Crossed> {
    thresholds.iter().filter_map(|t| t.check(diff)).collect()
}

fn number(text: &str, whole: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("--fail-on `{whole}`: `{text}` is not a number"))
}

fn non_negative(x: f64, whole: &str) -> Result<f64, String> {
    if x < 0.0 { Err(format!("--fail-on `{whole}`: the limit must not be negative")) } else { Ok(x) }
}

/// Money as written: `250000`, `250k`, `1.5M`, `2B`, `2e6` (no currency sign).
pub fn amount(text: &str, whole: &str) -> Result<f64, String> {
    let t = text.trim();
    let (digits, scale) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1e3),
        Some((i, 'm' | 'M')) => (&t[..i], 1e6),
        Some((i, 'b' | 'B')) => (&t[..i], 1e9),
        _ => (t, 1.0),
    };
    number(digits, whole).and_then(|x| non_negative(x * scale, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_as_written() {
        let list = Threshold::parse_list("ale-increase=5%, new-path,p90-above=1.5M,ale-increase=250k").unwrap();
        assert_eq!(
            list,
            vec![
                Threshold::AleIncreaseShare(0.05),
                Threshold::NewPath,
                Threshold::P90Above(1.5e6),
                Threshold::AleIncrease(250e3)
            ]
        );
        assert_eq!(amount("2B", "x"), Ok(2e9));
        assert_eq!(amount("2e6", "x"), Ok(2e6));
        assert_eq!(amount("1200", "x"), Ok(1200.0));
        for bad in ["ale-increase=-5%", "ale-increase=x%", "p90-above=", "new-path=1", "p90-above=NaN", "p90-above=inf"]
        {
            assert!(Threshold::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Threshold::parse_list("").unwrap(), Vec::new());
    }
}
