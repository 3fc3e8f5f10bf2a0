//! Renderers for riskpath results.
//! Terminal text and the versioned JSON document.
