//! Campaigns, requirement alternatives and loss groups as the loader reads them: their shapes, the
//! warnings for what loads but changes nothing, and errors at their place.

use riskpath_model::{Estimate, LoadOptions, Selector, load_str};

const BASE: &str = r#"
entry_points:
  - {id: internet, kind: internet}
  - {id: phishing, kind: email, campaign: {targets: [tag:employee, bob], reach: {low: 1, high: 3}}}
nodes:
  - {id: alice, kind: identity, tags: [employee]}
  - {id: bob, kind: identity}
  - {id: web, kind: service}
  - {id: db, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}
  - {id: files, kind: bucket, crown_jewel: true, loss: {confidentiality: 2e6}}
edges:
  - {from: phishing, to: alice, kind: phishes}
  - {from: internet, to: web, kind: exploits}
  - {from: web, to: db, kind: reads, requires: [web], requires_any: [[alice, bob], internet]}
loss_groups:
  - {id: data, name: Customer data, members: [db, files], loss: {confidentiality: {low: 1e6, high: 1e7}}}
actors:
  - {id: crime, frequency: 2, entry: [internet, phishing]}
"#;

/// Loads `yaml`, returning `path:line:col: message` of every warning.
fn warnings(yaml: &str) -> Vec<String> {
    let loaded = load_str("m.yaml", yaml, &LoadOptions::default()).expect("loads");
    let w = &loaded.warnings;
    w.list
        .iter()
        .map(|p| format!("{}: {}", p.loc.map_or(String::new(), |l| w.sources.position(l)), p.message))
        .collect()
}

#[test]
fn the_new_keys_are_read_with_their_places() {
    let model = load_str("m.yaml", BASE, &LoadOptions::default()).expect("loads").model;
    let campaign = model.entry_points[1].campaign.as_ref().expect("a campaign");
    assert_eq!(
        campaign.targets.iter().map(|t| t.value.clone()).collect::<Vec<_>>(),
        [Selector::Tag("employee".into()), Selector::Id("bob".into())]
    );
    assert_eq!(campaign.reach.value, Estimate::Interval { low: 1.0, high: 3.0 });
    let members: Vec<&str> = model.nodes.iter().filter(|n| campaign.selects(n)).map(|n| n.id.as_str()).collect();
    assert_eq!(members, ["alice", "bob"]);
    // A single id is an alternative of one.
    let alts: Vec<Vec<&str>> =
        model.edges[2].extra().requires_any.iter().map(|a| a.iter().map(|r| r.value.as_str()).collect()).collect();
    assert_eq!(alts, [vec!["alice", "bob"], vec!["internet"]]);
    let group = &model.loss_groups[0];
    assert_eq!((group.id.as_str(), group.name.as_deref()), ("data", Some("Customer data")));
    assert_eq!(group.members.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["db", "files"]);
    assert_eq!(group.loss[0].kind, "confidentiality");
    assert!(warnings(BASE).is_empty(), "{:?}", warnings(BASE));
}

#[test]
fn a_campaign_that_changes_nothing_is_a_warning() {
    // No edge from the entry point into its population.
    let no_edge =
        BASE.replace("{from: phishing, to: alice, kind: phishes}", "{from: phishing, to: web, kind: phishes}");
    assert_eq!(
        warnings(&no_edge),
        ["m.yaml:4:54: the campaign of entry point `phishing` has no edge from it to a member"]
    );
    // A fixed reach beyond the population reaches everyone.
    let all = BASE.replace("reach: {low: 1, high: 3}", "reach: 5");
    assert_eq!(
        warnings(&all),
        ["m.yaml:4:81: campaign `reach` 5 exceeds the population of 2: every member is reached"]
    );
}

#[test]
fn a_loss_group_of_one_without_a_joint_loss_is_a_warning() {
    let one = BASE.replace(
        "{id: data, name: Customer data, members: [db, files], loss: {confidentiality: {low: 1e6, high: 1e7}}}",
        "{id: data, members: [db]}",
    );
    assert_eq!(warnings(&one), ["m.yaml:16:10: loss group `data` has one member and no joint loss"]);
    // With a joint loss it replaces the jewel's loss: no warning.
    let joint = BASE.replace("members: [db, files]", "members: [db]");
    assert!(warnings(&joint).is_empty());
}

#[test]
fn a_loss_group_id_is_unique_across_the_model() {
    let clash = BASE.replace("{id: data, name:", "{id: web, name:");
    let problems = load_str("m.yaml", &clash, &LoadOptions::default()).expect_err("a duplicate id");
    let messages: Vec<String> = problems.errors().map(|p| p.message.clone()).collect();
    assert_eq!(messages, ["duplicate id `web`"]);
}

#[test]
fn malformed_alternatives_and_reach_are_errors() {
    for (from, to, message) in [
        (
            "requires_any: [[alice, bob], internet]",
            "requires_any: []",
            "`requires_any` of an edge lists no alternative",
        ),
        (
            "requires_any: [[alice, bob], internet]",
            "requires_any: [[alice, 3]]",
            "a node id in `requires_any` must be a string, found a number",
        ),
        (
            "reach: {low: 1, high: 3}",
            "reach: 2.5",
            "campaign `reach` (members reached per attempt) must be a whole number of at least 1, found 2.5",
        ),
        ("reach: {low: 1, high: 3}", "reach: -2", "campaign `reach` (members reached per attempt): -2 is negative"),
        (
            "reach: {low: 1, high: 3}",
            "reach: {low: 0, high: 3}",
            "campaign `reach` (members reached per attempt): interval low must be above 0",
        ),
        ("targets: [tag:employee, bob], ", "", "a campaign needs `targets`: the population it reaches some of"),
    ] {
        let yaml = BASE.replace(from, to);
        let problems = load_str("m.yaml", &yaml, &LoadOptions::default()).expect_err(message);
        let messages: Vec<String> = problems.errors().map(|p| p.message.clone()).collect();
        assert!(messages.iter().any(|m| m == message), "{to}: {messages:?}");
    }
}
