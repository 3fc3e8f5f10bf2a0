//! The AWS importer on dumps: riskpath's own cases (explicit deny, resource, condition and NotAction
//! constraints in both directions, tags, MFA, PassRole, versions, role chains across accounts),
//! BishopFox's iam-vulnerable account (via cloudsplaining's example) and cloudsplaining's test dump.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use riskpath_import::aws::{self, Options};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws").join(name)
}

/// 2026-01-01: a fixed time for date conditions.
const NOW: i64 = 1_767_225_600;

fn import(dumps: &[&str], scps: &[&str], dir: &Path) -> aws::Imported {
    let opts = Options {
        dumps: dumps.iter().map(|d| fixture(d)).collect(),
        scps: scps.iter().map(|d| fixture(d)).collect(),
        model_dir: dir.to_path_buf(),
        now: Some(NOW),
        ..Options::default()
    };
    aws::import(&opts).unwrap()
}

fn admins(i: &aws::Imported) -> BTreeSet<String> {
    i.report.admins.iter().map(|a| a.principal.rsplit('/').next().unwrap().to_string()).collect()
}

/// The items of a generated JSON Lines file, one `{"<kind>": item}` a line.
fn items(i: &aws::Imported, file: &str, kind: &str) -> Vec<Value> {
    let text = &i.generated.files()[Path::new(file)];
    text.lines().map(|line| serde_json::from_str::<Value>(line).unwrap()[kind].clone()).collect()
}

fn edges(i: &aws::Imported) -> Vec<Value> {
    items(i, "edges.jsonl", "edge")
}

fn edge<'a>(edges: &'a [Value], from: &str, to: &str) -> Option<&'a Value> {
    edges.iter().find(|e| e["from"].as_str().unwrap().ends_with(from) && e["to"].as_str().unwrap().ends_with(to))
}

const CASES: [&str; 2] = ["cases-111111111111.json", "cases-222222222222.json"];

