//! The importer's inputs: JSON files, folders of them and the zips SharpHound and AzureHound write,
//! each read as a stream within limits (file size, zip entries, total size, compression ratio, names).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::Error;

/// Bounds on what the importer reads; every one is checked on the bytes actually read, not on the
/// sizes an archive declares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest JSON document (a file, or one zip entry once decompressed).
    pub max_file_bytes: u64,
    /// Most entries a zip may have.
    pub max_zip_entries: usize,
    /// Most bytes all entries of one zip may decompress to.
    pub max_zip_bytes: u64,
    /// Largest decompressed-to-compressed ratio of a zip entry (a zip bomb's is in the thousands;
    /// SharpHound's JSON compresses 10 to 50 times).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_bytes: 4 << 30, max_zip_entries: 10_000, max_zip_bytes: 32 << 30, max_ratio: 1000 }
    }
}

/// Calls `each` with a display name and a reader for every JSON document of `inputs`, in order:
/// files as given, folders' `*.json` and `*.zip` files sorted by path, zips' `*.json` entries in
/// archive order.
pub fn for_each_document(
    inputs: &[PathBuf],
    limits: &Limits,
    each: &mut dyn FnMut(&str, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| Error::at(input, format!("cannot read: {e}")))?;
        if meta.is_dir() {
            for file in folder_files(input)? {
                read_file(&file, limits, each)?;
            }
        } else {
            read_file(input, limits, each)?;
        }
    }
    Ok(())
}

/// The `*.json` and `*.zip` files under a folder (hidden ones skipped), sorted.
fn folder_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::at(&d, format!("cannot list: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::at(&d, format!("cannot list: {e}")))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if matches!(extension(&path).as_deref(), Some("json" | "zip")) {
                out.push(path);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::at(dir, "no *.json or *.zip files in this folder".into()));
    }
    Ok(out)
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

fn read_file(
    path: &Path,
    limits: &Limits,
    each: &mut dyn FnMut(&str, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let file = File::open(path).map_err(|e| Error::at(path, format!("cannot open: {e}")))?;
    let mut head = [0u8; 4];
    let is_zip = extension(path).as_deref() == Some("zip") || {
        let n = (&file).read(&mut head).unwrap_or(0);
        n == 4 && head == *b"PK\x03\x04"
    };
    let file = File::open(path).map_err(|e| Error::at(path, format!("cannot open: {e}")))?;
    if is_zip {
        return read_zip(path, file, limits, each);
    }
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = path.display().to_string();
    if size > limits.max_file_bytes {
        return Err(Error::named(&name, over_limit(size, limits.max_file_bytes)));
    }
    let mut reader = Limited::new(BufReader::with_capacity(1 << 20, file), limits.max_file_bytes);
    each(&name, &mut reader)
}

fn over_limit(size: u64, limit: u64) -> String {
    format!("{size} bytes is over the {limit}-byte limit for one document (raise it with --max-file-size)")
}

/// Reads the JSON entries of a zip, checking names, counts, sizes and ratios first from the
/// central directory and then on the decompressed bytes.
fn read_zip(
    path: &Path,
    file: File,
    limits: &Limits,
    each: &mut dyn FnMut(&str, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| Error::at(path, format!("not a readable zip: {e}")))?;
    if archive.len() > limits.max_zip_entries {
        return Err(Error::at(
            path,
            format!("{} entries is over the limit of {}", archive.len(), limits.max_zip_entries),
        ));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| Error::at(path, format!("entry {i}: {e}")))?;
        let name = entry_name(path, entry.name())?;
        check_entry_name(path, &name)?;
        let (size, compressed) = (entry.size(), entry.compressed_size().max(1));
        if size / compressed > limits.max_ratio {
            return Err(Error::at(
                path,
                format!(
                    "entry `{name}` would decompress {} times its size (a zip bomb?); the limit is {}",
                    size / compressed,
                    limits.max_ratio
                ),
            ));
        }
        total = total.saturating_add(size);
        if total > limits.max_zip_bytes {
            return Err(Error::at(
                path,
                format!("the entries decompress to more than the {}-byte limit for one zip", limits.max_zip_bytes),
            ));
        }
    }
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| Error::at(path, format!("entry {i}: {e}")))?;
        let name = entry_name(path, entry.name())?;
        if entry.is_dir() || extension(Path::new(&name)).as_deref() != Some("json") {
            continue;
        }
        let display = format!("{}!{name}", path.display());
        let compressed = entry.compressed_size().max(1);
        let ratio_cap = compressed.saturating_mul(limits.max_ratio);
        let mut reader = Limited::new(BufReader::with_capacity(1 << 20, entry), limits.max_file_bytes.min(ratio_cap));
        reader.ratio = Some((compressed, limits.max_ratio));
        each(&display, &mut reader)?;
    }
    Ok(())
}

fn entry_name(path: &Path, name: zip::result::ZipResult<std::borrow::Cow<'_, str>>) -> Result<String, Error> {
    name.map(|n| n.into_owned()).map_err(|e| Error::at(path, format!("an entry name is unreadable: {e}")))
}

/// An entry name must be a plain relative path inside the archive: no `..`, no absolute path, no
/// drive letter, no backslash tricks. Nothing is extracted to disk, but such a name is never benign.
fn check_entry_name(path: &Path, name: &str) -> Result<(), Error> {
    let bad = name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\0')
        || name.as_bytes().get(1) == Some(&b':')
        || name.split(['/', '\\']).any(|part| part == "..");
    if bad {
        return Err(Error::at(
            path,
            format!("entry `{name}` points outside the archive (path traversal); refusing the zip"),
        ));
    }
    Ok(())
}

/// A reader that fails once more than `limit` bytes were read from it: the check that holds
/// whatever sizes a file or archive declares.
pub struct Limited<R> {
    inner: R,
    read: u64,
    limit: u64,
    /// For a zip entry: its compressed size and the largest ratio allowed, for the message.
    ratio: Option<(u64, u64)>,
}

impl<R> Limited<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Limited { inner, read: 0, limit, ratio: None }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            let message = match self.ratio {
                Some((compressed, ratio)) if self.read > compressed.saturating_mul(ratio) => format!(
                    "decompressed more than {ratio} times its compressed size of {compressed} bytes (a zip bomb?)"
                ),
                _ => {
                    format!("more than the {}-byte limit for one document (raise it with --max-file-size)", self.limit)
                }
            };
            return Err(std::io::Error::other(message));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_that_leave_the_archive_are_refused() {
        let p = Path::new("x.zip");
        for bad in ["../users.json", "a/../../b.json", "/etc/passwd", "\\x.json", "C:/x.json", "a\\..\\b.json"] {
            assert!(check_entry_name(p, bad).is_err(), "{bad}");
        }
        for good in ["users.json", "20240305_users.json", "dir/computers.json", "a..b.json"] {
            assert!(check_entry_name(p, good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_limited_reader_fails_past_its_limit() {
        let mut r = Limited::new(&b"0123456789"[..], 5);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("5-byte limit"), "{err}");
        let mut r = Limited::new(&b"0123456789"[..], 10);
        assert_eq!(r.read_to_end(&mut Vec::new()).unwrap(), 10);
    }
}
