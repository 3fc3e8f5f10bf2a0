//! Accepted risks (`accepted_risks:`): a risk leadership chose to carry, with its scope, owner,
//! expiry and justification; their types, reading, checks against the model, and expiry.

use crate::read::Reader;
use crate::source::{Loc, Problem};
use crate::types::{Model, Spanned};
use crate::yaml::Node as YNode;

/// A calendar date (`YYYY-MM-DD`), ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar day, years 1970–9999).
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2027-03-31");
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts[..] else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 || !text.bytes().all(|b| b == b'-' || b.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month, day) = (
            y.parse::<u16>().map_err(|_| bad())?,
            m.parse::<u8>().map_err(|_| bad())?,
            d.parse::<u8>().map_err(|_| bad())?,
        );
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month)
        {
            return Err(format!("`{text}` is not a calendar day"));
        }
        Ok(Date { year, month, day })
    }

    /// The civil date (UTC) of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// What an acceptance covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// One actor reaching one crown jewel.
    Scenario { actor: Spanned<String>, target: Spanned<String> },
    /// One edge, by its id.
    Edge(Spanned<String>),
    /// An endemic class: `technique:T1078`, `kind:reads` or `mitigation:M1032`.
    Class(Spanned<String>),
}

#[derive(Debug, Clone)]
pub struct AcceptedRisk {
    pub id: String,
    pub scope: Scope,
    pub owner: String,
    pub expires: Date,
    pub justification: String,
    /// The most annual loss accepted, in the model's currency.
    pub max_ale: Option<f64>,
    pub loc: Loc,
}

impl AcceptedRisk {
    /// Expired on `as_of` (an acceptance holds through its `expires` day).
    pub fn expired(&self, as_of: Date) -> bool {
        self.expires < as_of
    }
}

impl Reader {
    pub(crate) fn accepted_risk(&mut self, node: &YNode) -> Option<AcceptedRisk> {
        let what = "an accepted risk";
        let f = self.fields(node, what, crate::keys::ACCEPTED_RISK)?;
        let id = self.required_string(&f, "id", what);
        let owner = self.required_string(&f, "owner", what);
        let justification = self.required_string(&f, "justification", what);
        let expires = self.required_string(&f, "expires", what).and_then(|s| match Date::parse(&s.value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problems.push(Problem::error(e, Some(s.loc)).with_help("expires: 2027-03-31"));
                None
            }
        });
        let scope = match f.get("scope") {
            Some(n) => self.scope(n),
            None => {
                self.problems
                    .push(Problem::error("an accepted risk needs a `scope`", Some(f.loc)).with_help(
                        "scope: {actor: crime, target: files}, {edge: EDGE_ID} or {class: technique:T1078}",
                    ));
                None
            }
        };
        let max_ale = f.get("max_ale").and_then(|n| self.number(n, "`max_ale`", crate::read::Range::Money));
        let (id, owner, justification, expires, scope) = (id?, owner?, justification?, expires?, scope?);
        Some(AcceptedRisk {
            id: id.value,
            scope,
            owner: owner.value,
            expires,
            justification: justification.value,
            max_ale,
            loc: id.loc,
        })
    }

    fn scope(&mut self, node: &YNode) -> Option<Scope> {
        let what = "the scope of an accepted risk";
        let f = self.fields(node, what, crate::keys::ACCEPTED_SCOPE)?;
        let get = |r: &mut Reader, key| f.get(key).and_then(|n| r.string(n, what));
        let (actor, target, edge, class) =
            (get(self, "actor"), get(self, "target"), get(self, "edge"), get(self, "class"));
        match (actor, target, edge, class) {
            (Some(actor), Some(target), None, None) => Some(Scope::Scenario { actor, target }),
            (None, None, Some(edge), None) => Some(Scope::Edge(edge)),
            (None, None, None, Some(class)) => Some(Scope::Class(class)),
            _ => {
                self.problems.push(
                    Problem::error("a scope is an actor and a target, an edge, or a class (one of them)", Some(f.loc))
                        .with_help("scope: {actor: crime, target: files}, {edge: EDGE_ID} or {class: technique:T1078}"),
                );
                None
            }
        }
    }
}

