//! FIRST's EPSS scores from their daily CSV (plain or gzipped): a `#model_version:…,score_date:…`
//! line, the header `cve,epss,percentile`, then one CVE per line; any other shape is an error.

use std::collections::HashMap;
use std::path::Path;

use riskpath_model::vuln::is_cve_id;

use super::input::{InputError, read_text};

/// EPSS scores by CVE id, with the model version and score date of the file.
#[derive(Debug, Clone, Default)]
pub struct Epss {
    pub model_version: String,
    pub score_date: String,
    pub scores: HashMap<String, f64>,
}

impl Epss {
    pub fn open(path: &Path) -> Result<Epss, InputError> {
        Epss::parse(path, &read_text(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Epss, InputError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
        let (model_version, score_date) = match lines.next() {
            Some((_, first)) => meta_line(first).ok_or_else(|| {
                InputError::at(
                    path,
                    1,
                    1,
                    "expected FIRST's first line `#model_version:…,score_date:…` (an EPSS CSV from FIRST)",
                )
            })?,
            None => return Err(InputError::new(path, "empty file; expected FIRST's EPSS CSV")),
        };
        match lines.next() {
            Some((_, "cve,epss,percentile")) => {}
            Some((n, other)) => {
                return Err(InputError::at(
                    path,
                    n,
                    1,
                    format!("expected the header `cve,epss,percentile`, found `{other}`"),
                ));
            }
            None => {
                return Err(InputError::at(path, 1, 1, "no header line `cve,epss,percentile` after the first line"));
            }
        }
        let mut scores = HashMap::new();
        for (n, line) in lines.filter(|(_, l)| !l.is_empty()) {
            let (cve, epss) = row(line).map_err(|(col, why)| InputError::at(path, n, col, why))?;
            scores.insert(cve.to_string(), epss);
        }
        Ok(Epss { model_version, score_date, scores })
    }

    pub fn get(&self, cve: &str) -> Option<f64> {
        self.scores.get(cve).copied()
    }
}

/// `#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000` → (version, date).
fn meta_line(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?;
    let mut version = None;
    let mut date = None;
    for part in rest.split(',') {
        match part.split_once(':') {
            Some(("model_version", v)) => version = Some(v.to_string()),
            Some(("score_date", d)) => date = Some(d.to_string()),
            _ => {}
        }
    }
    Some((version?, date.unwrap_or_default()))
}

/// One data row: a well-formed CVE id and a probability (the percentile is checked too); on
/// error, the 1-based column and why.
fn row(line: &str) -> Result<(&str, f64), (usize, String)> {
    let fields: Vec<&str> = line.split(',').collect();
    if fields.len() != 3 {
        return Err((1, format!("expected 3 fields `cve,epss,percentile`, found {}", fields.len())));
    }
    if !is_cve_id(fields[0]) {
        return Err((1, format!("`{}` is not a well-formed CVE id", fields[0])));
    }
    let mut col = fields[0].len() + 2;
    let mut values = [0.0; 2];
    for (i, (name, text)) in ["epss", "percentile"].iter().zip(&fields[1..]).enumerate() {
        match text.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => values[i] = v,
            _ => return Err((col, format!("{name} `{text}` is not a probability in [0, 1]"))),
        }
        col += text.len() + 1;
    }
    Ok((fields[0], values[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\n";

    #[test]
    fn reads_first_csv() {
        let e = Epss::parse(Path::new("e.csv"), GOOD).unwrap();
        assert_eq!((e.model_version.as_str(), e.score_date.as_str()), ("v2025.03.14", "2025-08-25T00:00:00+0000"));
        assert_eq!(e.get("CVE-2021-44228"), Some(0.94358));
        assert_eq!(e.get("CVE-2021-1"), None);
    }

    #[test]
    fn wrong_shapes_name_the_line() {
        let err = |text: &str| Epss::parse(Path::new("e.csv"), text).unwrap_err().to_string();
        assert_eq!(
            err("cve,epss,percentile\nCVE-2021-44228,0.9,0.9\n"),
            "e.csv:1:1: expected FIRST's first line `#model_version:…,score_date:…` (an EPSS CSV from FIRST)"
        );
        assert_eq!(
            err("#model_version:v1,score_date:x\ncve,score\n"),
            "e.csv:2:1: expected the header `cve,epss,percentile`, found `cve,score`"
        );
        assert_eq!(err(&format!("{GOOD}CVE-21-1,0.1,0.2\n")), "e.csv:4:1: `CVE-21-1` is not a well-formed CVE id");
        assert_eq!(
            err(&format!("{GOOD}CVE-2022-22965,1.2,0.2\n")),
            "e.csv:4:16: epss `1.2` is not a probability in [0, 1]"
        );
        assert_eq!(
            err(&format!("{GOOD}CVE-2022-22965,0.2\n")),
            "e.csv:4:1: expected 3 fields `cve,epss,percentile`, found 2"
        );
        assert_eq!(err(""), "e.csv: empty file; expected FIRST's EPSS CSV");
    }
}
