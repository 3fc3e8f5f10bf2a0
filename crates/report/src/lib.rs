//! Renderers for riskpath results: terminal text, the versioned JSON document, HTML and Markdown
//! reports (executive and engineer), SARIF findings, ATT&CK Navigator layers and Graphviz graphs.
//! Renderers only format; every number they show was computed by the engine.

pub mod accepted;
pub mod charts;
pub mod decisions;
pub mod diff;
pub mod dot;
pub mod gaps;
pub mod html;
pub mod incident;
pub mod json;
pub mod json_text;
pub mod kb;
pub mod markdown;
pub mod navigator;
pub mod sarif;
pub mod saturation;
pub mod style;
pub mod text;
pub mod verify;
pub mod view;
pub mod vulns;
