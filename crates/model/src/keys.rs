//! The keys the loader accepts in each mapping of a model file, one list per kind of mapping:
//! `read.rs`, `groups.rs` and `vuln/read.rs` check against these, and a test ties them to the model schema.

use crate::types::LOSS_TYPES;

/// A model file's top level (`settings` first: it is read before the lists).
pub const FILE: &[&str] = &[
    "settings",
    "entry_points",
    "nodes",
    "edges",
    "controls",
    "actors",
    "initiatives",
    "import",
    "loss_groups",
    "accepted_risks",
];
/// A line of a JSON Lines model file (`*.jsonl`): one item, under the singular of its list's key.
pub const LINE: &[&str] =
    &["settings", "entry_point", "node", "edge", "control", "actor", "initiative", "loss_group", "accepted_risk"];
pub const SETTINGS: &[&str] =
    &["currency", "respond", "trials", "years", "seed", "tolerance", "attack", "platforms", "day_rate"];
pub const ENTRY_POINT: &[&str] = &["id", "kind", "name", "campaign", "description"];
/// An entry point's `campaign`.
pub const CAMPAIGN: &[&str] = &["targets", "reach"];
pub const NODE: &[&str] =
    &["id", "kind", "name", "zone", "owner", "tags", "crown_jewel", "loss", "campaign", "description", "remediation"];
pub const EDGE: &[&str] = &[
    "id",
    "from",
    "to",
    "kind",
    "p",
    "technique",
    "requires",
    "requires_any",
    "fix_cost",
    "removable",
    "name",
    "vulnerabilities",
    "relation",
    "remediation",
    "description",
];
/// An edge's `fix_cost` as effort.
pub const FIX_COST_DAYS: &[&str] = &["days"];
pub const VULNERABILITY: &[&str] = &[
    "id",
    "p",
    "kev",
    "ransomware",
    "epss",
    "cvss",
    "severity",
    "vector",
    "fix",
    "fix_state",
    "package",
    "installed",
    "artifact",
    "window",
];
pub const CONTROL: &[&str] = &[
    "id",
    "name",
    "uses",
    "mitigates",
    "detects",
    "scope",
    "implements",
    "status",
    "cost",
    "owner",
    "check",
    "description",
];
/// A control's `check`.
pub const CHECK: &[&str] = &["policy", "evidence", "max_age", "package"];
pub const ACTOR: &[&str] = &["id", "name", "frequency", "entry", "skill", "targets", "attack_group", "description"];
pub const INITIATIVE: &[&str] =
    &["id", "name", "deploys", "removes", "cost", "duration", "depends_on", "owner", "description"];
pub const ACCEPTED_RISK: &[&str] = &["id", "scope", "owner", "expires", "justification", "max_ale"];
/// An accepted risk's `scope`: an actor and a target, an edge, or a class.
pub const ACCEPTED_SCOPE: &[&str] = &["actor", "target", "edge", "class"];
pub const LOSS_GROUP: &[&str] = &["id", "name", "members", "loss"];
/// A 90% interval (`{low, high}`) wherever an estimate may be one.
pub const INTERVAL: &[&str] = &["low", "high"];
/// A cost as `{once, yearly}`.
pub const COST: &[&str] = &["once", "yearly"];
/// A jewel's or loss group's `loss`: one key per loss type.
pub const LOSS: &[&str] = &LOSS_TYPES;

/// Keys a mapping accepts only to say where they belong (a `campaign` on a node is an error that
/// points to entry points): not part of the model language, so not in the schema.
pub const MISPLACED: &[(&str, &str)] = &[("/definitions/node", "campaign")];

/// Every list with the mapping it governs, by the JSON pointer of that object in
/// `schemas/model.schema.json` (whose properties must be the same keys).
pub const ALL: &[(&str, &[&str])] = &[
    ("", FILE),
    ("/properties/settings", SETTINGS),
    ("/definitions/entry_point", ENTRY_POINT),
    ("/definitions/entry_point/properties/campaign", CAMPAIGN),
    ("/definitions/node", NODE),
    ("/definitions/edge", EDGE),
    ("/definitions/edge/properties/fix_cost/anyOf/1", FIX_COST_DAYS),
    ("/definitions/vulnerability", VULNERABILITY),
    ("/definitions/control", CONTROL),
    ("/definitions/control/properties/check", CHECK),
    ("/definitions/actor", ACTOR),
    ("/definitions/initiative", INITIATIVE),
    ("/definitions/loss_group", LOSS_GROUP),
    ("/definitions/accepted_risk", ACCEPTED_RISK),
    ("/definitions/accepted_risk/properties/scope", ACCEPTED_SCOPE),
    ("/definitions/interval/anyOf/0", INTERVAL),
    ("/definitions/cost/anyOf/1", COST),
    ("/definitions/loss", LOSS),
    ("/definitions/line", LINE),
];
