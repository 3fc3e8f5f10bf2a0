//! Vulnerabilities on an edge: the evidence a scanner gives (CISA KEV, FIRST EPSS, CVSS, the fix)
//! and the documented rule that turns it into a per-attempt exploit probability, and edges' into one.

pub(crate) mod read;

use crate::source::Loc;

/// Chance that a working, weaponised exploit succeeds against a reachable vulnerable instance in
/// one attempt (exploit reliability, configuration and version differences).
pub const RELIABILITY: f64 = 0.9;
/// The horizon of an EPSS score, in days: P(exploitation activity observed in the next 30 days).
pub const EPSS_DAYS: f64 = 30.0;
/// The exposure window assumed when a vulnerability does not give one: one EPSS horizon.
pub const DEFAULT_WINDOW_DAYS: f64 = 30.0;

/// CVSS attack vector: how close the attacker must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vector {
    Network,
    Adjacent,
    Local,
    Physical,
}

impl Vector {
    pub const NAMES: [&'static str; 4] = ["network", "adjacent", "local", "physical"];
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    pub fn parse(s: &str) -> Option<Vector> {
        [Vector::Network, Vector::Adjacent, Vector::Local, Vector::Physical].into_iter().find(|v| v.name() == s)
    }
    /// From a CVSS v2, v3 or v4 vector string (`AV:N`, …), if it has an attack vector.
    pub fn from_cvss(vector: &str) -> Option<Vector> {
        let av = vector.split('/').find_map(|part| part.strip_prefix("AV:"))?;
        Some(match av {
            "N" => Vector::Network,
            "A" => Vector::Adjacent,
            "L" => Vector::Local,
            "P" => Vector::Physical,
            _ => return None,
        })
    }
    /// How much of the exploitation evidence carries over an exploit step from a remote source:
    /// network 1, adjacent 0.5, local 0.25 (a worker must open the file, or a foothold is needed),
    /// physical 0.02.
    pub fn factor(self) -> f64 {
        [1.0, 0.5, 0.25, 0.02][self as usize]
    }
}

/// Whether a fixed version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    /// A fixed version is published.
    Fixed,
    /// No fix yet (affected, deferred, under investigation, or not stated).
    NotFixed,
    /// The vendor or distribution will not fix it (it judged the bug minor here).
    WontFix,
}

impl FixState {
    pub const NAMES: [&'static str; 3] = ["fixed", "not-fixed", "wont-fix"];
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    pub fn parse(s: &str) -> Option<FixState> {
        [FixState::Fixed, FixState::NotFixed, FixState::WontFix].into_iter().find(|f| f.name() == s)
    }
    /// In the CVSS tier only: exploits mostly follow a published fix (patch diffing), and bugs a
    /// vendor will not fix are mostly minor where they are: fixed 1, not fixed 0.5, won't fix 0.25.
    pub fn factor(self) -> f64 {
        [1.0, 0.5, 0.25][self as usize]
    }
}

/// A scanner's severity, used as a CVSS score (its band's middle) when no score is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityBand {
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityBand {
    pub const NAMES: [&'static str; 4] = ["low", "medium", "high", "critical"];
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    /// Case-insensitive: `HIGH`, `High`, `high`; `negligible` counts as low.
    pub fn parse(s: &str) -> Option<SeverityBand> {
        let s = s.to_ascii_lowercase();
        if s == "negligible" {
            return Some(SeverityBand::Low);
        }
        [SeverityBand::Low, SeverityBand::Medium, SeverityBand::High, SeverityBand::Critical]
            .into_iter()
            .find(|b| b.name() == s)
    }
    /// The middle of the CVSS v3 band: low 0.1–3.9, medium 4–6.9, high 7–8.9, critical 9–10.
    pub fn score(self) -> f64 {
        [2.0, 5.5, 8.0, 9.5][self as usize]
    }
}

/// One vulnerability an edge stands for, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    /// `CVE-2024-3400`, or another advisory id (`GHSA-…`, `GO-…`).
    pub id: String,
    /// A probability given by hand; replaces the derivation.
    pub p: Option<f64>,
    /// In CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: bool,
    /// KEV says it is known to be used in ransomware campaigns.
    pub ransomware: bool,
    /// FIRST EPSS: probability of exploitation activity in the next 30 days.
    pub epss: Option<f64>,
    /// CVSS base score, 0–10.
    pub cvss: Option<f64>,
    pub severity: Option<SeverityBand>,
    pub vector: Option<Vector>,
    /// The fixed version (or what fixes it).
    pub fix: Option<String>,
    pub fix_state: FixState,
    /// The affected package and its installed version.
    pub package: Option<String>,
    pub installed: Option<String>,
    /// The scanned artifact it was found in (an image, a host, a repository).
    pub artifact: Option<String>,
    /// Days the vulnerability stays exposed to attempts (default one EPSS horizon, 30).
    pub window_days: f64,
    pub loc: Loc,
}

/// Which evidence a vulnerability's probability comes from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// `p` given by hand.
    Given,
    /// Listed in CISA KEV: exploitation is certain.
    Kev,
    /// FIRST EPSS 30-day probability.
    Epss,
    /// CVSS base score (or the scanner's severity band, or the medium band when nothing is known).
    Cvss,
}

/// How one vulnerability's per-attempt probability was derived, term by term.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Derivation {
    pub basis: Basis,
    /// The 30-day exploitation probability used: 1 for KEV, the EPSS score, or the CVSS prior.
    pub exploitation_30d: f64,
    /// Exploitation within the exposure window: `1 − (1 − exploitation_30d)^(window / 30)`.
    pub exploitation_window: f64,
    pub window_days: f64,
    pub reliability: f64,
    /// The attack vector's factor (1 when unknown).
    pub vector: f64,
    /// The fix-availability factor (CVSS tier only, else 1).
    pub fix: f64,
    /// The CVSS score the prior came from (CVSS tier only).
    pub score: Option<f64>,
    pub p: f64,
}

