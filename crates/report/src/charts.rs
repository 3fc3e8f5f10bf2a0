//! Small, dependency-free SVG charts for the HTML report: the loss exceedance curve (log x), horizontal
//! bars, the sensitivity tornado, step charts (burn-down, ALE trend) and attack-path diagrams.
//!
//! Every chart is one `<svg role="img">` with a `<title>` and `<desc>` it is labelled by, sized by its
//! viewBox so CSS can scale it. All text that comes from the model goes through [`esc`]: the SVG is
//! inserted into the page unescaped, so this module is where model text is made inert.

use std::fmt::Write;

/// Text for XML/HTML content and attribute values: the one XML escaper, [`riskpath_model::escape`]'s.
pub use riskpath_model::escape::xml as esc;

pub use crate::style::clip;

/// Colours (chosen for contrast on white and in greyscale print).
pub mod palette {
    pub const INK: &str = "#1f2933";
    pub const MUTED: &str = "#52606d";
    pub const GRID: &str = "#d9e2ec";
    pub const ACCENT: &str = "#1d4ed8";
    pub const ACCENT_FILL: &str = "#dbe7ff";
    pub const RISK: &str = "#b91c1c";
    pub const RISK_FILL: &str = "#fde2e2";
    pub const GOOD: &str = "#047857";
    pub const WARM: &str = "#c2410c";
    pub const ENTRY_FILL: &str = "#e0ecff";
    pub const NODE_FILL: &str = "#f5f7fa";
}
use palette::*;

/// Money for axis ticks: `$1M`, `$250k`, `$2.5B`, `40 CHF` — no trailing zeros.
pub fn money_tick(amount: f64, currency: &str) -> String {
    let (value, suffix) = crate::style::scaled(amount);
    let digits = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    let mut text = format!("{value:.digits$}");
    while text.contains('.') && (text.ends_with('0') || text.ends_with('.')) {
        text.pop();
    }
    crate::style::with_currency(&format!("{text}{suffix}"), currency)
}

fn pct_tick(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}%") } else { format!("{v:.1}%") }
}

/// A "nice" step (1, 2, 2.5 or 5 × 10^k) that divides `span` into about `parts` parts.
fn nice_step(span: f64, parts: f64) -> f64 {
    if span.is_nan() || span <= 0.0 {
        return 1.0;
    }
    let raw = span / parts;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Linear ticks from 0 to at least `max`, about five intervals; returns (ticks, top of the axis).
fn linear_ticks(max: f64) -> (Vec<f64>, f64) {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let step = nice_step(max, 5.0);
    let top = (max / step).ceil() * step;
    let n = (top / step).round() as usize;
    ((0..=n).map(|i| i as f64 * step).collect(), top)
}

fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let id = esc(id);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="12"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, attrs: &str, content: &str) {
    let _ = write!(out, r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}"{attrs}>{}</text>"#, esc(content));
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, attrs: &str) {
    let _ = write!(out, r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}"{attrs}/>"#);
}