#[test]
fn own_cases_reach_administrator_exactly_where_aws_would_allow_it() {
    let dir = tempfile::tempdir().unwrap();
    let i = import(&CASES, &[], dir.path());
    let expected: BTreeSet<String> = [
        // escalation possible: …-yes; …-no are the same permission with the constraint that stops it
        "deny-yes",
        "resource-yes",
        "condition-yes",
        "notaction-yes",
        "tag-yes",
        "passrole-yes",
        "setdefault-yes",
        "mfa",
        "victim",
        "lambda-admin",
        "chain-a",
        "chain-b",
        "chain-user",
        "cross",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(admins(&i), expected);
    let e = edges(&i);
    // Explicit deny: a deny on another policy leaves the escalation; a deny on all of IAM removes it.
    assert_eq!(edge(&e, "user/deny-yes", "admin").unwrap()["kind"], "aws_creates_policy_version");
    assert!(edge(&e, "user/deny-no", "admin").is_none());
    // Condition: iam:PolicyARN limited to ReadOnlyAccess cannot attach AdministratorAccess; a date
    // condition that expired in 2020 grants nothing.
    assert!(edge(&e, "user/condition-no", "admin").is_none() && edge(&e, "user/expired-no", "admin").is_none());
    // Tags: ${aws:PrincipalTag/team} must equal the target's team.
    assert!(edge(&e, "user/tag-yes", "user/victim").is_some() && edge(&e, "user/tag-no", "user/victim").is_none());
    // MFA required: kept at the kind's medium base × 0.2.
    assert_eq!(edge(&e, "user/mfa", "user/victim").unwrap()["p"], 0.18);
    // PassRole limited to EC2 cannot hand the role to Lambda.
    assert!(edge(&e, "user/passrole-no", "role/lambda-admin").is_none());
    // A boundary of s3:GetObject: no administrator, but the reads.
    assert!(edge(&e, "user/bounded", "admin").is_none() && edge(&e, "user/bounded", "s3:::public-bucket").is_some());
    // Deny NotAction s3:GetObject: only reads remain.
    assert!(
        edge(&e, "user/notaction-no", "admin").is_none() && edge(&e, "user/notaction-no", "s3:::mfa-bucket").is_some()
    );
    // URL-encoded inline policy.
    assert!(edge(&e, "user/urlenc", "s3:::encoded-bucket").is_some());
}

#[test]
fn trust_policies_give_role_chains_cross_account_and_outside_edges() {
    let dir = tempfile::tempdir().unwrap();
    let i = import(&CASES, &[], dir.path());
    let e = edges(&i);
    assert_eq!(edge(&e, "user/chain-user", "role/chain-a").unwrap()["kind"], "assumes");
    assert_eq!(edge(&e, "role/chain-a", "role/chain-b").unwrap()["kind"], "assumes");
    // Only chain-a is named by chain-b's trust policy.
    assert!(edge(&e, "user/chain-user", "role/chain-b").is_none());
    // Account 222222222222 trusts account 111111111111: principals allowed sts:AssumeRole cross.
    assert!(edge(&e, "user/chain-user", "222222222222:role/cross").is_some());
    // Trust with an MFA condition: lowered.
    assert_eq!(edge(&e, "user/chain-user", "role/mfa-role").unwrap()["p"], 0.18);
    // Outside the import: an account and anyone; PrincipalOrgID keeps anyone out.
    assert!(edge(&e, "999999999999:root", "role/external-trust").is_some());
    assert!(edge(&e, "aws-anyone", "role/anyone-role").is_some());
    assert!(edge(&e, "aws-anyone", "role/org-role").is_none());
    let eps = &i.generated.files()[Path::new("entry_points.jsonl")];
    assert!(eps.contains("\"aws-anyone\""));
}

#[test]
fn an_scp_denial_removes_the_steps_it_denies() {
    let dir = tempfile::tempdir().unwrap();
    let i = import(&CASES, &["scp-no-keys.json"], dir.path());
    let e = edges(&i);
    assert!(edge(&e, "user/mfa", "user/victim").is_none() && edge(&e, "user/tag-yes", "user/victim").is_none());
    assert!(!admins(&i).contains("tag-yes") && !admins(&i).contains("mfa"));
    // The administrator test still passes: an SCP deny of one action leaves administrators.
    assert!(admins(&i).contains("victim"));
}

#[test]
fn every_edge_names_its_grant_and_what_to_remove() {
    let dir = tempfile::tempdir().unwrap();
    let i = import(&CASES, &[], dir.path());
    let report = &i.generated.files()[Path::new("report.md")];
    assert!(report.contains(
        "Rule create-access-key: remove iam:CreateAccessKey on user victim from statement 1 of inline policy keys of user mfa"
    ), "{report}");
    assert!(report.contains("Remove the role trust: remove any one of: trust in account 111111111111 from statement 1 of the trust policy of role cross; sts:AssumeRole on role cross from statement 1 of inline policy assume of user chain-user"), "{report}");
    // Several rules over one hop share the PassRole grant: one edge, one remediation.
    let e = edges(&i);
    let passes: Vec<_> = e.iter().filter(|x| x["from"].as_str().unwrap().ends_with("user/passrole-yes")).collect();
    assert_eq!(passes.len(), 1, "{passes:?}");
}

/// BishopFox's iam-vulnerable: every privesc user reaches administrator by the method its name
/// gives, the false-positive traps (fp*) do not, the false-negative traps (fn*) do.
#[test]
fn iam_vulnerable_privesc_users_escalate_by_their_documented_method() {
    let dir = tempfile::tempdir().unwrap();
    let i = import(&["iam-vulnerable.json"], &[], dir.path());
    let first_step = |user: &str| {
        i.report.admins.iter().find(|a| a.principal.ends_with(&format!("user/{user}"))).map(|a| a.steps[0].0.clone())
    };
    let cases = [
        ("privesc1-CreateNewPolicyVersion-user", "aws_creates_policy_version"),
        ("privesc3-CreateEC2WithExistingInstanceProfile-user", "aws_passes_role"),
        ("privesc4-CreateAccessKey-user", "aws_creates_access_key"),
        ("privesc5-CreateLoginProfile-user", "aws_sets_login_profile"),
        ("privesc6-UpdateLoginProfile-user", "aws_sets_login_profile"),
        ("privesc7-AttachUserPolicy-user", "aws_attaches_policy"),
        ("privesc8-AttachGroupPolicy-user", "aws_attaches_policy"),
        ("privesc10-PutUserPolicy-user", "aws_puts_inline_policy"),
        ("privesc11-PutGroupPolicy-user", "aws_puts_inline_policy"),
        ("privesc13-AddUserToGroup-user", "aws_adds_to_group"),
        ("privesc14-UpdatingAssumeRolePolicy-user", "aws_updates_trust_policy"),
        ("privesc15-PassExistingRoleToNewLambdaThenInvoke-user", "aws_passes_role"),
        ("privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo-user", "aws_passes_role"),
        ("privesc17-EditExistingLambdaFunctionWithRole-user", "aws_modifies_workload"),
        ("privesc18-PassExistingRoleToNewGlueDevEndpoint-user", "aws_passes_role"),
        ("privesc19-UpdateExistingGlueDevEndpoint-user", "aws_modifies_workload"),
        ("privesc20-PassExistingRoleToCloudFormation-user", "aws_passes_role"),
        ("privesc21-PassExistingRoleToNewDataPipeline-user", "aws_passes_role"),
        ("privesc-ssmSendCommand-user", "cloud_run_command"),
        ("privesc-ssmStartSession-user", "cloud_run_command"),
        ("privesc-ec2InstanceConnect-user", "cloud_run_command"),
        ("privesc-codeBuildCreateProjectPassRole-user", "aws_passes_role"),
        ("privesc-sageMakerCreateTrainingJobPassRole-user", "aws_passes_role"),
        ("privesc-sageMakerCreateProcessingJobPassRole-user", "aws_passes_role"),
        ("privesc-sageMakerCreatePresignedNotebookURL-user", "aws_modifies_workload"),
        ("privesc-CloudFormationUpdateStack-user", "aws_modifies_workload"),
        // False negatives of permission-name matchers: exploitable despite the constraint.
        ("fn1-privesc3-partial-user", "aws_passes_role"),
        ("fn2-exploitableResourceConstraint-user", "aws_creates_policy_version"),
        ("fn3-exploitableConditionConstraint-user", "aws_creates_policy_version"),
        ("fn4-exploitableNotAction-user", "aws_puts_inline_policy"),
    ];
    for (user, kind) in cases {
        assert_eq!(first_step(user).as_deref(), Some(kind), "{user}");
    }
    // False positives of permission-name matchers: an explicit deny, a resource or a condition stops them.
    for user in [
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
        "fp4-nonExploitableResourceConstraint-user",
        "fp5-nonExploitableConditionConstraint-user",
        // SetDefaultPolicyVersion with no other version to switch to; AttachRolePolicy and
        // PutRolePolicy without a role to use.
        "privesc2-SetExistingDefaultPolicyVersion-user",
        "privesc9-AttachRolePolicy-user",
        "privesc12-PutRolePolicy-user",
    ] {
        assert_eq!(first_step(user), None, "{user}");
    }
}

#[test]
fn cloudsplaining_example_dump_imports_and_is_byte_identical_on_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let a = import(&["cloudsplaining-example.json"], &[], dir.path());
    let b = import(&["cloudsplaining-example.json"], &[], dir.path());
    assert_eq!(a.generated, b.generated);
    let admins = admins(&a);
    assert!(admins.contains("obama") && admins.contains("userwithlotsofpermissions"), "{admins:?}");
}

