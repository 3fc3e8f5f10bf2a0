//! ATT&CK import and its use by the loader: the v18.1 bundle's counts (`data/attack/`, zstd) (computed independently
//! with Python from the bundle), the cache (written, then used, then refreshed), validation of a
//! model against the bundle, actors limited to ATT&CK groups, and controls from the catalog.

use std::path::{Path, PathBuf};
use std::time::Instant;

use riskpath_model::attack::{self, Origin};
use riskpath_model::{Estimate, LoadOptions, Loaded, Problems, Severity, load, load_str};

fn bundle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/attack/enterprise-attack-v18.1-core.json.zst")
}

fn messages(problems: &Problems, severity: Severity) -> Vec<String> {
    problems
        .list
        .iter()
        .filter(|p| p.severity == severity)
        .map(|p| format!("{} | {}", p.message, p.help.clone().unwrap_or_default()))
        .collect()
}

fn loads(yaml: &str) -> Loaded {
    load_str("model.yaml", yaml, &LoadOptions::default()).unwrap_or_else(|p| {
        panic!("model does not load: {:?}", messages(&p, Severity::Error));
    })
}

fn errors(yaml: &str) -> Vec<String> {
    match load_str("model.yaml", yaml, &LoadOptions::default()) {
        Ok(_) => panic!("model loads but should not"),
        Err(p) => messages(&p, Severity::Error),
    }
}

/// A small model whose `settings.attack` is `attack`, plus `extra` YAML lines.
fn model_with(attack: Option<&Path>, extra: &str) -> String {
    let settings = attack.map_or(String::new(), |p| format!("settings: {{attack: {:?}}}\n", p.to_str().unwrap()));
    format!(
        "{settings}entry_points: [{{id: internet, kind: internet}}]
nodes:
  - {{id: web, kind: service}}
  - {{id: db, kind: datastore, crown_jewel: true, loss: {{confidentiality: 1e6}}}}
{extra}"
    )
}

#[test]
fn imports_the_bundle_with_its_counts() {
    let started = Instant::now();
    let catalog = attack::import(&bundle_path()).expect("the bundle imports");
    eprintln!("bundle import: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    let c = catalog.counts();
    // Expected values from Python over the bundle's objects (see the module doc).
    assert_eq!((c.techniques, c.subtechniques), (356, 479), "all attack-patterns, by x_mitre_is_subtechnique");
    assert_eq!((c.current_techniques, c.current_subtechniques), (216, 475), "neither revoked nor deprecated");
    assert_eq!((c.mitigations, c.current_mitigations), (268, 44));
    assert_eq!((c.groups, c.current_groups), (187, 172));
    assert_eq!((c.mitigates, c.uses, c.subtechnique_of), (1445, 4362, 477));
    assert_eq!((c.revoked, c.deprecated, c.revoked_by), (138, 245, 0), "this bundle has no revoked-by relationships");

    let t = catalog.technique("T1078.004").unwrap();
    assert_eq!(t.name, "Cloud Accounts");
    assert!(t.subtechnique && t.tactics.iter().any(|x| x == "initial-access"));
    assert_eq!(catalog.technique_name("T1078.004").unwrap(), "Valid Accounts: Cloud Accounts");
    assert!(catalog.technique("T1215").unwrap().status.revoked);
    assert!(catalog.technique("T1064").unwrap().status.deprecated);

    let apt29 = catalog.group("G0016").unwrap();
    assert_eq!(apt29.name, "APT29");
    assert!(apt29.aliases.iter().any(|a| a == "Cozy Bear"));
    assert_eq!(catalog.group("cozy bear").map(|g| g.id.as_str()), Some("G0016"));
    let used = catalog.group_techniques(apt29);
    assert_eq!(used.len(), 66);
    assert!(used.iter().any(|t| t == "T1190"));
    assert!(!catalog.group_techniques(catalog.group("G0099").unwrap()).iter().any(|t| t == "T1190"));

    let for_t1190: Vec<&str> = catalog.mitigations_for("T1190").iter().map(|m| m.id.as_str()).collect();
    assert!(for_t1190.contains(&"M1050") && for_t1190.contains(&"M1051"), "{for_t1190:?}");
    // A sub-technique gets its parent's mitigations too.
    let for_sub: Vec<&str> = catalog.mitigations_for("T1078.004").iter().map(|m| m.id.as_str()).collect();
    assert!(for_sub.contains(&"M1032") && for_sub.contains(&"M1036"), "{for_sub:?}");
}

#[test]
fn the_cache_is_written_then_used_and_refreshed_when_the_bundle_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("enterprise-attack.json");
    std::fs::copy(bundle_path(), &bundle).unwrap();

    let first = attack::open(&bundle, None, true).unwrap();
    let cache = tmp.path().join("enterprise-attack.riskpath-cache.json");
    assert_eq!(first.origin, Origin::Bundle { cache_written: Some(cache.clone()) });
    assert_eq!(attack::default_cache_path(&bundle), cache);

    let started = Instant::now();
    let second = attack::open(&bundle, None, true).unwrap();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    eprintln!("cache load: {ms:.1} ms ({} bytes)", std::fs::metadata(&cache).unwrap().len());
    assert_eq!(second.origin, Origin::Cache(cache.clone()), "a fresh cache is used");
    assert_eq!(second.catalog.counts(), first.catalog.counts());
    assert_eq!(second.catalog.techniques, first.catalog.techniques);
    assert_eq!(second.catalog.group("APT29").map(|g| &g.uses), first.catalog.group("APT29").map(|g| &g.uses));

    // The cache file itself can be opened (settings.attack may name it).
    assert_eq!(attack::open(&cache, None, false).unwrap().origin, Origin::Cache(cache.clone()));

    // A changed bundle (another size) makes the cache stale: parsed again, cache rewritten.
    let mut text = std::fs::read(&bundle).unwrap();
    text.extend_from_slice(b"\n\n");
    std::fs::write(&bundle, text).unwrap();
    let third = attack::open(&bundle, None, false).unwrap();
    assert_eq!(third.origin, Origin::Bundle { cache_written: None });
}

