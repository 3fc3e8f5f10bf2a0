//! What cutting an edge costs: the edge's own `removable` and `fix_cost` over its kind's defaults,
//! days turned into money by `settings.day_rate`, and the one unit every cut of a model is in.

use crate::kb;
use crate::source::Problem;
use crate::types::{CostUnit, Edge, FixCost, Model};

impl Edge {
    /// Whether the edge can be cut: its own `removable`, else its kind's default.
    pub fn is_removable(&self) -> bool {
        self.extra().removable.as_ref().map_or_else(|| kb::removable_by_default(&self.kind.value), |r| r.value)
    }
    /// What removing the edge costs as stated: its own `fix_cost`, else the knowledge base's default.
    pub fn stated_cost(&self) -> FixCost {
        self.extra().fix_cost.as_ref().map_or(kb::DEFAULT_COST, |c| c.value)
    }
}

impl Model {
    /// The unit every cut and containment of this model is in: money when `settings.day_rate` is
    /// given or some removable edge costs money, else days.
    pub fn cut_unit(&self) -> CostUnit {
        let money = self.settings.day_rate.is_some()
            || self.edges.iter().any(|e| e.is_removable() && e.stated_cost().unit == CostUnit::Money);
        if money { CostUnit::Money } else { CostUnit::Days }
    }

    /// What cutting model edge `edge` costs in [`Model::cut_unit`]; `None` when it cannot be cut.
    /// (A model mixing money and days without `settings.day_rate` does not validate.)
    pub fn fix_cost(&self, edge: usize) -> Option<f64> {
        let e = &self.edges[edge];
        if !e.is_removable() {
            return None;
        }
        let cost = e.stated_cost();
        Some(match (cost.unit, self.settings.day_rate) {
            (CostUnit::Days, Some(rate)) => cost.amount * rate,
            _ => cost.amount,
        })
    }
}

/// An error when removable edges cost money and others days while `settings.day_rate` is not
/// given: the two cannot be added, so the cut would be meaningless. Located at the first edge
/// costing days (its `fix_cost`, or the edge when the cost is its kind's default).
pub fn check(model: &Model, problems: &mut Vec<Problem>) {
    if model.settings.day_rate.is_some() || model.cut_unit() == CostUnit::Days {
        return;
    }
    let in_days: Vec<&Edge> =
        model.edges.iter().filter(|e| e.is_removable() && e.stated_cost().unit == CostUnit::Days).collect();
    let Some(first) = in_days.first() else { return };
    let money = model.edges.iter().find(|e| e.is_removable() && e.stated_cost().unit == CostUnit::Money);
    let money_label = money.map_or_else(String::new, |m| format!(" (e.g. `{}`)", m.label()));
    let (whose, loc) = match &first.extra().fix_cost {
        Some(c) => ("its `fix_cost`".to_string(), c.loc),
        None => (format!("its kind `{}`'s default", first.kind.value), first.loc),
    };
    let more = match in_days.len() - 1 {
        0 => String::new(),
        n => format!(", and {} {} days", crate::words::count(n, "more edge"), if n == 1 { "costs" } else { "cost" }),
    };
    problems.push(
        Problem::error(
            format!(
                "edge `{}` costs {} to remove ({whose}) while other edges cost money{money_label}{more}; \
                 days and money cannot be added without `settings.day_rate`",
                first.label(),
                days(first.stated_cost().amount)
            ),
            Some(loc),
        )
        .with_help("set settings.day_rate (money per day of effort), give this edge a `fix_cost` in money, or `removable: false` if it cannot be cut"),
    );
}

/// An effort in days: `1 day`, `0.5 days`, `3 days`.
fn days(amount: f64) -> String {
    format!("{amount} {}", if amount == 1.0 { "day" } else { "days" })
}