/// A chart that has nothing to show: a frame with a sentence, still labelled.
fn empty(id: &str, title: &str, message: &str) -> String {
    let mut out = String::new();
    open(&mut out, id, 720.0, 120.0, title, message);
    let _ = write!(out, r#"<rect x="1" y="1" width="718" height="118" fill="none" stroke="{GRID}"/>"#);
    text(&mut out, 360.0, 64.0, "middle", &format!(r#" fill="{MUTED}""#), message);
    out.push_str("</svg>");
    out
}

/// The risk tolerance drawn on the loss exceedance curve.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Money the organisation accepts at the 1-in-20 level.
    pub amount: f64,
    /// P(annual loss > amount), from the simulated years.
    pub exceedance: f64,
}

/// The loss exceedance curve: P(annual loss > x) against x on a log scale, with decade ticks, axis
/// labels and, when stated, the risk tolerance (a vertical line at the amount, the 1-in-20 level as
/// a horizontal line and a marker where the curve crosses the amount).
/// `width` is the chart's natural width in pixels (its height follows).
pub fn loss_exceedance(
    id: &str,
    points: &[(f64, f64)],
    tolerance: Option<Tolerance>,
    currency: &str,
    width: f64,
) -> String {
    let title = "Loss exceedance curve";
    let pts: Vec<(f64, f64)> = points.iter().copied().filter(|(x, _)| *x > 0.0 && x.is_finite()).collect();
    if pts.is_empty() || pts.iter().all(|(_, p)| *p <= 0.0) {
        return empty(id, title, "No simulated year had a loss: the curve is zero everywhere.");
    }
    let (w, h) = (width.max(360.0), (width * 0.53).max(300.0));
    let (left, right, top, bottom) = (72.0, 28.0, 28.0, 64.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let mut lo = pts.first().unwrap().0;
    let mut hi = pts.last().unwrap().0;
    if let Some(t) = tolerance.filter(|t| t.amount > 0.0) {
        lo = lo.min(t.amount);
        hi = hi.max(t.amount);
    }
    let (d0, mut d1) = (lo.log10().floor(), hi.log10().ceil());
    if d1 <= d0 {
        d1 = d0 + 1.0;
    }
    let x = |v: f64| left + (v.log10() - d0) / (d1 - d0) * pw;
    let pmax = pts.iter().map(|p| p.1).fold(0.0, f64::max).max(if tolerance.is_some() { 0.06 } else { 0.0 });
    let (yticks, ytop) = linear_ticks(pmax.min(1.0));
    let ytop = ytop.min(1.0);
    let y = |p: f64| top + ph - (p / ytop) * ph;

    let summary = {
        let at = |q: f64| {
            pts.iter().find(|(_, p)| *p <= q).map(|(l, _)| money_tick(*l, currency)).unwrap_or_else(|| "—".into())
        };
        let mut s = format!(
            "Probability that the annual loss exceeds an amount, for amounts from {} to {} on a log scale. \
             The chance of any loss above {} is {}; about 1 year in 10 exceeds {}, 1 in 20 exceeds {}.",
            money_tick(10f64.powf(d0), currency),
            money_tick(10f64.powf(d1), currency),
            money_tick(pts[0].0, currency),
            pct_tick((pts[0].1 * 1000.0).round() / 1000.0),
            at(0.10),
            at(0.05)
        );
        if let Some(t) = tolerance {
            let _ = write!(
                s,
                " Risk tolerance: {} at the 1-in-20 level; the probability of exceeding it is {}.",
                money_tick(t.amount, currency),
                pct_tick((t.exceedance * 1000.0).round() / 1000.0)
            );
        }
        s
    };
    let mut out = String::new();
    open(&mut out, id, w, h, title, &summary);
    // Grid and y ticks.
    for &t in &yticks {
        line(&mut out, left, y(t), left + pw, y(t), GRID, "");
        text(&mut out, left - 8.0, y(t) + 4.0, "end", &format!(r#" fill="{MUTED}""#), &pct_tick(t));
    }
    // x ticks: decades, with 2 and 5 between when the range is short.
    let decades = (d1 - d0) as i32;
    for d in d0 as i32..=d1 as i32 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(d);
            if v.log10() > d1 + 1e-9 || (m > 1.0 && pw / f64::from(decades) < 150.0) {
                continue;
            }
            let xv = x(v);
            if m == 1.0 {
                line(&mut out, xv, top, xv, top + ph, GRID, "");
            }
            line(&mut out, xv, top + ph, xv, top + ph + 5.0, MUTED, "");
            text(&mut out, xv, top + ph + 18.0, "middle", &format!(r#" fill="{MUTED}""#), &money_tick(v, currency));
        }
    }
    // Axes.
    line(&mut out, left, top + ph, left + pw, top + ph, INK, "");
    line(&mut out, left, top, left, top + ph, INK, "");
    text(
        &mut out,
        left + pw / 2.0,
        h - 14.0,
        "middle",
        &format!(r#" fill="{INK}""#),
        &format!("Annual loss ({currency}, log scale)"),
    );
    let _ = write!(
        out,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="{INK}">P(annual loss &gt; amount)</text>"#,
        top + ph / 2.0
    );
    // The curve: a step function from the first threshold on, with the area under it.
    let mut d = String::new();
    for (i, &(l, p)) in pts.iter().enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, x(l), y(p));
    }
    let (xl, xr) = (x(pts[0].0), x(pts[pts.len() - 1].0));
    let _ = write!(
        out,
        r#"<path class="area" d="{d} L{xr:.1} {:.1} L{xl:.1} {:.1} Z" fill="{ACCENT_FILL}" stroke="none"/>"#,
        y(0.0),
        y(0.0)
    );
    let _ = write!(out, r#"<path class="curve" d="{d}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>"#);
    if let Some(t) = tolerance.filter(|t| t.amount > 0.0) {
        let (tx, ty) = (x(t.amount), y(t.exceedance.min(ytop)));
        let over = t.exceedance > 0.05;
        let color = if over { RISK } else { GOOD };
        line(&mut out, tx, top, tx, top + ph, RISK, r#" stroke-width="2" stroke-dasharray="6 4" class="tolerance""#);
        line(&mut out, left, y(0.05), left + pw, y(0.05), RISK, r#" stroke-width="1" stroke-dasharray="2 4""#);
        let anchor = if tx > left + pw * 0.6 { "end" } else { "start" };
        let dx = if anchor == "end" { -6.0 } else { 6.0 };
        text(
            &mut out,
            tx + dx,
            top + 12.0,
            anchor,
            &format!(r#" fill="{RISK}" font-weight="600""#),
            &format!("tolerance {}", money_tick(t.amount, currency)),
        );
        text(&mut out, left + pw - 4.0, y(0.05) - 5.0, "end", &format!(r#" fill="{RISK}""#), "1 in 20 years (5%)");
        let _ = write!(
            out,
            r##"<circle cx="{tx:.1}" cy="{ty:.1}" r="5" fill="{color}" stroke="#ffffff" stroke-width="1.5"/>"##
        );
        text(
            &mut out,
            tx + dx,
            ty - 8.0,
            anchor,
            &format!(r#" fill="{color}""#),
            &format!("P(loss > tolerance) = {}", pct_tick((t.exceedance * 1000.0).round() / 1000.0)),
        );
    }
    out.push_str("</svg>");
    out
}

/// One horizontal bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as shown at the end of the bar.
    pub value_text: String,
}

/// Horizontal bars, longest first as given, scaled to the largest value.
pub fn hbars(id: &str, title: &str, desc: &str, bars: &[Bar], color: &str) -> String {
    if bars.is_empty() {
        return empty(id, title, "Nothing to show.");
    }
    let row = 28.0;
    let (w, label_w, value_w, top) = (720.0, 250.0, 90.0, 8.0);
    let h = top * 2.0 + row * bars.len() as f64;
    let plot = w - label_w - value_w - 10.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let mut out = String::new();
    open(&mut out, id, w, h, title, desc);
    for (i, b) in bars.iter().enumerate() {
        let y0 = top + i as f64 * row;
        let len = (b.value.max(0.0) / max * plot).max(2.0);
        let _ = write!(out, "<g><title>{}: {}</title>", esc(&b.label), esc(&b.value_text));
        text(&mut out, label_w - 8.0, y0 + row / 2.0 + 4.0, "end", &format!(r#" fill="{INK}""#), &clip(&b.label, 33));
        let _ = write!(
            out,
            r#"<rect x="{label_w:.1}" y="{:.1}" width="{len:.1}" height="{:.1}" fill="{color}" rx="2"/>"#,
            y0 + 5.0,
            row - 10.0
        );
        text(
            &mut out,
            label_w + len + 6.0,
            y0 + row / 2.0 + 4.0,
            "start",
            &format!(r#" fill="{MUTED}""#),
            &b.value_text,
        );
        out.push_str("</g>");
    }
    line(&mut out, label_w, top, label_w, h - top, INK, "");
    out.push_str("</svg>");
    out
}

/// One input of the tornado: the ALE with the input at its 5th and 95th percentile.
#[derive(Debug, Clone)]
pub struct TornadoRow {
    pub label: String,
    pub at_low: f64,
    pub at_high: f64,
}

/// The sensitivity tornado: per input a bar from the ALE at its 5th to its 95th percentile, around
/// the baseline ALE (the vertical line); the part above the baseline is drawn warm, below cool.
pub fn tornado(id: &str, rows: &[TornadoRow], baseline: f64, currency: &str) -> String {
    let title = "Sensitivity of the ALE to each uncertain input";
    if rows.is_empty() {
        return empty(id, title, "No uncertain input: every estimate is a point value.");
    }
    let row = 28.0;
    let (w, label_w, side, top, bottom) = (720.0, 240.0, 64.0, 30.0, 10.0);
    let h = top + bottom + row * rows.len() as f64;
    let (x0, x1) = (label_w + side, w - side);
    let lo = rows.iter().map(|r| r.at_low.min(r.at_high)).fold(baseline, f64::min);
    let hi = rows.iter().map(|r| r.at_low.max(r.at_high)).fold(baseline, f64::max);
    let span = (hi - lo).max(baseline.abs() * 1e-6).max(f64::MIN_POSITIVE);
    let x = |v: f64| x0 + (v - lo) / span * (x1 - x0);
    let widest = &rows[0];
    let desc = format!(
        "The ALE ({}) when each input is set to its 5th and its 95th percentile, the others kept at their \
         baseline; the widest bar is {}: {} to {}.",
        money_tick(baseline, currency),
        widest.label,
        money_tick(widest.at_low, currency),
        money_tick(widest.at_high, currency)
    );
    let mut out = String::new();
    open(&mut out, id, w, h, title, &desc);
    text(
        &mut out,
        x(baseline),
        14.0,
        "middle",
        &format!(r#" fill="{INK}" font-weight="600""#),
        &format!("ALE {}", money_tick(baseline, currency)),
    );
    for (i, r) in rows.iter().enumerate() {
        let y0 = top + i as f64 * row;
        let (a, b) = (r.at_low.min(r.at_high), r.at_low.max(r.at_high));
        let _ = write!(
            out,
            "<g><title>{}: ALE {} at the 5th percentile, {} at the 95th</title>",
            esc(&r.label),
            esc(&money_tick(r.at_low, currency)),
            esc(&money_tick(r.at_high, currency))
        );
        text(&mut out, label_w - 8.0, y0 + row / 2.0 + 4.0, "end", &format!(r#" fill="{INK}""#), &clip(&r.label, 32));
        let (yb, hb) = (y0 + 5.0, row - 10.0);
        if a < baseline {
            let (xa, xb) = (x(a), x(baseline.min(b)));
            let _ = write!(
                out,
                r#"<rect x="{xa:.1}" y="{yb:.1}" width="{:.1}" height="{hb:.1}" fill="{ACCENT}"/>"#,
                (xb - xa).max(1.0)
            );
        }
        if b > baseline {
            let (xa, xb) = (x(baseline.max(a)), x(b));
            let _ = write!(
                out,
                r#"<rect x="{xa:.1}" y="{yb:.1}" width="{:.1}" height="{hb:.1}" fill="{WARM}"/>"#,
                (xb - xa).max(1.0)
            );
        }
        let muted = format!(r#" fill="{MUTED}""#);
        text(&mut out, x(a) - 4.0, y0 + row / 2.0 + 4.0, "end", &muted, &money_tick(a, currency));
        text(&mut out, x(b) + 4.0, y0 + row / 2.0 + 4.0, "start", &muted, &money_tick(b, currency));
        out.push_str("</g>");
    }
    line(&mut out, x(baseline), top - 6.0, x(baseline), h - bottom, INK, r#" stroke-width="1.5""#);
    out.push_str("</svg>");
    out
}

/// A step chart of money over periods (e.g. the ALE in effect each quarter of a roadmap), with the
/// area under it, or, with `steps == false`, a line through the points (e.g. the ALE of each run).
pub fn money_steps(
    id: &str,
    title: &str,
    desc: &str,
    points: &[(String, f64)],
    currency: &str,
    steps: bool,
    width: f64,
) -> String {
    if points.is_empty() {
        return empty(id, title, "Nothing to show.");
    }
    let (w, h) = (width.max(360.0), (width * 0.45).max(240.0));
    let (left, right, top, bottom) = (72.0, 28.0, 24.0, 52.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (yticks, ytop) = linear_ticks(max);
    let n = points.len();
    // Steps: each period is a segment; a line: each point is a position.
    let slots = if steps { n as f64 } else { (n.max(2) - 1) as f64 };
    let x = |i: f64| left + i / slots * pw;
    let y = |v: f64| top + ph - v / ytop * ph;
    let mut out = String::new();
    open(&mut out, id, w, h, title, desc);
    for &t in &yticks {
        line(&mut out, left, y(t), left + pw, y(t), GRID, "");
        text(&mut out, left - 8.0, y(t) + 4.0, "end", &format!(r#" fill="{MUTED}""#), &money_tick(t, currency));
    }
    // Label every period while labels have room (about 48 px each), else every k-th.
    let every = ((48.0 / (pw / n as f64)).ceil() as usize).max(1);
    for (i, (label, _)) in points.iter().enumerate() {
        let xc = if steps {
            x(i as f64 + 0.5)
        } else if n == 1 {
            x(0.5 * slots)
        } else {
            x(i as f64)
        };
        if i % every == 0 {
            text(&mut out, xc, top + ph + 18.0, "middle", &format!(r#" fill="{MUTED}""#), label);
        }
    }
    line(&mut out, left, top + ph, left + pw, top + ph, INK, "");
    line(&mut out, left, top, left, top + ph, INK, "");
    let mut d = String::new();
    if steps {
        // Each period: a vertical move to its level, then across it.
        let _ = write!(d, "M{:.1} {:.1}", x(0.0), y(points[0].1));
        for (i, (_, v)) in points.iter().enumerate() {
            let _ = write!(d, " V{:.1} H{:.1}", y(*v), x(i as f64 + 1.0));
        }
        let _ = write!(
            out,
            r#"<path class="area" d="{d} V{:.1} H{:.1} Z" fill="{ACCENT_FILL}" stroke="none"/>"#,
            y(0.0),
            x(0.0)
        );
        let _ = write!(out, r#"<path class="curve" d="{d}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>"#);
    } else {
        for (i, (_, v)) in points.iter().enumerate() {
            let xi = if n == 1 { x(0.5 * slots) } else { x(i as f64) };
            let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, xi, y(*v));
        }
        let _ = write!(out, r#"<path class="curve" d="{d}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>"#);
        for (i, (label, v)) in points.iter().enumerate() {
            let xi = if n == 1 { x(0.5 * slots) } else { x(i as f64) };
            let _ = write!(
                out,
                r#"<circle cx="{xi:.1}" cy="{:.1}" r="4" fill="{ACCENT}"><title>{}: {}</title></circle>"#,
                y(*v),
                esc(label),
                esc(&money_tick(*v, currency))
            );
        }
    }
    // The first and last values, written out.
    let (first, last) = (points[0].1, points[n - 1].1);
    let first_x = if steps {
        x(0.0) + 4.0
    } else if n == 1 {
        x(0.5 * slots) + 6.0
    } else {
        x(0.0) + 6.0
    };
    text(
        &mut out,
        first_x,
        y(first) - 8.0,
        "start",
        &format!(r#" fill="{INK}" font-weight="600""#),
        &money_tick(first, currency),
    );
    if n > 1 {
        let last_x = if steps { x(n as f64) - 4.0 } else { x((n - 1) as f64) - 6.0 };
        text(
            &mut out,
            last_x,
            y(last) - 8.0,
            "end",
            &format!(r#" fill="{INK}" font-weight="600""#),
            &money_tick(last, currency),
        );
    }
    out.push_str("</svg>");
    out
}

/// A small line of values for a headline card (e.g. the ALE of each verify run), labelled for
/// screen readers with its first and last value.
pub fn sparkline(id: &str, title: &str, points: &[(String, f64)], currency: &str) -> String {
    let (w, h, pad) = (160.0, 40.0, 4.0);
    let mut out = String::new();
    let desc = match (points.first(), points.last()) {
        (Some(a), Some(b)) => {
            format!("From {} ({}) to {} ({}).", money_tick(a.1, currency), a.0, money_tick(b.1, currency), b.0)
        }
        _ => "No values.".into(),
    };
    open(&mut out, id, w, h, title, &desc);
    let (lo, hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let n = points.len();
    let x = |i: usize| if n <= 1 { w / 2.0 } else { pad + i as f64 / (n - 1) as f64 * (w - 2.0 * pad) };
    let y = |v: f64| if hi > lo { h - pad - (v - lo) / (hi - lo) * (h - 2.0 * pad) } else { h / 2.0 };
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, x(i), y(p.1));
    }
    if n == 1 {
        let _ = write!(d, " L{:.1} {:.1}", x(0) + 0.1, y(points[0].1));
    }
    let _ = write!(
        out,
        r#"<path class="curve" d="{d}" fill="none" stroke="{ACCENT}" stroke-width="2" stroke-linecap="round"/>"#
    );
    if let Some(last) = points.last() {
        let _ = write!(out, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{ACCENT}"/>"#, x(n - 1), y(last.1));
    }
    out.push_str("</svg>");
    out
}

/// A probability in two significant digits for a label: `0.82`, `0.015`, `0.0031`.
fn p_short(p: f64) -> String {
    if p >= 0.095 || p == 0.0 {
        format!("{p:.2}")
    } else if p >= 0.0095 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// A node of a path diagram.
#[derive(Debug, Clone)]
pub struct PathNode {
    pub id: String,
    /// `entry`, `jewel` or `node`.
    pub role: &'static str,
}

/// A step between two consecutive nodes of a path diagram.
#[derive(Debug, Clone)]
pub struct PathStep {
    pub technique: String,
    pub kind: String,
    pub p: f64,
    /// Nodes this step also needs (AND), already named.
    pub requires: Vec<String>,
}

/// An attack path as boxes in a row joined by arrows labelled with the technique (above) and the
/// edge kind and probability (below); long paths continue on a second row right to left.
pub fn path_diagram(id: &str, title: &str, nodes: &[PathNode], steps: &[PathStep]) -> String {
    const PER_ROW: usize = 5;
    let (bw, bh, gap, row_gap, pad) = (124.0, 40.0, 132.0, 74.0, 12.0);
    let n = nodes.len();
    if n == 0 {
        return empty(id, title, "No path.");
    }
    let cols = n.min(PER_ROW);
    let rows = n.div_ceil(PER_ROW);
    let w = pad * 2.0 + cols as f64 * bw + (cols - 1) as f64 * gap;
    let h = pad * 2.0 + rows as f64 * bh + (rows - 1) as f64 * row_gap + 8.0;
    let pos = |i: usize| {
        let (r, c) = (i / PER_ROW, i % PER_ROW);
        let c = if r % 2 == 1 { PER_ROW - 1 - c } else { c };
        (pad + c as f64 * (bw + gap), pad + 4.0 + r as f64 * (bh + row_gap))
    };
    let chain: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let desc = {
        let mut s = format!("Attack path: {}.", chain.join(" → "));
        for (i, st) in steps.iter().enumerate() {
            let _ = write!(
                s,
                " Step {}: {} to {} by {} ({}), p = {:.3}.",
                i + 1,
                chain[i],
                chain.get(i + 1).unwrap_or(&""),
                st.kind,
                st.technique,
                st.p
            );
        }
        s
    };
    let mut out = String::new();
    open(&mut out, id, w, h, title, &desc);
    let marker = format!("{}-arrow", esc(id));
    let _ = write!(
        out,
        r#"<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="{INK}"/></marker></defs>"#
    );
    for (i, st) in steps.iter().enumerate().take(n.saturating_sub(1)) {
        let ((ax, ay), (bx, by)) = (pos(i), pos(i + 1));
        let label_attrs = format!(r#" fill="{INK}" font-size="11" font-weight="600""#);
        let sub_attrs = format!(r#" fill="{MUTED}" font-size="10""#);
        let and = if st.requires.is_empty() { String::new() } else { format!(" · AND {}", st.requires.join(", ")) };
        let _ = write!(
            out,
            "<g class=\"step\"><title>{}</title>",
            esc(&format!("{} ({}), p = {:.3}{and}", st.kind, st.technique, st.p))
        );
        let dash = if st.requires.is_empty() { "" } else { r#" stroke-dasharray="5 3""# };
        if (ay - by).abs() < 1e-9 {
            // Same row: left to right, or right to left on odd rows.
            let (x1, x2) = if bx > ax { (ax + bw, bx) } else { (ax, bx + bw) };
            let ym = ay + bh / 2.0;
            line(
                &mut out,
                x1 + 2.0,
                ym,
                x2 - 2.0,
                ym,
                INK,
                &format!(r#" stroke-width="1.5" marker-end="url(#{marker})"{dash}"#),
            );
            let xm = (x1 + x2) / 2.0;
            text(&mut out, xm, ym - 7.0, "middle", &label_attrs, &clip(&st.technique, 16));
            text(&mut out, xm, ym + 15.0, "middle", &sub_attrs, &clip(&st.kind, 22));
            text(
                &mut out,
                xm,
                ym + 27.0,
                "middle",
                &sub_attrs,
                &format!("p {}{}", p_short(st.p), if and.is_empty() { "" } else { " · AND" }),
            );
        } else {
            // Row change: straight down in the same column.
            let xm = ax + bw / 2.0;
            line(
                &mut out,
                xm,
                ay + bh + 2.0,
                xm,
                by - 2.0,
                INK,
                &format!(r#" stroke-width="1.5" marker-end="url(#{marker})"{dash}"#),
            );
            let ym = (ay + bh + by) / 2.0;
            text(&mut out, xm - 8.0, ym - 4.0, "end", &label_attrs, &clip(&st.technique, 16));
            text(
                &mut out,
                xm - 8.0,
                ym + 10.0,
                "end",
                &sub_attrs,
                &format!("{} · p {}", clip(&st.kind, 20), p_short(st.p)),
            );
        }
        out.push_str("</g>");
    }
    for (i, node) in nodes.iter().enumerate() {
        let (x0, y0) = pos(i);
        let (fill, stroke, width) = match node.role {
            "entry" => (ENTRY_FILL, ACCENT, 1.5),
            "jewel" => (RISK_FILL, RISK, 2.5),
            _ => (NODE_FILL, MUTED, 1.0),
        };
        let _ = write!(
            out,
            r#"<g class="node {}"><title>{}</title><rect x="{x0:.1}" y="{y0:.1}" width="{bw:.1}" height="{bh:.1}" rx="{}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>"#,
            node.role,
            esc(&node.id),
            if node.role == "entry" { 20 } else { 6 }
        );
        text(&mut out, x0 + bw / 2.0, y0 + bh / 2.0 + 4.0, "middle", &format!(r#" fill="{INK}""#), &clip(&node.id, 17));
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_model_text_everywhere() {
        let evil = "<script>alert(1)</script>\"'&";
        let svg = path_diagram(
            "p1",
            evil,
            &[PathNode { id: evil.into(), role: "entry" }, PathNode { id: "b".into(), role: "jewel" }],
            &[PathStep { technique: evil.into(), kind: evil.into(), p: 0.5, requires: vec![evil.into()] }],
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        let bars = hbars("b", evil, evil, &[Bar { label: evil.into(), value: 1.0, value_text: evil.into() }], ACCENT);
        assert!(!bars.contains("<script"));
        let t = tornado("t", &[TornadoRow { label: evil.into(), at_low: 1.0, at_high: 3.0 }], 2.0, "USD");
        assert!(!t.contains("<script"));
        let s = money_steps("s", evil, evil, &[(evil.into(), 5.0), ("x".into(), 2.0)], "USD", false, 720.0);
        assert!(!s.contains("<script"));
    }

    #[test]
    fn ticks_are_nice() {
        assert_eq!(money_tick(1e6, "USD"), "$1M");
        assert_eq!(money_tick(2.5e6, "USD"), "$2.5M");
        assert_eq!(money_tick(250_000.0, "EUR"), "€250k");
        assert_eq!(money_tick(40.0, "CHF"), "40 CHF");
        let (ticks, top) = linear_ticks(0.43);
        assert_eq!(top, 0.5);
        assert_eq!(ticks.len(), 6);
        let (_, top) = linear_ticks(10.4e6);
        assert_eq!(top, 12.5e6);
    }

    #[test]
    fn lec_has_axes_curve_and_tolerance() {
        let pts: Vec<(f64, f64)> = (20..=32).map(|i| (10f64.powf(i as f64 / 4.0), 0.5 / (i - 19) as f64)).collect();
        let svg = loss_exceedance("lec", &pts, Some(Tolerance { amount: 1e7, exceedance: 0.08 }), "USD", 720.0);
        assert!(svg.contains(r#"class="curve""#) && svg.contains(r#"class="tolerance""#));
        assert!(svg.contains("$100k") && svg.contains("$10M"), "decade ticks: {svg}");
        assert!(svg.contains("<title id=\"lec-title\">") && svg.contains("<desc id=\"lec-desc\">"));
        assert!(svg.contains("tolerance $10M"));
        let none = loss_exceedance("lec", &[], None, "USD", 720.0);
        assert!(none.contains("No simulated year had a loss"));
    }

    #[test]
    fn long_paths_wrap_onto_a_second_row() {
        let nodes: Vec<PathNode> = (0..7).map(|i| PathNode { id: format!("n{i}"), role: "node" }).collect();
        let steps: Vec<PathStep> = (0..6)
            .map(|_| PathStep { technique: "T1078".into(), kind: "authenticates".into(), p: 0.8, requires: vec![] })
            .collect();
        let svg = path_diagram("p", "t", &nodes, &steps);
        assert_eq!(svg.matches("<rect").count(), 7);
        assert_eq!(svg.matches("marker-end").count(), 6);
    }
}
