//! `gaps`: for the techniques that carry the most risk, the ATT&CK mitigations that address them,
//! which deployed controls implement and which are missing, and the patches that remove the most money.

use std::path::PathBuf;

use riskpath_decide::classes;
use riskpath_decide::gaps::gaps as find_gaps;
use riskpath_model::Loaded;
use riskpath_model::attack::{self, Catalog};
use riskpath_report::gaps::{navigator, text};
use riskpath_report::style::Style;
use riskpath_report::vulns;

use crate::docs::GapsOutput;
use crate::outcome::{Outcome, on_model};
use crate::{AppError, ModelSource, Progress, SimConfig};

/// The outputs of `gaps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapsFormat {
    Text,
    Json,
    /// An ATT&CK Navigator layer (format 4.5).
    Navigator,
}

/// The gap analysis to run (the flags of `riskpath gaps`).
#[derive(Debug, Clone)]
pub struct GapsConfig {
    pub model: ModelSource,
    pub sim: SimConfig,
    /// Techniques shown in text (JSON and Navigator list all).
    pub top: usize,
    /// An ATT&CK bundle or cache to take mitigations from instead of the model's `settings.attack`.
    pub attack: Option<PathBuf>,
    pub format: GapsFormat,
    pub style: Style,
    pub threads: Option<usize>,
}

/// The ATT&CK catalog for a model command: `explicit`, else the model's `settings.attack`.
pub fn catalog_for(loaded: &Loaded, explicit: Option<&std::path::Path>) -> Result<Option<Catalog>, AppError> {
    if let Some(path) = explicit {
        let opened = attack::open(path, None, false).map_err(|e| AppError::usage(e.to_string()))?;
        return Ok(Some(opened.catalog));
    }
    Ok(loaded.attack.as_ref().map(|o| o.catalog.clone()))
}

/// The mitigation gaps of the model of `config`.
pub fn gaps(config: &GapsConfig, progress: &dyn Progress) -> Result<Outcome<GapsOutput>, AppError> {
    on_model(&config.model, config.threads, |loaded| {
        let model = &loaded.model;
        let catalog = catalog_for(loaded, config.attack.as_deref())?;
        let (risk, eval) = config.sim.assess(model, progress)?;
        let ranked = classes::rank(&eval, eval.baseline_graph(), 1);
        let doc = find_gaps(&eval, catalog.as_ref(), &ranked, risk.ale);
        // Update Software (M1051) made concrete: the patches that remove the most money.
        let vulns = riskpath_decide::patch::rank(&eval);
        let rendered = match config.format {
            GapsFormat::Json => None,
            GapsFormat::Navigator => Some(crate::to_json(&navigator(&doc, catalog.as_ref()))?),
            GapsFormat::Text => {
                let style = &config.style;
                let currency = &model.settings.currency;
                let patches = vulns.as_ref().map(|v| vulns::section(v, currency, config.top, style));
                Some(style.finish(text(&doc, model, config.top, style) + &patches.unwrap_or_default()))
            }
        };
        eval.progress_done();
        Ok(Outcome::new(GapsOutput { gaps: doc, vulnerabilities: vulns }, rendered))
    })
}
