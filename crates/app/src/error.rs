//! The application's errors: what went wrong, located, and whether it is the caller's input (usage,
//! the model) or a finding; adapters map them to exit codes or HTTP statuses.

use riskpath_model::Problems;

/// Why a command could not give its result. Nothing was computed to completion or written.
#[derive(Debug, Clone)]
pub enum AppError {
    /// Bad configuration or input (a count out of range, an unknown id, an unreadable file); the
    /// message names the option or file. The CLI exits 2.
    Usage(String),
    /// The model did not load: every problem with its file, line and column. The CLI exits 2.
    Model(Problems),
}

impl AppError {
    /// A usage error from anything displayable.
    pub fn usage(message: impl Into<String>) -> Self {
        AppError::Usage(message.into())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Usage(message) => f.write_str(message),
            AppError::Model(problems) => write!(
                f,
                "{} in the model; nothing was written",
                riskpath_report::style::count(problems.error_count(), "error")
            ),
        }
    }
}

impl std::error::Error for AppError {}