#[test]
fn malformed_bundles_are_clear_errors_in_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 4] = [
        ("{\"type\": \"bundle\", \"objects\": [", "not valid JSON"),
        ("{\"type\": \"bundle\", \"objects\": {}}", "not an ATT&CK STIX bundle"),
        ("{\"objects\": []}", "not a STIX bundle"),
        ("{\"type\": \"bundle\", \"objects\": []}", "no ATT&CK techniques"),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let path = tmp.path().join(format!("bad{i}.json"));
        std::fs::write(&path, text).unwrap();
        let err = attack::import(&path).unwrap_err();
        assert!(err.0.contains(expected), "{text}: {err}");
        let errs = errors(&model_with(Some(&path), ""));
        assert!(
            errs.len() == 1 && errs[0].contains("cannot load the ATT&CK bundle") && errs[0].contains(expected),
            "{errs:?}"
        );
    }
    let errs = errors(&model_with(Some(&tmp.path().join("missing.json")), ""));
    assert!(errs[0].contains("cannot read"), "{errs:?}");
}

#[test]
fn techniques_are_validated_against_the_bundle() {
    let bundle = bundle_path();
    let edges = "edges:
  - {from: internet, to: web, kind: exploits, technique: T1598}
  - {from: web, to: db, kind: reads, technique: T1215}
  - {from: internet, to: db, kind: reads, technique: T1064}
";
    // T1598 is in ATT&CK but not in the built-in knowledge base.
    let builtin = errors(&model_with(None, edges));
    assert!(builtin.iter().any(|e| e.contains("unknown ATT&CK technique `T1598`")), "{builtin:?}");

    let loaded = loads(&model_with(Some(&bundle), edges));
    let warnings = messages(&loaded.warnings, Severity::Warning);
    assert!(warnings.iter().any(|w| w.contains("`T1215` (Kernel Modules and Extensions) is revoked")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("`T1064` (Scripting) is deprecated")), "{warnings:?}");
    assert!(!warnings.iter().any(|w| w.contains("T1598")));
    assert!(loaded.attack.is_some());

    let errs =
        errors(&model_with(Some(&bundle), "edges: [{from: internet, to: web, kind: exploits, technique: T1999}]\n"));
    assert!(errs.iter().any(|e| e.contains("`T1999`: not in the ATT&CK bundle")), "{errs:?}");
    let errs =
        errors(&model_with(Some(&bundle), "controls: [{id: c, mitigates: {T1190: 0.5}, implements: [M1999]}]\n"));
    assert!(errs.iter().any(|e| e.contains("unknown ATT&CK mitigation `M1999`")), "{errs:?}");
}

