//! `riskpath serve`: the multi-user server. Workspaces of model versions, imports and evidence,
//! accounts with roles per workspace, API tokens, a hash-chained audit log, an OpenAPI 3.1 API.
//!
//! Layout: `serve` starts it; `routes` declares every route and its document; `auth` resolves
//! callers and checks roles (`roles`); `store` is the database behind a small trait; `audit`,
//! `upload` and `modelcheck` are the log, the upload format and the loader's check.

pub mod audit;
pub mod auth;
pub mod error;
pub mod http;
pub mod jobs;
pub mod modelcheck;
pub mod roles;
pub mod routes;
pub mod secret;
pub mod serve;
pub mod state;
pub mod store;
pub mod upload;

pub use serve::{Config, audit_check, run};
