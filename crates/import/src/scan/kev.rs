//! CISA's Known Exploited Vulnerabilities catalogue: the copy shipped in this crate (`data/kev/`,
//! CC0) used by default, or a newer one given with `--kev FILE` (the JSON feed, plain or gzipped).

use std::collections::HashMap;
use std::path::Path;

use riskpath_model::vuln::is_cve_id;

use super::input::{InputError, locate, read_text, text_of};

/// The bundled catalogue, gzipped.
const BUNDLED: &[u8] = include_bytes!("../../data/kev/known_exploited_vulnerabilities.json.gz");

/// One catalogue entry, as far as riskpath uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct KevEntry {
    /// `knownRansomwareCampaignUse` is `Known`.
    pub ransomware: bool,
    pub date_added: String,
}

/// The catalogue: CVE id → entry, and its version.
#[derive(Debug, Clone, Default)]
pub struct Kev {
    pub version: String,
    pub entries: HashMap<String, KevEntry>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Feed {
    catalog_version: String,
    vulnerabilities: Vec<FeedEntry>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(default)]
    known_ransomware_campaign_use: String,
    #[serde(default)]
    date_added: String,
}

impl Kev {
    /// The catalogue shipped with riskpath (its version is in `version`).
    pub fn bundled() -> Result<Kev, InputError> {
        let path = Path::new("<bundled KEV catalogue>");
        Kev::parse(path, &text_of(path, BUNDLED.to_vec())?)
    }

    /// A catalogue file (CISA's `known_exploited_vulnerabilities.json`, plain or gzipped).
    pub fn open(path: &Path) -> Result<Kev, InputError> {
        Kev::parse(path, &read_text(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Kev, InputError> {
        let feed: Feed = serde_json::from_str(text).map_err(|e| InputError::json(path, &e, "CISA KEV catalogue"))?;
        let mut entries = HashMap::with_capacity(feed.vulnerabilities.len());
        for v in feed.vulnerabilities {
            if !is_cve_id(&v.cve_id) {
                let (line, col) = locate(text, &v.cve_id, 0).unwrap_or((0, 0));
                return Err(InputError::at(path, line, col, format!("`{}` is not a well-formed CVE id", v.cve_id)));
            }
            let entry = KevEntry { ransomware: v.known_ransomware_campaign_use == "Known", date_added: v.date_added };
            entries.insert(v.cve_id, entry);
        }
        Ok(Kev { version: feed.catalog_version, entries })
    }

    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        self.entries.get(cve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalogue_opens() {
        let kev = Kev::bundled().unwrap();
        assert_eq!(kev.version, "2025.08.25");
        assert_eq!(kev.entries.len(), 1404);
        assert!(kev.get("CVE-2021-44228").is_some_and(|e| e.ransomware), "Log4Shell is used by ransomware");
        assert!(kev.get("CVE-2022-22965").is_some(), "Spring4Shell");
        assert!(kev.get("CVE-2019-1549").is_none());
    }

    #[test]
    fn a_malformed_cve_id_is_an_error_at_its_line() {
        let text = "{\"catalogVersion\": \"x\",\n \"vulnerabilities\": [\n  {\"cveID\": \"CVE-2021-442\"}]}";
        let e = Kev::parse(Path::new("kev.json"), text).unwrap_err();
        assert_eq!(e.to_string(), "kev.json:3:13: `CVE-2021-442` is not a well-formed CVE id");
        let e = Kev::parse(Path::new("kev.json"), "{\"vulnerabilities\": []}").unwrap_err();
        assert!(
            e.to_string().starts_with("kev.json:1:23: not a valid CISA KEV catalogue: missing field `catalogVersion`"),
            "{e}"
        );
    }
}
