//! Bad and odd input to `riskpath import bloodhound`: each is a clear error naming the file (and
//! line or object) or a counted warning, never a panic; imports are byte-identical when repeated.

use std::io::Write;
use std::path::{Path, PathBuf};

use riskpath_import::bloodhound::{self, Limits, ModelKeys, Options};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bloodhound").join(rel)
}

fn options(inputs: Vec<PathBuf>, model: &Path) -> Options {
    Options { inputs, model_dir: model.to_path_buf(), keys: Some(ModelKeys::none()), ..Default::default() }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn error(inputs: Vec<PathBuf>, model: &Path) -> String {
    bloodhound::import(&options(inputs, model)).unwrap_err().to_string()
}

fn users(version: &str, data: &str) -> String {
    format!(r#"{{"data": [{data}], "meta": {{"type": "users", "count": 1, "version": {version}}}}}"#)
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let whole = users("6", r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1000"}"#);
    let truncated = write(dir.path(), "users.json", &whole[..whole.len() - 20]);
    let e = error(vec![truncated.clone()], dir.path());
    assert!(e.starts_with(&format!("{}:1:", truncated.display())) && e.contains("truncated"), "{e}");
    let bad = write(dir.path(), "bad.json", "{\"data\": [\n  {\"ObjectIdentifier\": \"S-1\", \"Aces\": \"x\"}\n]}");
    let e = error(vec![bad.clone()], dir.path());
    assert!(e.starts_with(&format!("{}:2:", bad.display())) && e.contains("data[0]"), "{e}");
    let not_json = write(dir.path(), "x.json", "hello");
    assert!(error(vec![not_json], dir.path()).contains("x.json:1:1"));
}

#[test]
fn unknown_versions_types_and_shapes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v4 = write(dir.path(), "v4.json", &users("4", ""));
    let e = error(vec![v4], dir.path());
    assert!(e.contains("v4.json") && e.contains("schema version 4 is not supported") && e.contains("5 and 6"), "{e}");
    let v7 = write(dir.path(), "v7.json", &users("7", ""));
    assert!(error(vec![v7], dir.path()).contains("version 7"));
    let kind = write(dir.path(), "k.json", r#"{"data": [], "meta": {"type": "printers", "version": 6}}"#);
    assert!(error(vec![kind], dir.path()).contains("unknown meta.type `printers`"));
    let no_meta = write(dir.path(), "m.json", r#"{"data": []}"#);
    assert!(error(vec![no_meta], dir.path()).contains("without `meta`"));
    let neither = write(dir.path(), "n.json", r#"{"hello": 1}"#);
    assert!(error(vec![neither], dir.path()).contains("neither SharpHound"));
    let array = write(dir.path(), "a.json", "[1, 2]");
    assert!(error(vec![array], dir.path()).contains("a.json:1:1"));
    let missing = dir.path().join("nope.json");
    assert!(error(vec![missing], dir.path()).contains("nope.json: cannot read"));
    let empty_dir = tempfile::tempdir().unwrap();
    assert!(error(vec![empty_dir.path().to_path_buf()], dir.path()).contains("no *.json or *.zip"));
}

#[test]
fn duplicates_are_merged_and_dangling_references_become_counted_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let user = r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1000", "Properties": {"name": "A@X.LOCAL", "enabled": true},
        "Aces": [{"PrincipalSID": "S-1-5-21-1-2-3-2000", "PrincipalType": "User", "RightName": "GenericAll", "IsInherited": false},
                 {"PrincipalSID": "S-1-5-21-1-2-3-2001", "PrincipalType": "Group", "RightName": "SomeNewRight", "IsInherited": false}]}"#;
    let again = r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1000", "Properties": {"domain": "X.LOCAL"}}"#;
    let file = write(dir.path(), "u.json", &users("6", &format!("{user}, {again}")));
    let imported = bloodhound::import(&options(vec![file.clone()], dir.path())).unwrap();
    let r = &imported.report;
    assert_eq!(r.duplicates.len(), 1);
    assert!(r.duplicates[0].1.contains("data[0]") && r.duplicates[0].2.contains("data[1]"));
    assert!(r.warnings.iter().any(|w| w.contains("read more than once") && w.contains("S-1-5-21-1-2-3-1000")));
    assert_eq!(r.placeholders.get("User"), Some(&1), "{:?}", r.placeholders);
    assert_eq!(r.unmapped.get("ACE right SomeNewRight"), Some(&1), "{:?}", r.unmapped);
    assert!(r.summary().iter().any(|l| l.contains("SomeNewRight")));
    let nodes = &imported.generated.files()[Path::new("ad/nodes.jsonl")];
    assert!(
        nodes.contains("S-1-5-21-1-2-3-2000 (not in the collection)") && nodes.contains("\"zone\":\"x.local\""),
        "{nodes}"
    );
    assert!(imported.generated.files()[Path::new("report.md")].contains("ACE right SomeNewRight: 1"));
}

#[test]
fn deleted_objects_are_left_out_with_their_edges() {
    let dir = tempfile::tempdir().unwrap();
    let data = r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1000", "Properties": {"name": "A@X.LOCAL"}, "IsDeleted": true},
        {"ObjectIdentifier": "S-1-5-21-1-2-3-1001", "Properties": {"name": "B@X.LOCAL"},
         "Aces": [{"PrincipalSID": "S-1-5-21-1-2-3-1000", "PrincipalType": "User", "RightName": "GenericAll"}]}"#;
    let file = write(dir.path(), "u.json", &users("6", data));
    let imported = bloodhound::import(&options(vec![file], dir.path())).unwrap();
    assert_eq!((imported.report.deleted_objects, imported.report.deleted_edges), (1, 1));
    assert!(!imported.generated.files()[Path::new("ad/nodes.jsonl")].contains("1-2-3-1000"));
}

fn zip_with(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn zips_with_path_traversal_or_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let doc = users("6", "");
    let traversal = dir.path().join("traversal.zip");
    zip_with(&traversal, &[("users.json", doc.as_bytes()), ("../../etc/users.json", doc.as_bytes())]);
    let e = error(vec![traversal], dir.path());
    assert!(e.contains("traversal.zip") && e.contains("path traversal") && e.contains("../../etc/users.json"), "{e}");
    // 8 MB of spaces inside valid JSON deflates about a thousand times.
    let mut bomb_doc = users("6", "").into_bytes();
    bomb_doc.splice(1..1, std::iter::repeat_n(b' ', 8 << 20));
    let bomb = dir.path().join("bomb.zip");
    zip_with(&bomb, &[("users.json", &bomb_doc)]);
    let mut o = options(vec![bomb.clone()], dir.path());
    o.limits = Limits { max_ratio: 100, ..Limits::default() };
    let e = bloodhound::import(&o).unwrap_err().to_string();
    assert!(e.contains("bomb.zip") && e.contains("zip bomb"), "{e}");
    // The same zip within a generous ratio but over the size limit for one document.
    o.limits = Limits { max_file_bytes: 1 << 20, max_ratio: 10_000, ..Limits::default() };
    let e = bloodhound::import(&o).unwrap_err().to_string();
    assert!(e.contains("bomb.zip!users.json") && e.contains("1048576-byte limit"), "{e}");
    let many = dir.path().join("many.zip");
    zip_with(&many, &[("a.json", doc.as_bytes()), ("b.json", doc.as_bytes()), ("c.json", doc.as_bytes())]);
    o.inputs = vec![many];
    o.limits = Limits { max_zip_entries: 2, ..Limits::default() };
    assert!(bloodhound::import(&o).unwrap_err().to_string().contains("3 entries is over the limit of 2"));
}

#[test]
fn files_over_the_limit_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "u.json", &users("6", ""));
    let mut o = options(vec![file], dir.path());
    o.limits.max_file_bytes = 10;
    let e = bloodhound::import(&o).unwrap_err().to_string();
    assert!(e.contains("u.json") && e.contains("over the 10-byte limit"), "{e}");
}

#[test]
fn imports_are_byte_identical_and_zip_equals_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let zip = data("ad_sampledata.zip");
    let first = bloodhound::import(&options(vec![zip.clone()], dir.path())).unwrap();
    let second = bloodhound::import(&options(vec![zip.clone()], dir.path())).unwrap();
    assert_eq!(first.generated.files(), second.generated.files());
    // The zip's entries as loose files give the same model (report.md names the documents).
    let loose = tempfile::tempdir().unwrap();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    archive.extract(loose.path()).unwrap();
    let third = bloodhound::import(&options(vec![loose.path().to_path_buf()], dir.path())).unwrap();
    let model_files = |g: &riskpath_import::output::Generated| {
        g.files()
            .iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "json"))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(model_files(&first.generated), model_files(&third.generated));
}

#[test]
fn an_owned_principal_missing_from_the_collection_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(vec![data("v5")], dir.path());
    o.owned = vec!["ESID@TESTLAB.LOCA".into()];
    let e = bloodhound::import(&o).unwrap_err().to_string();
    assert!(e.contains("--owned") && e.contains("ESID@TESTLAB.LOCAL"), "{e}");
    o.owned = vec!["esid@testlab.local".into()];
    let imported = bloodhound::import(&o).unwrap();
    assert_eq!(imported.report.emitted.owned, vec!["ESID@TESTLAB.LOCAL".to_string()]);
    assert!(imported.generated.files()[Path::new("entry/edges.jsonl")].contains("\"kind\":\"holds\""));
}
