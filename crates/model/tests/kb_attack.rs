//! Checks the built-in knowledge base against the ATT&CK Enterprise v18.1 STIX bundle in
//! `data/attack/` (zstd-compressed): every technique and mitigation exists, is current (neither revoked nor
//! deprecated) and carries ATT&CK's name and tactics, and every mitigation an edge kind or a control
//! catalog entry lists is linked by a `mitigates` relationship to one of its techniques or their parents.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use riskpath_model::kb::{CATALOG, EDGE_KINDS, MITIGATIONS, PLATFORMS, TECHNIQUES};
use serde_json::Value;

/// A technique or mitigation of the bundle, by ATT&CK id.
struct Entry {
    name: String,
    tactics: BTreeSet<String>,
    /// `x_mitre_platforms` (techniques only).
    platforms: BTreeSet<String>,
    /// Neither revoked nor deprecated.
    current: bool,
}

/// What the tests need from the bundle, parsed once.
struct Attack {
    techniques: HashMap<String, Entry>,
    mitigations: HashMap<String, Entry>,
    /// (mitigation id, technique id) of every current `mitigates` relationship between current objects.
    mitigates: HashSet<(String, String)>,
    /// Tactic short names in matrix order.
    tactic_order: Vec<String>,
}

fn bundle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/attack/enterprise-attack-v18.1-core.json.zst")
}

fn attack() -> &'static Attack {
    static ATTACK: OnceLock<Attack> = OnceLock::new();
    ATTACK.get_or_init(|| {
        let path = bundle_path();
        let bytes = riskpath_model::attack::read_file(&path).unwrap_or_else(|e| {
            panic!("the ATT&CK bundle is needed to check the knowledge base: cannot read {}: {e}", path.display())
        });
        let bundle: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
        parse(&bundle)
    })
}

fn str_field<'a>(o: &'a Value, key: &str) -> &'a str {
    o.get(key).and_then(Value::as_str).unwrap_or("")
}

fn is_current(o: &Value) -> bool {
    let flag = |key| o.get(key).and_then(Value::as_bool).unwrap_or(false);
    !flag("revoked") && !flag("x_mitre_deprecated")
}

/// The ATT&CK id (`T1078.004`, `M1032`) from an object's `mitre-attack` external reference.
fn attack_id(o: &Value) -> Option<&str> {
    o.get("external_references")?
        .as_array()?
        .iter()
        .find(|r| str_field(r, "source_name") == "mitre-attack")?
        .get("external_id")?
        .as_str()
}

