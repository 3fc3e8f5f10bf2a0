//! The model a command works on: a path to load (with the file size limit) or a model already
//! loaded by the caller, whose load warnings the caller has then shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use riskpath_model::{LoadOptions, Loaded, Problems};

/// Where a command's model comes from.
#[derive(Debug, Clone)]
pub enum ModelSource {
    /// A model directory (searched recursively) or one model file, and the largest file accepted.
    Path { path: PathBuf, max_file_bytes: u64 },
    /// A model the caller loaded (and whose warnings it reported).
    Loaded(Arc<Loaded>),
}

/// The model of a run and the warnings found loading it (none when the caller loaded it).
pub struct Opened {
    pub loaded: Arc<Loaded>,
    pub warnings: Problems,
}

impl ModelSource {
    /// The default largest model file (64 MiB), as `--max-file-size`.
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 << 20;

    /// A model directory or file with the default file size limit.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        ModelSource::Path { path: path.into(), max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES }
    }

    /// Loads the model when given as a path: a missing path is a usage error, a model with
    /// errors is [`AppError::Model`](crate::AppError::Model) with every problem.
    pub fn open(&self) -> Result<Opened, crate::AppError> {
        match self {
            ModelSource::Loaded(loaded) => Ok(Opened { loaded: loaded.clone(), warnings: Problems::default() }),
            ModelSource::Path { path, max_file_bytes } => {
                exists(path)?;
                let loaded =
                    riskpath_model::load(path, &load_options(*max_file_bytes)).map_err(crate::AppError::Model)?;
                let warnings = loaded.warnings.clone();
                Ok(Opened { loaded: Arc::new(loaded), warnings })
            }
        }
    }
}

/// How models are loaded: files up to `max_file_bytes`, the other limits at their defaults.
pub fn load_options(max_file_bytes: u64) -> LoadOptions {
    let mut options = LoadOptions::default();
    options.limits.max_file_bytes = max_file_bytes;
    options
}

/// A model path that does not exist is a plain usage error, not a count of model errors.
pub fn exists(path: &Path) -> Result<(), crate::AppError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(crate::AppError::usage(format!("no such file or directory: {}", path.display())))
        }
        _ => Ok(()),
    }
}