/// The 30-day exploitation probability assumed from a CVSS base score alone: `0.05 × (s/10)²`
/// (0.05 at 10, 0.024 at 7, 0.0125 at 5): of the order of the EPSS scores of CVEs in that band.
pub fn cvss_prior(score: f64) -> f64 {
    0.05 * (score.clamp(0.0, 10.0) / 10.0).powi(2)
}

/// Exploitation within `window_days`, from a 30-day probability, for a constant hazard.
pub fn over_window(p30: f64, window_days: f64) -> f64 {
    1.0 - (1.0 - p30.clamp(0.0, 1.0)).powf(window_days / EPSS_DAYS)
}

impl Vulnerability {
    /// A vulnerability with only an id (every other field empty); for importers and tests.
    pub fn new(id: impl Into<String>) -> Self {
        Vulnerability {
            id: id.into(),
            p: None,
            kev: false,
            ransomware: false,
            epss: None,
            cvss: None,
            severity: None,
            vector: None,
            fix: None,
            fix_state: FixState::NotFixed,
            package: None,
            installed: None,
            artifact: None,
            window_days: DEFAULT_WINDOW_DAYS,
            loc: Loc::default(),
        }
    }

    /// The per-attempt probability that this vulnerability lets an attacker over the edge, and how.
    pub fn derive(&self) -> Derivation {
        let vector = self.vector.map_or(1.0, Vector::factor);
        let window = self.window_days;
        let base = Derivation {
            basis: Basis::Given,
            exploitation_30d: 1.0,
            exploitation_window: 1.0,
            window_days: window,
            reliability: RELIABILITY,
            vector,
            fix: 1.0,
            score: None,
            p: 0.0,
        };
        let (basis, p30, fix, score) = if let Some(p) = self.p {
            return Derivation { p, reliability: 1.0, vector: 1.0, ..base };
        } else if self.kev {
            (Basis::Kev, 1.0, 1.0, None)
        } else if let Some(e) = self.epss {
            (Basis::Epss, e, 1.0, None)
        } else {
            let s = self.cvss.or(self.severity.map(SeverityBand::score)).unwrap_or(SeverityBand::Medium.score());
            (Basis::Cvss, cvss_prior(s), self.fix_state.factor(), Some(s))
        };
        let in_window = over_window(p30, window);
        let p = RELIABILITY * in_window * vector * fix;
        Derivation { basis, exploitation_30d: p30, exploitation_window: in_window, fix, score, p, ..base }
    }
}

/// The probability of an edge standing for `vulns`: entries with the same id are one vulnerability
/// (the same bug in several packages) counted once with its largest probability; distinct
/// vulnerabilities are independent chances, `1 − Π (1 − p_i)`.
pub fn combine(vulns: &[Vulnerability]) -> f64 {
    let mut best: Vec<(&str, f64)> = Vec::with_capacity(vulns.len());
    for v in vulns {
        let p = v.derive().p;
        match best.iter_mut().find(|(id, _)| *id == v.id) {
            Some((_, b)) => *b = b.max(p),
            None => best.push((&v.id, p)),
        }
    }
    1.0 - best.iter().map(|(_, p)| 1.0 - p).product::<f64>()
}

/// Whether `id` is a well-formed CVE id: `CVE-`, a four-digit year, `-`, four or more digits.
pub fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && number.len() >= 4 && number.len() <= 19 && digits(number)
}

/// Why `id` cannot name a vulnerability, if it cannot: an id that starts like a CVE id must be one;
/// any other (an advisory id such as `GHSA-…`, `GO-2022-0493`, `TEMP-0841856-B18BAF`) must start
/// with a letter and use only letters, digits and `-._:` (at most 64).
pub fn id_problem(id: &str) -> Option<String> {
    if id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-")) {
        return (!is_cve_id(id))
            .then(|| format!("`{id}` is not a well-formed CVE id (CVE-, a four-digit year, -, at least four digits)"));
    }
    let ok = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c));
    (!ok).then(|| format!("`{id}` is not a vulnerability id (CVE-2024-3400, GHSA-…, or letters, digits and -._:)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_checked_for_form() {
        assert!(is_cve_id("CVE-2021-44228") && is_cve_id("CVE-2024-1234567"));
        for bad in ["CVE-21-44228", "CVE-2021-442", "CVE-2021-4422x", "cve-2021-44228", "CVE-2021_44228", "CVE-2021-"] {
            assert!(!is_cve_id(bad), "{bad}");
        }
        assert!(id_problem("cve-2021-44228").is_some(), "a lower-case CVE prefix is a malformed CVE id");
        assert!(id_problem("CVE-2021-4422x").is_some());
        for ok in ["CVE-2021-44228", "GHSA-cfh5-3ghh-wfjx", "GO-2022-0493", "TEMP-0841856-B18BAF", "RUSTSEC-2021-0001"]
        {
            assert_eq!(id_problem(ok), None, "{ok}");
        }
        for bad in ["", "has space", "1234", "GHSA/x"] {
            assert!(id_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn vectors_come_from_cvss_strings_of_every_version() {
        assert_eq!(Vector::from_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Some(Vector::Network));
        assert_eq!(Vector::from_cvss("AV:L/AC:L/Au:N/C:C/I:C/A:C"), Some(Vector::Local));
        assert_eq!(Vector::from_cvss("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N"), Some(Vector::Adjacent));
        assert_eq!(Vector::from_cvss("CVSS:3.1/AC:L"), None);
    }
}
