//! Importers: other tools' data (BloodHound collections, AWS authorization dumps, vulnerability
//! scans) turned into model files, which the loader then checks like any hand-written file.
//!
//! An importer never builds a `Model` itself: it writes a generated folder of JSON files (one item
//! per line, sorted, byte-identical for the same input) into the model directory
//! ([`output::Generated`]), beside the hand-written files that refer to its nodes by id.

pub mod aws;
pub mod bloodhound;
pub mod output;
pub mod overlay;
pub mod scan;
