//! The riskpath model: the estate as written in YAML, loaded with spans and validated.
//! Owns the types every later stage reads, the loader, its diagnostics and the knowledge base.

pub mod kb;
pub mod source;
pub mod yaml;
