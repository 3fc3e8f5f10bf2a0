//! The model keys of relations, remediations, descriptions and platforms: read on every item,
//! errors with file, line and column, and the directory and cloud node kinds.

use riskpath_model::{LoadOptions, Problems, load_str};

fn load(yaml: &str) -> Result<riskpath_model::Loaded, Problems> {
    load_str("m.yaml", yaml, &LoadOptions::default())
}

fn errors(yaml: &str) -> Problems {
    match load(yaml) {
        Ok(_) => panic!("expected errors"),
        Err(p) => p,
    }
}

/// Every problem as `file:line:col: message (help)`.
fn problems(p: &Problems) -> Vec<String> {
    p.list
        .iter()
        .map(|x| {
            let at = x.loc.map_or(String::new(), |l| p.sources.position(l));
            format!("{at}: {} ({})", x.message, x.help.clone().unwrap_or_default())
        })
        .collect()
}

const ESTATE: &str = "entry_points:
  - {id: phishing, kind: email, description: Lures sent to corp.local mailboxes}
nodes:
  - {id: helpdesk, kind: group, description: 'HELPDESK@CORP.LOCAL: 14 tier-2 staff'}
  - {id: alice, kind: user, remediation: Reset alice's password and her smart-card PIN}
  - {id: corp, kind: domain, crown_jewel: true, loss: {integrity: 1e6}}
  - {id: esc1, kind: cert_template}
  - {id: ca, kind: certificate_authority}
  - {id: policy, kind: iam_policy}
edges:
  - {from: phishing, to: helpdesk, kind: phishes}
  - from: helpdesk
    to: alice
    kind: resets_password
    relation: ForceChangePassword on ALICE@CORP.LOCAL
    remediation: Remove the ForceChangePassword ACE granted to HELPDESK@CORP.LOCAL on ALICE
    description: Granted in 2019 for the password-reset kiosk
  - {from: alice, to: corp, kind: admin_of}
controls:
  - {id: mfa, mitigates: {T1566: 0.5}, status: planned, description: Number matching on every push}
actors:
  - {id: crime, frequency: 1, entry: [phishing], description: Ransomware affiliates}
initiatives:
  - {id: ace, removes: [], deploys: [mfa], description: Clean up helpdesk ACEs}
";

#[test]
fn descriptions_relations_and_remediations_are_read_on_every_item() {
    let m = load(ESTATE).unwrap_or_else(|p| panic!("{:?}", problems(&p))).model;
    assert_eq!(m.entry_points[0].description.as_deref(), Some("Lures sent to corp.local mailboxes"));
    assert_eq!(m.nodes[0].description.as_deref(), Some("HELPDESK@CORP.LOCAL: 14 tier-2 staff"));
    assert_eq!(m.nodes[1].remediation.as_deref(), Some("Reset alice's password and her smart-card PIN"));
    let e = &m.edges[1];
    assert_eq!(e.extra().relation.as_deref(), Some("ForceChangePassword on ALICE@CORP.LOCAL"));
    assert_eq!(e.extra().description.as_deref(), Some("Granted in 2019 for the password-reset kiosk"));
    let remedy = e.remedy().unwrap();
    assert_eq!(
        (remedy.action, remedy.instruction.as_str(), remedy.source),
        ("remove_permission", "Remove the ForceChangePassword ACE granted to HELPDESK@CORP.LOCAL on ALICE", "edge")
    );
    // Without its own text, an edge takes its kind's default, filled in with its ends.
    let default = m.edges[2].remedy().unwrap();
    assert_eq!(
        (default.instruction.as_str(), default.source),
        ("Remove alice's administrative rights over corp", "kind")
    );
    assert_eq!(m.controls[0].description.as_deref(), Some("Number matching on every push"));
    assert_eq!(m.actors[0].description.as_deref(), Some("Ransomware affiliates"));
    assert_eq!(m.initiatives[0].description.as_deref(), Some("Clean up helpdesk ACEs"));
    assert_eq!(m.platforms().names, ["Windows", "IaaS"], "domain, AD CS and an IAM policy");
}

#[test]
fn free_text_must_be_a_non_empty_string() {
    let bad = ESTATE
        .replace("description: Ransomware affiliates", "description: ''")
        .replace("relation: ForceChangePassword on ALICE@CORP.LOCAL", "relation: [ForceChangePassword]");
    let got = problems(&errors(&bad));
    assert!(got.iter().any(|p| p.starts_with("m.yaml:15:15: `relation` of an edge must be a string")), "{got:?}");
    assert!(got.iter().any(|p| p.starts_with("m.yaml:22:63: `description` of an actor must not be empty")), "{got:?}");
}

#[test]
fn stated_platforms_are_attack_platform_names() {
    let bad = format!("settings: {{platforms: [windows, Azure AD, IaaS]}}\n{ESTATE}");
    let got = problems(&errors(&bad));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].starts_with(
            "m.yaml:1:24: settings `platforms`: unknown ATT&CK platform `windows` (ATT&CK spells it `Windows`)"
        ),
        "{got:?}"
    );
    assert!(
        got[1].contains("unknown ATT&CK platform `Azure AD`") && got[1].contains("ATT&CK platforms: Windows, macOS"),
        "{got:?}"
    );

    // Platforms that leave out a node kind's are a warning at the node, once per kind.
    let partial = format!("settings: {{platforms: [IaaS]}}\n{ESTATE}");
    let loaded = load(&partial).expect("loads");
    let warnings = problems(&loaded.warnings);
    let about: Vec<&String> =
        warnings.iter().filter(|w| w.contains("settings.platforms") || w.contains("`settings.platforms`")).collect();
    assert_eq!(about.len(), 1, "{warnings:?}");
    assert!(
        about[0].starts_with(
            "m.yaml:7:10: node `corp` is a domain (Windows), a platform `settings.platforms` does not list"
        ),
        "{about:?}"
    );
    assert_eq!(loaded.model.platforms().names, ["IaaS"]);
}

#[test]
fn directory_node_kinds_are_known_and_misspellings_get_a_suggestion() {
    let got = problems(&errors("nodes: [{id: d, kind: domian}, {id: t, kind: certificate_template}]\n"));
    let got: Vec<&String> = got.iter().filter(|p| p.starts_with("m.yaml")).collect();
    assert!(got[0].starts_with("m.yaml:1:23: unknown node kind `domian` (did you mean `domain`?)"), "{got:?}");
    assert!(got[1].contains("unknown node kind `certificate_template`") && got[1].contains("cert_template"), "{got:?}");
}
