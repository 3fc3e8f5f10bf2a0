//! riskpath decisions: what to fix first and why — choke points, endemic classes, sensitivity
//! and the multi-year plan, each measured by re-simulation with common random numbers.

pub mod accepted;
pub mod andcut;
pub mod chokepoints;
pub mod classes;
mod csr;
pub mod diff;
mod dominators;
pub mod eval;
pub mod gaps;
pub mod incident;
pub mod patch;
pub mod plan;
pub mod roadmap;
pub mod saturation;
pub mod sensitivity;
mod stakes;
pub mod worlds;

pub use eval::{Evaluator, Headline};