#[test]
fn revoked_techniques_name_their_replacement() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("mini.json");
    std::fs::write(
        &bundle,
        r#"{"type": "bundle", "id": "bundle--x", "objects": [
      {"type": "attack-pattern", "id": "attack-pattern--old", "name": "Old Way", "revoked": true,
       "external_references": [{"source_name": "mitre-attack", "external_id": "T1000"}]},
      {"type": "attack-pattern", "id": "attack-pattern--new", "name": "New Way",
       "external_references": [{"source_name": "mitre-attack", "external_id": "T1001"}]},
      {"type": "relationship", "id": "relationship--r", "relationship_type": "revoked-by",
       "source_ref": "attack-pattern--old", "target_ref": "attack-pattern--new"}]}"#,
    )
    .unwrap();
    let loaded =
        loads(&model_with(Some(&bundle), "edges: [{from: internet, to: web, kind: exploits, technique: T1000}]\n"));
    let warnings = messages(&loaded.warnings, Severity::Warning);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`T1000` (Old Way) is revoked") && w.contains("replaced it with `T1001` (New Way)")),
        "{warnings:?}"
    );
}

#[test]
fn actors_are_limited_to_their_attack_group() {
    let bundle = bundle_path();
    let actors = "actors:
  - {id: apt29, attack_group: G0016, frequency: 1, entry: [internet]}
  - {id: cozy, attack_group: Cozy Bear, frequency: 1, entry: [internet]}
  - {id: anyone, frequency: 1, entry: [internet]}
";
    let loaded = loads(&model_with(Some(&bundle), actors));
    let m = &loaded.model;
    let allowed = m.actors[0].allowed_techniques.as_ref().expect("resolved from the group");
    assert_eq!(allowed.len(), 66);
    assert!(allowed.windows(2).all(|w| w[0] < w[1]), "sorted for binary search");
    assert_eq!(m.actors[1].allowed_techniques, m.actors[0].allowed_techniques, "aliases resolve too");
    assert!(m.actors[2].allowed_techniques.is_none());
    assert!(m.actors[0].allows("T1190") && m.actors[0].allows("T1078.004") && m.actors[0].allows("T1566"));
    assert!(!m.actors[0].allows("T1486") && m.actors[2].allows("T1486"));

    let errs = errors(&model_with(None, actors));
    assert!(errs.iter().all(|e| e.contains("needs `settings.attack`")) && errs.len() == 2, "{errs:?}");
    let errs = errors(&model_with(
        Some(&bundle),
        "actors: [{id: x, attack_group: G0017x, frequency: 1, entry: [internet]}]\n",
    ));
    assert!(errs.iter().any(|e| e.contains("unknown ATT&CK group `G0017x`") && e.contains("did you mean")), "{errs:?}");
}

