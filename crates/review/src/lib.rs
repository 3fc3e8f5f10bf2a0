//! riskpath review: what `riskpath diff` compares and gates on — each side read from a folder or a
//! git revision (objects read, never checked out), and the `--fail-on` thresholds.

pub mod gate;
pub mod source;