/// Checks each acceptance's scope against the merged model: known actor, target, edge or class.
pub(crate) fn check(model: &Model, problems: &mut Vec<Problem>) {
    let unknown = |what: &str, id: &Spanned<String>, known: Vec<&str>| {
        let hint = crate::did_you_mean(&id.value, known.iter().copied());
        let p = Problem::error(format!("accepted risk names unknown {what} `{}`", id.value), Some(id.loc));
        match hint {
            Some(h) => p.with_help(h),
            None => p,
        }
    };
    for risk in &model.accepted_risks {
        match &risk.scope {
            Scope::Scenario { actor, target } => {
                if !model.actors.iter().any(|a| a.id == actor.value) {
                    problems.push(unknown("actor", actor, model.actors.iter().map(|a| a.id.as_str()).collect()));
                }
                if !model.nodes.iter().any(|n| n.crown_jewel && n.id == target.value) {
                    let jewels = model.nodes.iter().filter(|n| n.crown_jewel).map(|n| n.id.as_str()).collect();
                    problems.push(unknown("crown jewel", target, jewels));
                }
            }
            Scope::Edge(edge) => {
                if !model.edges.iter().any(|e| e.id.as_deref() == Some(edge.value.as_str())) {
                    problems.push(unknown("edge", edge, model.edges.iter().filter_map(|e| e.id.as_deref()).collect()));
                }
            }
            Scope::Class(class) => {
                let known = matches!(class.value.split_once(':'), Some(("technique" | "kind" | "mitigation", rest)) if !rest.is_empty());
                if !known {
                    problems.push(
                        Problem::error(format!("`{}` is not an endemic class", class.value), Some(class.loc))
                            .with_help("technique:T1078, kind:reads or mitigation:M1032"),
                    );
                }
            }
        }
    }
}

/// A warning at each acceptance that expired before `as_of`: an expired acceptance is a decision
/// nobody owns any more.
pub fn expired(model: &Model, as_of: Date) -> Vec<Problem> {
    model
        .accepted_risks
        .iter()
        .filter(|r| r.expired(as_of))
        .map(|r| {
            Problem::warning(
                format!("accepted risk `{}` (owner {}) expired on {} (as of {as_of})", r.id, r.owner, r.expires),
                Some(r.loc),
            )
            .with_help("review it with its owner: renew `expires`, or remove the acceptance and treat the risk")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_are_calendar_days() {
        assert_eq!(Date::parse("2027-03-31").unwrap().to_string(), "2027-03-31");
        assert!(Date::parse("2028-02-29").is_ok(), "leap year");
        for bad in [
            "2027-02-29",
            "1900-02-29",
            "2027-13-01",
            "2027-04-31",
            "2027-3-31",
            "27-03-31",
            "2027/03/31",
            "",
            "2027-00-10",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert!(Date::parse("2027-01-02").unwrap() > Date::parse("2026-12-31").unwrap());
    }

    #[test]
    fn days_since_the_epoch_are_the_civil_date() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(59).to_string(), "1970-03-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_days(20_792).to_string(), "2026-12-05");
        // Every day follows the one before: walk 60 years day by day against a naive calendar.
        let mut d = Date { year: 1970, month: 1, day: 1 };
        for days in 0..22_000 {
            assert_eq!(Date::from_days(days), d, "day {days}");
            d = if d.day < super::days_in_month(d.year, d.month) {
                Date { day: d.day + 1, ..d }
            } else if d.month < 12 {
                Date { month: d.month + 1, day: 1, ..d }
            } else {
                Date { year: d.year + 1, month: 1, day: 1 }
            };
        }
    }
}