#[test]
fn the_overlay_marks_crown_jewels_and_sets_the_administrator_loss() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jewels.yaml"),
        "import:\n  aws:\n    admin_loss: {integrity: {low: 1e6, high: 5e7}}\n    jewels:\n      - {match: 'arn:aws:s3:::mfa-*', loss: {confidentiality: 2e6}}\n",
    )
    .unwrap();
    let i = import(&CASES, &[], dir.path());
    let nodes = items(&i, "nodes.jsonl", "node");
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap().clone();
    assert_eq!(node("arn:aws:s3:::mfa-bucket")["crown_jewel"], true);
    assert_eq!(node("arn:aws:s3:::mfa-bucket")["loss"]["confidentiality"], 2e6);
    assert_eq!(node("aws:111111111111:admin")["loss"]["integrity"]["high"], 5e7);
    assert!(node("arn:aws:s3:::org-bucket").get("crown_jewel").is_none());
    assert!(!i.report.default_admin_loss);
    std::fs::write(dir.path().join("jewels.yaml"), "import:\n  aws:\n    jewels: [{match: x, loss: {money: 1}}]\n")
        .unwrap();
    let opts = Options { dumps: vec![fixture(CASES[0])], model_dir: dir.path().to_path_buf(), ..Options::default() };
    let err = aws::import(&opts).unwrap_err();
    assert!(err.contains("jewels.yaml:3:5: import.aws jewel 1: unknown loss type `money`"), "{err}");
}

