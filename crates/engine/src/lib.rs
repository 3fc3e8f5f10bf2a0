//! The riskpath engine: compiles a model into an attack graph and computes on it.
//! Owns probabilities after controls, attack paths, the Monte Carlo simulation and FAIR risk.

pub mod booking;
pub mod bulk;
pub mod campaign;
pub mod compile;
pub mod dist;
pub mod explain;
pub mod r#gen;
pub mod paths;
pub mod pool;
pub mod precision;
pub mod risk;
pub mod rng;
pub mod sim;
pub mod simd;
pub mod tally;

pub use compile::{AttackGraph, Posture, compile};