fn parse(bundle: &Value) -> Attack {
    let objects = bundle["objects"].as_array().expect("a STIX bundle has an `objects` array");
    let by_stix_id: HashMap<&str, &Value> = objects.iter().map(|o| (str_field(o, "id"), o)).collect();

    let mut techniques = HashMap::new();
    let mut mitigations = HashMap::new();
    let mut mitigates = HashSet::new();
    let mut tactic_order = Vec::new();
    for o in objects {
        match str_field(o, "type") {
            kind @ ("attack-pattern" | "course-of-action") => {
                let Some(id) = attack_id(o) else { continue };
                let tactics = o
                    .get("kill_chain_phases")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| str_field(p, "kill_chain_name") == "mitre-attack")
                    .map(|p| str_field(p, "phase_name").to_string())
                    .collect();
                let platforms = o
                    .get("x_mitre_platforms")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                let entry =
                    Entry { name: str_field(o, "name").to_string(), tactics, platforms, current: is_current(o) };
                let map = if kind == "attack-pattern" { &mut techniques } else { &mut mitigations };
                // An id may also be carried by revoked or deprecated objects; the current one wins.
                let keep_old = map.get(id).is_some_and(|old: &Entry| old.current && !entry.current);
                if !keep_old {
                    map.insert(id.to_string(), entry);
                }
            }
            "relationship" if str_field(o, "relationship_type") == "mitigates" && is_current(o) => {
                let end = |key| by_stix_id.get(str_field(o, key)).copied();
                let (Some(source), Some(target)) = (end("source_ref"), end("target_ref")) else { continue };
                if str_field(source, "type") != "course-of-action"
                    || str_field(target, "type") != "attack-pattern"
                    || !is_current(source)
                    || !is_current(target)
                {
                    continue;
                }
                if let (Some(m), Some(t)) = (attack_id(source), attack_id(target)) {
                    mitigates.insert((m.to_string(), t.to_string()));
                }
            }
            "x-mitre-matrix" => {
                for r in o["tactic_refs"].as_array().into_iter().flatten() {
                    if let Some(tactic) = r.as_str().and_then(|r| by_stix_id.get(r)) {
                        tactic_order.push(str_field(tactic, "x_mitre_shortname").to_string());
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        techniques.len() > 500 && mitigations.len() > 40 && mitigates.len() > 1000 && tactic_order.len() == 14,
        "{} does not look like the ATT&CK Enterprise bundle",
        bundle_path().display()
    );
    Attack { techniques, mitigations, mitigates, tactic_order }
}

fn parent(id: &str) -> &str {
    id.split_once('.').map_or(id, |(p, _)| p)
}

fn assert_no_problems(what: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{what}: {} problem(s):\n  {}", problems.len(), problems.join("\n  "));
}

#[test]
fn techniques_are_current_attack_techniques_with_their_names_and_tactics() {
    let attack = attack();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for t in TECHNIQUES.iter() {
        if !seen.insert(t.id) {
            problems.push(format!("{} is listed twice", t.id));
        }
        let Some(entry) = attack.techniques.get(t.id) else {
            problems.push(format!("{} is not an ATT&CK technique", t.id));
            continue;
        };
        if !entry.current {
            problems.push(format!("{} ({}) is revoked or deprecated in ATT&CK", t.id, entry.name));
            continue;
        }
        let expected_name = if t.id.contains('.') {
            match attack.techniques.get(parent(t.id)) {
                Some(p) => format!("{}: {}", p.name, entry.name),
                None => {
                    problems.push(format!("{}: parent technique missing from the bundle", t.id));
                    continue;
                }
            }
        } else {
            entry.name.clone()
        };
        if t.name != expected_name {
            problems.push(format!("{}: name {:?}, ATT&CK says {:?}", t.id, t.name, expected_name));
        }
        if t.id.contains('.') && !TECHNIQUES.iter().any(|p| p.id == parent(t.id)) {
            problems.push(format!("{}: its parent {} is not in TECHNIQUES", t.id, parent(t.id)));
        }
        let ours: BTreeSet<String> = t.tactics.iter().map(|s| s.to_string()).collect();
        if ours.len() != t.tactics.len() || ours != entry.tactics {
            problems.push(format!("{}: tactics {:?}, ATT&CK says {:?}", t.id, t.tactics, entry.tactics));
        }
        let order: Vec<_> = t.tactics.iter().map(|s| attack.tactic_order.iter().position(|o| o == s)).collect();
        if !order.windows(2).all(|w| w[0] < w[1]) {
            problems.push(format!("{}: tactics {:?} are not in matrix order", t.id, t.tactics));
        }
    }
    assert_no_problems("TECHNIQUES", problems);
}

#[test]
fn mitigations_are_all_current_attack_mitigations_with_their_names() {
    let attack = attack();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for m in MITIGATIONS.iter() {
        if !seen.insert(m.id) {
            problems.push(format!("{} is listed twice", m.id));
        }
        match attack.mitigations.get(m.id) {
            None => problems.push(format!("{} is not an ATT&CK mitigation", m.id)),
            Some(entry) if !entry.current => {
                problems.push(format!("{} ({}) is revoked or deprecated in ATT&CK", m.id, entry.name))
            }
            Some(entry) if entry.name != m.name => {
                problems.push(format!("{}: name {:?}, ATT&CK says {:?}", m.id, m.name, entry.name))
            }
            Some(_) => {}
        }
    }
    let mut missing: Vec<_> = attack
        .mitigations
        .iter()
        .filter(|(id, e)| e.current && id.starts_with('M') && !seen.contains(id.as_str()))
        .map(|(id, e)| format!("{id} ({}) is a current ATT&CK mitigation missing from MITIGATIONS", e.name))
        .collect();
    missing.sort();
    problems.extend(missing);
    assert_no_problems("MITIGATIONS", problems);
}

#[test]
fn edge_kind_mitigations_mitigate_the_kind_s_techniques_in_attack() {
    let attack = attack();
    let mut problems = Vec::new();
    for kind in EDGE_KINDS.iter() {
        let techniques: Vec<&str> = std::iter::once(kind.technique).chain(kind.also.iter().copied()).collect();
        for t in &techniques {
            if !TECHNIQUES.iter().any(|known| known.id == *t) {
                problems.push(format!("{}: technique {t} is not in TECHNIQUES", kind.name));
            }
        }
        let mut seen = HashSet::new();
        for m in kind.mitigations {
            if !seen.insert(m) {
                problems.push(format!("{}: mitigation {m} is listed twice", kind.name));
            }
            let linked = techniques.iter().any(|t| {
                attack.mitigates.contains(&(m.to_string(), t.to_string()))
                    || attack.mitigates.contains(&(m.to_string(), parent(t).to_string()))
            });
            if !linked {
                problems.push(format!(
                    "{}: {m} does not mitigate any of {techniques:?} (or their parents) in ATT&CK",
                    kind.name
                ));
            }
        }
    }
    assert_no_problems("EDGE_KINDS", problems);
}

#[test]
fn catalog_controls_use_current_attack_ids_and_linked_mitigations() {
    let attack = attack();
    let mut problems = Vec::new();
    for c in CATALOG {
        let techniques: Vec<&str> = c.mitigates.iter().chain(c.detects).map(|x| x.technique).collect();
        for t in &techniques {
            if !TECHNIQUES.iter().any(|known| known.id == *t) {
                problems.push(format!("{}: technique {t} is not in TECHNIQUES", c.name));
            }
            if !attack.techniques.get(*t).is_some_and(|e| e.current) {
                problems.push(format!("{}: technique {t} is not a current ATT&CK technique", c.name));
            }
        }
        for m in c.implements {
            if !MITIGATIONS.iter().any(|known| known.id == *m) {
                problems.push(format!("{}: mitigation {m} is not in MITIGATIONS", c.name));
            }
            if !attack.mitigations.get(*m).is_some_and(|e| e.current) {
                problems.push(format!("{}: mitigation {m} is not a current ATT&CK mitigation", c.name));
            }
            let linked = techniques.iter().any(|t| {
                attack.mitigates.contains(&(m.to_string(), t.to_string()))
                    || attack.mitigates.contains(&(m.to_string(), parent(t).to_string()))
            });
            if !linked {
                problems.push(format!(
                    "{}: {m} does not mitigate any of {techniques:?} (or their parents) in ATT&CK",
                    c.name
                ));
            }
        }
    }
    assert_no_problems("CATALOG", problems);
}

#[test]
fn platforms_are_the_platforms_of_current_techniques() {
    let attack = attack();
    let used: BTreeSet<&str> = attack
        .techniques
        .iter()
        .filter(|(id, e)| e.current && id.starts_with('T'))
        .flat_map(|(_, e)| e.platforms.iter().map(String::as_str))
        .collect();
    let ours: BTreeSet<&str> = PLATFORMS.iter().copied().collect();
    assert_eq!(ours, used, "PLATFORMS must be exactly the platforms of current ATT&CK techniques");
}

#[test]
fn the_identity_attack_techniques_are_known_by_name() {
    // What BloodHound- and IAM-style paths use: ACL abuse, GPOs, Kerberos, AD CS, trusts, tokens.
    let needed = [
        "T1484.001",
        "T1222.001",
        "T1134.005",
        "T1558.003",
        "T1558.004",
        "T1187",
        "T1649",
        "T1003.006",
        "T1098.001",
        "T1098.003",
        "T1098.007",
        "T1556.001",
        "T1556.006",
        "T1556.007",
        "T1550.002",
        "T1550.003",
        "T1606.001",
        "T1606.002",
        "T1207",
        "T1558.002",
        "T1552.006",
    ];
    let attack = attack();
    for id in needed {
        let t = TECHNIQUES.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("{id} missing from TECHNIQUES"));
        assert!(attack.techniques.get(id).is_some_and(|e| e.current), "{id}");
        assert!(!t.name.is_empty());
    }
}
