//! Tier Zero: the principals and objects whose control is control of a domain, forest or tenant.
//! BloodHound's default Tier Zero by well-known RID, domain controllers, enterprise CAs and Entra
//! Global Administrators; the crown jewels among them, and the forests and tenants they belong to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::adcs::forests;
use super::azure::roles;
use super::graph::{Graph, Ix};
use super::kinds;

/// Group RIDs whose members control the domain (Domain Admins, Enterprise Admins, Schema Admins).
const JEWEL_GROUP_RIDS: &[&str] = &["-512", "-519", "-518"];
/// Further Tier Zero RIDs (tagged, not jewels): Administrator, Domain Controllers, Key Admins,
/// Enterprise Key Admins, Read-only DCs of the enterprise.
const TIER_ZERO_RIDS: &[&str] = &["-500", "-516", "-526", "-527", "-498"];
/// Built-in groups of Tier Zero (Administrators is a jewel; the operators are Tier Zero).
const BUILTIN_ADMINISTRATORS: &str = "-S-1-5-32-544";
const BUILTIN_TIER_ZERO: &[&str] = &["-S-1-5-32-548", "-S-1-5-32-549", "-S-1-5-32-550", "-S-1-5-32-551", "-S-1-5-9"];

/// Tier Zero of an import.
#[derive(Debug, Default)]
pub struct TierZero {
    /// Crown jewels: domains, Domain/Enterprise/Schema Admins, Administrators, domain controllers,
    /// krbtgt, enterprise CAs, tenants and their Global Administrator role.
    pub jewels: BTreeSet<Ix>,
    /// Every Tier Zero node (jewels included).
    pub nodes: BTreeSet<Ix>,
    /// Each jewel's loss group: a forest (by its root domain's name) or a tenant.
    pub group_of: BTreeMap<Ix, String>,
}

impl TierZero {
    pub fn find(graph: &Graph) -> Self {
        let mut t = TierZero::default();
        let dc_group_members = dc_group_members(graph);
        for (i, n) in graph.nodes.iter().enumerate() {
            let ix = i as Ix;
            if n.flags.placeholder {
                continue;
            }
            let id = n.id.as_str();
            let jewel = match n.label.as_str() {
                "Domain" | "EnterpriseCA" | "AZTenant" => true,
                "Group" => JEWEL_GROUP_RIDS.iter().any(|r| id.ends_with(r)) || id.ends_with(BUILTIN_ADMINISTRATORS),
                "User" => id.ends_with("-502"),
                "Computer" => n.flags.is_dc || dc_group_members.contains(&ix),
                "AZRole" => id.starts_with(roles::GLOBAL_ADMIN),
                _ => false,
            };
            let tier_zero = jewel
                || TIER_ZERO_RIDS.iter().any(|r| id.ends_with(r))
                || BUILTIN_TIER_ZERO.iter().any(|r| id.ends_with(r))
                || matches!(n.label.as_str(), "RootCA" | "NTAuthStore" | "AIACA")
                || (n.label == "AZRole" && id.starts_with(roles::PRIVILEGED_ROLE_ADMIN));
            if jewel {
                t.jewels.insert(ix);
            }
            if tier_zero {
                t.nodes.insert(ix);
            }
        }
        t.group_of = loss_groups(graph, &t.jewels);
        t
    }
}

/// Computers whose primary group is Domain Controllers (RID 516).
fn dc_group_members(graph: &Graph) -> BTreeSet<Ix> {
    graph
        .edges_of(kinds::MEMBER_OF)
        .into_iter()
        .filter(|e| graph.node(e.to).id.ends_with("-516") && graph.node(e.from).label == "Computer")
        .map(|e| e.from)
        .collect()
}

/// The loss group of each jewel: the forest of its domain (named after the forest's first domain
/// by name) for AD, the tenant for Entra ID; jewels whose domain is unknown form their own group.
fn loss_groups(graph: &Graph, jewels: &BTreeSet<Ix>) -> BTreeMap<Ix, String> {
    let forest_of = forests(graph);
    let mut forest_name: HashMap<usize, String> = HashMap::new();
    for (d, f) in &forest_of {
        let name = graph.node(*d).name.clone();
        let entry = forest_name.entry(*f).or_insert_with(|| name.clone());
        if name < *entry {
            *entry = name;
        }
    }
    let mut out = BTreeMap::new();
    for &j in jewels {
        let n = graph.node(j);
        let group = if n.label.starts_with("AZ") {
            let tenant =
                graph.ix(&n.domain_sid).map(|t| graph.node(t).name.clone()).unwrap_or_else(|| n.domain_sid.clone());
            format!("tenant {tenant}")
        } else {
            let domain = if n.label == "Domain" { Some(j) } else { graph.ix(&n.domain_sid) };
            match domain.and_then(|d| forest_of.get(&d)).and_then(|f| forest_name.get(f)) {
                Some(name) => format!("forest {name}"),
                None => format!("domain {}", if n.domain.is_empty() { &n.domain_sid } else { &n.domain }),
            }
        };
        out.insert(j, group);
    }
    out
}
