//! Uploaded file sets (a model version, an import, evidence): read from a JSON object
//! `{"path": "text", …}` or a zip archive within bounds, their paths checked, content-hashed.
//!
//! The content hash is SHA-256 over the files in path order (bytewise), each as its path's UTF-8
//! bytes, a 0 byte, its length as 8 bytes big-endian, and its bytes: the same files give the same
//! hash whatever the format or order they came in, and no two different sets share a framing.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use sha2::{Digest, Sha256};

/// Bounds on an upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_files: usize,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    /// Largest ratio of a zip entry's size to its compressed size.
    pub max_ratio: u64,
    pub max_path_bytes: usize,
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 10_000,
            max_file_bytes: 16 << 20,
            max_total_bytes: 128 << 20,
            max_ratio: 200,
            max_path_bytes: 512,
            max_depth: 32,
        }
    }
}

/// Why an upload is refused: too big (`too_large`) or malformed (`bad_upload`).
#[derive(Debug, Clone, PartialEq)]
pub enum UploadError {
    TooLarge(String),
    Bad(String),
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::TooLarge(m) | UploadError::Bad(m) => f.write_str(m),
        }
    }
}

/// Files by path (relative, `/`-separated), in path order; every file UTF-8 text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileSet {
    pub files: BTreeMap<String, String>,
}

impl FileSet {
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|t| t.len() as u64).sum()
    }

    /// Adds one file, checking its path and the bounds.
    fn add(&mut self, path: &str, text: String, limits: &Limits) -> Result<(), UploadError> {
        check_path(path, limits)?;
        if self.files.len() >= limits.max_files {
            return Err(UploadError::TooLarge(format!("more than {} files", limits.max_files)));
        }
        if text.len() as u64 > limits.max_file_bytes {
            return Err(UploadError::TooLarge(format!("`{path}` is larger than {} bytes", limits.max_file_bytes)));
        }
        if self.bytes() + text.len() as u64 > limits.max_total_bytes {
            return Err(UploadError::TooLarge(format!("the files hold more than {} bytes", limits.max_total_bytes)));
        }
        if self.files.insert(path.to_string(), text).is_some() {
            return Err(UploadError::Bad(format!("`{path}` is given twice")));
        }
        Ok(())
    }

    /// The content hash (module docs).
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for (path, text) in &self.files {
            h.update(path.as_bytes());
            h.update([0u8]);
            h.update((text.len() as u64).to_be_bytes());
            h.update(text.as_bytes());
        }
        crate::secret::hex(&h.finalize())
    }

    /// Writes the files under `dir` (which exists), creating folders.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, text) in &self.files {
            let file = dir.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(file, text)?;
        }
        Ok(())
    }
}

/// A path is relative, `/`-separated, of plain names (no `.`, `..`, empty, hidden-by-backslash or
/// control-character parts), within the length and depth bounds.
pub fn check_path(path: &str, limits: &Limits) -> Result<(), UploadError> {
    let bad = |why: &str| Err(UploadError::Bad(format!("file path `{}`: {why}", path.escape_debug())));
    if path.is_empty() || path.len() > limits.max_path_bytes {
        return bad(&format!("a path has 1 to {} bytes", limits.max_path_bytes));
    }
    if path.starts_with('/') || path.contains('\\') || path.chars().any(char::is_control) {
        return bad("give a relative path with `/` between folders and no control characters");
    }
    let parts: Vec<&str> = path.split('/').collect();
    if parts.iter().any(|p| p.is_empty() || *p == "." || *p == "..") {
        return bad("no empty, `.` or `..` parts");
    }
    if parts.len() > limits.max_depth {
        return bad(&format!("deeper than {} folders", limits.max_depth));
    }
    Ok(())
}

/// A JSON object of path → text (a duplicate key is an error, not a silent overwrite).
pub fn from_json(body: &[u8], limits: &Limits) -> Result<FileSet, UploadError> {
    struct Files<'l>(&'l Limits);
    impl<'de> Visitor<'de> for Files<'_> {
        type Value = Result<FileSet, UploadError>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of file path → file text")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut set = FileSet::default();
            while let Some((path, text)) = map.next_entry::<String, String>()? {
                if let Err(e) = set.add(&path, text, self.0) {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(set))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let set = de.deserialize_map(Files(limits)).map_err(|e| UploadError::Bad(format!("the JSON body: {e}")))?;
    de.end().map_err(|e| UploadError::Bad(format!("the JSON body: {e}")))?;
    set
}

/// A zip archive: files only (folders skipped, links refused), each read within the size bounds
/// and the compression ratio, whatever its header claims.
pub fn from_zip(body: &[u8], limits: &Limits) -> Result<FileSet, UploadError> {
    let bad = |e: zip::result::ZipError| UploadError::Bad(format!("the zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).map_err(bad)?;
    if archive.len() > limits.max_files * 2 {
        return Err(UploadError::TooLarge(format!("the archive has {} entries", archive.len())));
    }
    let mut set = FileSet::default();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(bad)?;
        let name = entry.name().map_err(bad)?.to_string();
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(UploadError::Bad(format!("`{}` is a symbolic link", name.escape_debug())));
        }
        let compressed = entry.compressed_size().max(1);
        let cap = limits.max_file_bytes.min(compressed.saturating_mul(limits.max_ratio));
        let mut bytes = Vec::new();
        entry.take(cap + 1).read_to_end(&mut bytes).map_err(|e| UploadError::Bad(format!("`{name}`: {e}")))?;
        if bytes.len() as u64 > cap {
            let why = if cap < limits.max_file_bytes {
                "expands more than the compression-ratio bound"
            } else {
                "is too large"
            };
            return Err(UploadError::TooLarge(format!("`{}` {why}", name.escape_debug())));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| UploadError::Bad(format!("`{}` is not UTF-8 text", name.escape_debug())))?;
        set.add(&name, text, limits)?;
    }
    Ok(set)
}