#[test]
fn the_loader_caches_the_bundle_in_the_model_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("model.yaml"), model_with(Some(&bundle_path()), "")).unwrap();
    let cache = dir.join(".riskpath/enterprise-attack-v18.1-core.riskpath-cache.json");
    let first = load(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(first.attack.unwrap().origin, Origin::Bundle { cache_written: Some(cache.clone()) });
    let started = Instant::now();
    let second = load(&dir, &LoadOptions::default()).unwrap();
    eprintln!("model load with a cached bundle: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    assert_eq!(second.attack.unwrap().origin, Origin::Cache(cache.clone()));
    // A cache inside the model directory is never read as a model file.
    std::fs::copy(&cache, dir.join("attack.riskpath-cache.json")).unwrap();
    assert!(load(&dir, &LoadOptions::default()).is_ok());
    // A bundle inside the model directory is one clear error, not a flood of unknown keys.
    std::fs::write(dir.join("bundle.json"), r#"{"type": "bundle", "id": "b", "objects": []}"#).unwrap();
    let errs = messages(&load(&dir, &LoadOptions::default()).unwrap_err(), Severity::Error);
    assert!(errs.len() == 1 && errs[0].contains("bundle.json is an ATT&CK STIX bundle, not a model file"), "{errs:?}");
    // So is one given as text.
    let errs = messages(
        &load_str("bundle.json", r#"{"type": "bundle", "objects": []}"#, &LoadOptions::default()).unwrap_err(),
        Severity::Error,
    );
    assert!(errs.len() == 1 && errs[0].contains("bundle.json is an ATT&CK STIX bundle, not a model file"), "{errs:?}");
}

#[test]
fn catalog_controls_resolve_and_override() {
    let loaded = loads(&model_with(
        None,
        "controls:
  - {id: mfa, uses: catalog/phishing-resistant-mfa, mitigates: {T1078: 0.5, T1566: 0.2}, scope: [db], status: planned}
  - {id: backups, uses: catalog/immutable-backups, implements: [M1029], name: Vault, cost: 1000}
",
    ));
    let m = &loaded.model;
    let mfa = m.control("mfa").unwrap();
    assert_eq!(mfa.catalog.as_ref().map(|c| c.value.as_str()), Some("phishing-resistant-mfa"));
    assert_eq!(mfa.name.as_deref(), Some("Phishing-resistant MFA (FIDO2 / WebAuthn, no fallback factors)"));
    let implements: Vec<&str> = mfa.implements.iter().map(|x| x.value.as_str()).collect();
    assert_eq!(implements, ["M1032"], "the catalog's mitigations fill `implements`");
    let prevent: Vec<(&str, Estimate)> =
        mfa.mitigates.iter().map(|e| (e.technique.value.as_str(), e.value.value)).collect();
    assert_eq!(
        prevent,
        [
            ("T1078", Estimate::Point(0.5)),
            ("T1566", Estimate::Point(0.2)),
            ("T1110", Estimate::Interval { low: 0.8, high: 0.97 }),
            ("T1621", Estimate::Interval { low: 0.9, high: 0.99 }),
            ("T1133", Estimate::Interval { low: 0.6, high: 0.9 }),
        ],
        "own entries replace the catalog's per technique and come first"
    );
    assert_eq!(mfa.status, riskpath_model::ControlStatus::Planned);
    assert_eq!(mfa.scope.len(), 1);

    let backups = m.control("backups").unwrap();
    assert_eq!(backups.name.as_deref(), Some("Vault"));
    assert_eq!(backups.implements.iter().map(|x| x.value.as_str()).collect::<Vec<_>>(), ["M1029"]);
    assert_eq!(backups.mitigates.len(), 3);
    assert_eq!(backups.cost.once, 1000.0);

    let errs = errors(&model_with(None, "controls: [{id: c, uses: catalog/wafx}]\n"));
    assert!(
        errs.len() == 1
            && errs[0].contains("unknown catalog control `catalog/wafx`")
            && errs[0].contains("did you mean `catalog/waf`?"),
        "{errs:?}"
    );
    let errs = errors(&model_with(None, "controls: [{id: c, uses: edr}]\n"));
    assert!(
        errs.len() == 1
            && errs[0].contains("does not name a catalog control")
            && errs[0].contains("write `catalog/edr`"),
        "{errs:?}"
    );
}

#[test]
fn a_confined_load_reads_no_bundle_outside_the_model_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir_all(dir.join(".attack")).unwrap();
    std::fs::copy(bundle_path(), dir.join(".attack/b.json.zst")).unwrap();
    std::fs::copy(bundle_path(), tmp.path().join("outside.json.zst")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside.json.zst"), dir.join(".attack/link.json.zst")).unwrap();
    let confined = LoadOptions { confine: true, write_attack_cache: false, ..LoadOptions::default() };
    let with = |attack: &str| {
        std::fs::write(dir.join("model.yaml"), model_with(Some(Path::new(attack)), "")).unwrap();
        load(&dir, &confined)
    };
    assert!(with(".attack/b.json.zst").unwrap().attack.is_some(), "a bundle inside the folder is read");
    let outside = tmp.path().join("outside.json.zst");
    for attack in
        ["../outside.json.zst", outside.to_str().unwrap(), ".attack/link.json.zst", ".attack/../../outside.json.zst"]
    {
        let problems = with(attack).unwrap_err();
        let errs = messages(&problems, Severity::Error);
        assert!(errs.len() == 1 && errs[0].contains("names a file outside the model's folder"), "{attack}: {errs:?}");
        let error = problems.list.iter().find(|p| p.severity == Severity::Error).unwrap();
        let loc = error.loc.expect("located");
        assert_eq!(problems.sources.line_col(loc).0, 1, "at the settings line");
    }
    // Without confinement the same paths are read, as the CLI always has.
    assert!(load(&dir, &LoadOptions { write_attack_cache: false, ..LoadOptions::default() }).is_ok());
}
