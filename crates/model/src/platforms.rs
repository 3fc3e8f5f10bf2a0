//! The ATT&CK platforms of a model — stated in `settings.platforms`, else derived from its node
//! kinds — and whether a mitigation tied to some platforms applies to the estate at all.

use serde::Serialize;

use crate::kb;
use crate::types::Model;

/// Where a model's platforms come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformSource {
    /// `settings.platforms`.
    Settings,
    /// The union of the platforms of the model's node kinds.
    NodeKinds,
    /// Neither says anything: every mitigation is taken to apply.
    Unknown,
}

/// The ATT&CK platforms an estate has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platforms {
    /// In ATT&CK's order (`kb::PLATFORMS`).
    pub names: Vec<String>,
    pub source: PlatformSource,
}

impl Platforms {
    /// Whether mitigation `id` can apply here: it is not tied to platforms, or one of its platforms
    /// is the estate's (with unknown platforms, every mitigation applies).
    pub fn allow_mitigation(&self, id: &str) -> bool {
        match kb::mitigation_platforms(id) {
            Some(tied) if self.source != PlatformSource::Unknown => {
                tied.iter().any(|p| self.names.iter().any(|n| n == p))
            }
            _ => true,
        }
    }
}

impl Model {
    /// The estate's ATT&CK platforms: `settings.platforms` if given, else those its node kinds
    /// imply (a `domain` implies Windows, a `bucket` IaaS; an `identity` says nothing).
    pub fn platforms(&self) -> Platforms {
        if let Some(stated) = &self.settings.platforms {
            return Platforms {
                names: in_attack_order(stated.iter().map(String::as_str)),
                source: PlatformSource::Settings,
            };
        }
        let implied =
            self.nodes.iter().filter_map(|n| kb::node_kind(&n.kind)).flat_map(|k| k.platforms.iter().copied());
        let names = in_attack_order(implied);
        let source = if names.is_empty() { PlatformSource::Unknown } else { PlatformSource::NodeKinds };
        Platforms { names, source }
    }
}

/// The distinct platforms among `names`, in ATT&CK's order.
fn in_attack_order<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let set: std::collections::HashSet<&str> = names.into_iter().collect();
    kb::PLATFORMS.iter().filter(|p| set.contains(*p)).map(|p| p.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use crate::load_str;

    fn model(yaml: &str) -> crate::Model {
        load_str("m.yaml", yaml, &crate::LoadOptions::default()).expect("valid model").model
    }

    #[test]
    fn platforms_come_from_node_kinds_unless_stated() {
        let aws = model(
            "nodes: [{id: u, kind: iam_user}, {id: r, kind: role}, {id: b, kind: bucket}, {id: i, kind: identity}]\n",
        );
        let p = aws.platforms();
        assert_eq!((p.names.as_slice(), p.source), (&["IaaS".to_string()][..], super::PlatformSource::NodeKinds));
        assert!(!p.allow_mitigation("M1015"), "an AWS-only estate has no Active Directory to configure");
        assert!(p.allow_mitigation("M1032") && p.allow_mitigation("M1026"));

        let ad = model("nodes: [{id: d, kind: domain}, {id: u, kind: user}, {id: b, kind: bucket}]\n");
        assert_eq!(ad.platforms().names, ["Windows", "IaaS"]);
        assert!(ad.platforms().allow_mitigation("M1015"));

        let stated = model("settings: {platforms: [Linux, IaaS]}\nnodes: [{id: d, kind: domain}]\n");
        let p = stated.platforms();
        assert_eq!(
            (p.names.as_slice(), p.source),
            (&["Linux".to_string(), "IaaS".to_string()][..], super::PlatformSource::Settings)
        );
        assert!(!p.allow_mitigation("M1015") && p.allow_mitigation("M1043"));

        let unknown = model("nodes: [{id: i, kind: identity}, {id: s, kind: secret}]\n");
        assert_eq!(unknown.platforms().source, super::PlatformSource::Unknown);
        assert!(unknown.platforms().allow_mitigation("M1015"), "nothing known: nothing is ruled out");
    }
}