/// The file set of a request body by its content type.
pub fn parse(content_type: Option<&str>, body: &[u8], limits: &Limits) -> Result<FileSet, UploadError> {
    let kind = content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let set = match kind.as_str() {
        "application/json" => from_json(body, limits)?,
        "application/zip" => from_zip(body, limits)?,
        other => {
            return Err(UploadError::Bad(format!(
                "content type `{}`: send application/json (an object of path → text) or application/zip",
                other.escape_debug()
            )));
        }
    };
    if set.files.is_empty() {
        return Err(UploadError::Bad("no files".into()));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn the_hash_is_the_documented_framing() {
        let set = from_json(br#"{"b.yaml": "y", "a.yaml": "xx"}"#, &Limits::default()).unwrap();
        let mut framed = Vec::new();
        framed.extend(b"a.yaml\0");
        framed.extend(2u64.to_be_bytes());
        framed.extend(b"xx");
        framed.extend(b"b.yaml\0");
        framed.extend(1u64.to_be_bytes());
        framed.extend(b"y");
        assert_eq!(set.hash(), crate::secret::sha256_hex(&framed));
    }

    #[test]
    fn the_same_files_hash_alike_in_any_format_or_order_and_any_change_shows() {
        let l = Limits::default();
        let json = from_json(br#"{"m/a.yaml": "x: 1\n", "b.yaml": "y"}"#, &l).unwrap();
        let zip = from_zip(&zip_of(&[("b.yaml", b"y"), ("m/", b""), ("m/a.yaml", b"x: 1\n")]), &l).unwrap();
        assert_eq!(json, zip);
        assert_eq!(json.hash(), zip.hash());
        let renamed = from_json(br#"{"m/a.yml": "x: 1\n", "b.yaml": "y"}"#, &l).unwrap();
        let edited = from_json(br#"{"m/a.yaml": "x: 2\n", "b.yaml": "y"}"#, &l).unwrap();
        let moved = from_json(br#"{"m/a.yaml": "x: 1\ny", "b.yaml": ""}"#, &l).unwrap();
        for other in [renamed, edited, moved] {
            assert_ne!(other.hash(), json.hash());
        }
    }

    #[test]
    fn bad_paths_are_refused_by_name() {
        let l = Limits::default();
        for p in ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "a\u{7}b", ""] {
            assert!(matches!(check_path(p, &l), Err(UploadError::Bad(_))), "{p:?}");
        }
        assert!(check_path("models/prod/a.yaml", &l).is_ok());
        let deep = vec!["d"; 33].join("/");
        assert!(check_path(&deep, &l).is_err());
    }

    #[test]
    fn duplicates_wrong_shapes_and_binary_are_refused() {
        let l = Limits::default();
        let dup = from_json(br#"{"a.yaml": "1", "a.yaml": "2"}"#, &l).unwrap_err();
        assert_eq!(dup, UploadError::Bad("`a.yaml` is given twice".into()));
        assert!(from_json(br#"["a.yaml"]"#, &l).is_err());
        assert!(from_json(br#"{"a.yaml": 1}"#, &l).is_err());
        assert!(from_json(br#"{"a.yaml": "1"} trailing"#, &l).is_err());
        let e = from_zip(&zip_of(&[("a.bin", &[0xff, 0xfe])]), &l).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        assert!(from_zip(b"not a zip", &l).is_err());
        assert!(parse(Some("text/plain"), b"{}", &l).unwrap_err().to_string().contains("content type"));
        assert_eq!(parse(Some("application/json"), b"{}", &l).unwrap_err(), UploadError::Bad("no files".into()));
    }

    #[test]
    fn bounds_hold_whatever_the_archive_claims() {
        let l = Limits { max_files: 2, max_file_bytes: 100, max_total_bytes: 150, max_ratio: 2, ..Limits::default() };
        let bomb = vec![b'a'; 100];
        let e = from_zip(&zip_of(&[("bomb.yaml", &bomb)]), &l).unwrap_err();
        assert!(matches!(&e, UploadError::TooLarge(m) if m.contains("compression-ratio")), "{e:?}");
        let l = Limits { max_ratio: 1000, ..l };
        assert!(from_zip(&zip_of(&[("a", &bomb)]), &l).is_ok());
        assert!(matches!(from_zip(&zip_of(&[("a", &[b'a'; 101])]), &l), Err(UploadError::TooLarge(_))));
        assert!(matches!(from_zip(&zip_of(&[("a", &bomb), ("b", &bomb)]), &l), Err(UploadError::TooLarge(_))));
        let three = from_json(br#"{"a": "", "b": "", "c": ""}"#, &l).unwrap_err();
        assert!(matches!(three, UploadError::TooLarge(_)));
    }
}
