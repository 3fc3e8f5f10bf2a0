//! Reading files a model names without trusting them: regular files only, opened without blocking
//! (a FIFO or a device never stalls or floods a run), read within a size limit.
//!
//! A model is committed by people who may be hostile, so a path in it may name a FIFO, a device,
//! or a symbolic link out of the model directory. [`read_regular`] opens with `O_NONBLOCK`,
//! checks what it opened (`fstat`, so a file swapped after a directory walk is still caught) and
//! refuses anything but a regular file; [`is_link`] and [`inside`] let callers refuse links.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum FileError {
    /// The file cannot be opened or read (missing, permissions, …).
    Io(String),
    /// It is not a regular file: a directory, FIFO, socket or device.
    NotRegular(&'static str),
    /// It is larger than the limit, in bytes.
    TooLarge(u64),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Io(e) => f.write_str(e),
            FileError::NotRegular(kind) => write!(f, "not a regular file (a {kind})"),
            FileError::TooLarge(max) => write!(f, "larger than the {max}-byte limit"),
        }
    }
}

/// Opens `path` for reading without blocking, and only if it is a regular file.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer comes; non-blocking, it returns at once.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(|e| FileError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| FileError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular(kind(&meta)));
    }
    Ok((file, meta))
}

/// Reads a regular file of at most `max_bytes` bytes (see [`open_regular`]), with its metadata.
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<(Vec<u8>, Metadata), FileError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > max_bytes {
        return Err(FileError::TooLarge(max_bytes));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| FileError::Io(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(FileError::TooLarge(max_bytes));
    }
    Ok((bytes, meta))
}

/// What kind of file `meta` describes, in words.
pub fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "directory";
    }
    if t.is_symlink() {
        return "symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_file() { "regular file" } else { "special file" }
}

/// Whether `path` itself is a symbolic link (not following it).
pub fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The real path of `path` when it lies inside the real path of `base`, else `None`.
pub fn inside(base: &Path, path: &Path) -> Option<PathBuf> {
    let base = base.canonicalize().ok()?;
    let real = path.canonicalize().ok()?;
    real.starts_with(&base).then_some(real)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn regular_files_only_and_never_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, "x: 1\n").unwrap();
        assert_eq!(read_regular(&file, 100).unwrap().0, b"x: 1\n");
        assert_eq!(read_regular(&file, 3).unwrap_err(), FileError::TooLarge(3));
        assert_eq!(read_regular(dir.path(), 100).unwrap_err(), FileError::NotRegular("directory"));
        assert_eq!(read_regular(Path::new("/dev/zero"), 100).unwrap_err(), FileError::NotRegular("character device"));
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        // Without O_NONBLOCK this open would wait forever for a writer.
        assert_eq!(read_regular(&fifo, 100).unwrap_err(), FileError::NotRegular("FIFO"));
        assert!(matches!(read_regular(&dir.path().join("missing"), 100), Err(FileError::Io(_))));
    }

    #[test]
    fn links_and_containment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "a").unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("in")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("out")).unwrap();
        assert!(is_link(&dir.path().join("in")) && !is_link(&dir.path().join("a")));
        assert!(inside(dir.path(), &dir.path().join("in")).is_some());
        assert!(inside(dir.path(), &dir.path().join("out")).is_none());
    }
}
