//! Renderers for riskpath results: terminal text and the versioned JSON document.
//! Renderers only format; every number they show was computed by the engine.

pub mod decisions;
pub mod json;
pub mod style;
pub mod text;