#[test]
fn bad_input_is_a_clear_error_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let bad = inputs.path().join("bad.json");
    std::fs::write(&bad, "{\"UserDetailList\": [\n  {\"UserName\": \"a\",}\n]}").unwrap();
    let opts =
        |f: &Path| Options { dumps: vec![f.to_path_buf()], model_dir: dir.path().to_path_buf(), ..Options::default() };
    let err = aws::import(&opts(&bad)).unwrap_err();
    assert!(err.contains("bad.json:2:") && err.contains("not valid JSON"), "{err}");
    std::fs::write(&bad, "{\"UserDetailList\": [], \"IsTruncated\": true, \"Marker\": \"m1\"}").unwrap();
    assert!(aws::import(&opts(&bad)).unwrap_err().contains("truncated"));
    let err = aws::import(&Options { dumps: vec![fixture(CASES[0]), fixture(CASES[0])], ..opts(&bad) }).unwrap_err();
    assert!(err.contains("both dumps of account 111111111111"), "{err}");
    // An invalid policy document: a warning naming the principal and the policy; the rest imports.
    let mut dump: Value = serde_json::from_str(&std::fs::read_to_string(fixture(CASES[0])).unwrap()).unwrap();
    dump["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Version"] = "2099-01-01".into();
    std::fs::write(&bad, dump.to_string()).unwrap();
    let i = aws::import(&opts(&bad)).unwrap();
    let inside = dir.path().join("dump.json");
    std::fs::copy(&bad, &inside).unwrap();
    assert!(aws::import(&opts(&inside)).unwrap_err().contains("is inside the model directory"));
    let w = i.warnings.iter().find(|w| w.subject.contains("user/deny-yes inline policy deny-other")).unwrap();
    assert!(w.message.contains("unknown policy `Version`"), "{w:?}");
}

#[test]
fn a_hand_written_edge_to_a_principal_gone_from_the_dump_stops_the_import() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("overlay.yaml"),
        "entry_points: [{id: leak, kind: internet}]\nedges:\n  - {from: leak, to: 'arn:aws:iam::111111111111:user/gone', kind: authenticates}\n",
    )
    .unwrap();
    let opts = Options { dumps: vec![fixture(CASES[0])], model_dir: dir.path().to_path_buf(), ..Options::default() };
    let err = aws::import(&opts).unwrap_err();
    assert!(err.contains("overlay.yaml:3:") && err.contains("user/gone"), "{err}");
}

#[test]
fn inventories_in_riskpath_and_aws_cli_formats_give_stores_and_tag_jewels() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let inv = |name: &str, text: &str| {
        let p = inputs.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let own = inv(
        "own.json",
        r#"{"account": "111111111111", "buckets": ["ledger", {"name": "pii", "tags": {"data": "restricted"}}],
            "secrets": ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf"]}"#,
    );
    let buckets = inv("buckets.json", r#"{"Buckets": [{"Name": "logs"}], "Owner": {"ID": "x"}}"#);
    let keys =
        inv("keys.json", r#"{"Keys": [{"KeyId": "k1", "KeyArn": "arn:aws:kms:eu-west-1:111111111111:key/k1"}]}"#);
    let tables = inv("tables.json", r#"{"TableNames": ["orders"]}"#);
    std::fs::write(
        dir.path().join("jewels.yaml"),
        "import:\n  aws:\n    jewels: [{tag: 'data=restricted', loss: {confidentiality: 1e6}}]\n",
    )
    .unwrap();
    let opts = Options {
        dumps: vec![fixture(CASES[0])],
        inventories: vec![own, buckets, keys, tables],
        model_dir: dir.path().to_path_buf(),
        now: Some(NOW),
        ..Options::default()
    };
    let i = aws::import(&opts).unwrap();
    let nodes = items(&i, "nodes.jsonl", "node");
    let ids: BTreeSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    for id in [
        "arn:aws:s3:::ledger",
        "arn:aws:s3:::pii",
        "arn:aws:s3:::logs",
        "arn:aws:kms:eu-west-1:111111111111:key/k1",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf",
        "arn:aws:dynamodb:*:111111111111:table/orders",
    ] {
        assert!(ids.contains(id), "{id}: {ids:?}");
    }
    let pii = nodes.iter().find(|n| n["id"] == "arn:aws:s3:::pii").unwrap();
    assert_eq!(pii["crown_jewel"], true);
    // bounded (s3:GetObject on *) reads every bucket; external-trust (GetSecretValue on *) the secret.
    let e = edges(&i);
    assert!(edge(&e, "user/bounded", "s3:::ledger").is_some());
    assert!(edge(&e, "role/external-trust", "secret:db-AbCdEf").is_some());
    // An inventory of an account that was not imported is an error.
    let other = inv("other.json", r#"{"account": "333333333333", "buckets": ["x"]}"#);
    let err = aws::import(&Options { inventories: vec![other], ..opts }).unwrap_err();
    assert!(err.contains("333333333333 is not among the imported accounts"), "{err}");
}
