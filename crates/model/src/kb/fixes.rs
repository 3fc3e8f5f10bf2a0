//! What removing an edge of each kind takes when the edge does not say: whether it can be removed
//! at all (facts of the estate's design are not) and a default cost with its unit.

use crate::types::{CostUnit, FixCost};

/// Edge kinds that are facts of the design, never a fix: containment in the directory tree, a
/// domain controller's domain, a GPO's reach, trusts inside a forest, the CA's place in NTAuth,
/// directory synchronisation, the importers' own bookkeeping edges, and phishing as a population
/// entry (its fix is a control, not the removal of one user). An edge's own `removable` overrides.
pub const NOT_REMOVABLE: &[&str] = &[
    "contains",
    "contains_identity",
    "propagates_aces_to",
    "gpo_applies_to",
    "dc_for",
    "same_forest_trust",
    "golden_cert",
    "claim_special_identity",
    "synced_to_entra_user",
    "synced_to_ad_user",
    "holds",
    "foothold",
    "az_contains",
    "az_node_resource_group",
    "phishes",
];

/// Default effort to remove one edge of a removable kind: one engineer-day. The knowledge base
/// cannot know an estate's prices, so without `fix_cost` keys a cut counts fixes in days.
pub const DEFAULT_COST: FixCost = FixCost { amount: 1.0, unit: CostUnit::Days };

/// Whether an edge of kind `kind` can be removed, when the edge does not say.
pub fn removable_by_default(kind: &str) -> bool {
    !NOT_REMOVABLE.contains(&kind)
}
