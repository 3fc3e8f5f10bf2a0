//! Reading an input file for an importer: bounded in size, gzip unpacked (bounded too), UTF-8
//! checked, and errors that name the file and, where there is one, the line and column.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest input accepted, before and after decompression (a full EPSS file is ~10 MB unpacked,
/// a Trivy report of a big image tens of MB).
pub const MAX_INPUT_BYTES: u64 = 512 << 20;

/// Why an input could not be used: the file, the line and column when known, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: PathBuf,
    /// 1-based line and column.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        InputError { file: file.to_path_buf(), at: None, message: message.into() }
    }
    pub fn at(file: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        InputError { file: file.to_path_buf(), at: Some((line, col)), message: message.into() }
    }
    /// A JSON syntax or shape error, at the place serde_json reports.
    pub fn json(file: &Path, e: &serde_json::Error, what: &str) -> Self {
        let message = format!("not a valid {what}: {e}");
        // serde_json appends " at line L column C"; the place is given separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        if e.line() == 0 { InputError::new(file, message) } else { InputError::at(file, e.line(), e.column(), message) }
    }
}

/// The file's text, gunzipped when it starts with the gzip magic, within [`MAX_INPUT_BYTES`].
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let file = std::fs::File::open(path).map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    read_bounded(path, file).and_then(|bytes| text_of(path, bytes))
}

/// `bytes` as text, gunzipped first when they are gzip.
pub fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        read_bounded(path, flate2::read::GzDecoder::new(&bytes[..]))?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| {
        InputError::new(path, format!("not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to()))
    })
}

fn read_bounded(path: &Path, reader: impl Read) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::new(path, format!("larger than the {MAX_INPUT_BYTES}-byte limit (unpacked)")));
    }
    Ok(bytes)
}

/// The 1-based line and column of the first occurrence of `value` as a JSON string in `text`
/// (after `after`, a byte offset), for errors about a value serde accepted but the importer cannot.
pub fn locate(text: &str, value: &str, after: usize) -> Option<(usize, usize)> {
    let needle = serde_json::to_string(value).ok()?;
    let start = after.min(text.len());
    let offset = text.get(start..)?.find(&needle)? + start;
    Some(line_col(text, offset))
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rfind('\n').map_or(before.len(), |i| before.len() - i - 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_located_by_line_and_column() {
        let text = "{\n  \"a\": \"x\",\n  \"b\": \"CVE-1\"\n}";
        assert_eq!(locate(text, "CVE-1", 0), Some((3, 8)));
        assert_eq!(locate(text, "missing", 0), None);
        assert_eq!(line_col(text, 0), (1, 1));
    }

    #[test]
    fn gzip_is_unpacked_and_other_bytes_are_kept() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"cve,epss").unwrap();
        let packed = gz.finish().unwrap();
        assert_eq!(text_of(Path::new("x"), packed).unwrap(), "cve,epss");
        assert_eq!(text_of(Path::new("x"), b"plain".to_vec()).unwrap(), "plain");
        assert!(text_of(Path::new("x"), vec![0xff, 0xfe]).unwrap_err().message.contains("not UTF-8"));
    }
}
