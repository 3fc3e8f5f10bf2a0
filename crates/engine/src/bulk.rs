//! Sampling in bulk: lognormal magnitudes and `exp` over whole slices, in loops the compiler
//! vectorises ([`crate::simd`]), bit-identical to the scalar [`dist`] functions.
//!
//! Each kernel is one branch-free pass over the common case, then a scalar pass that recomputes the
//! rare elements the fast formula does not cover (normal-quantile tails, `exp` beyond ±708) with
//! the scalar function itself. The fast pass uses exactly the scalar function's operations in the
//! same order, without fused multiply-adds, so every element equals the scalar result bit for bit,
//! whatever the CPU: seeded runs stay reproducible across machines.

use crate::dist::{self, Fitted};
use crate::rng::{unit, word};
use crate::simd::multiversion;

/// One sample of a lognormal: `fit.lognormal_at(unit(word(key, counter)))`.
#[derive(Debug, Clone, Copy)]
pub struct Draw {
    pub key: u64,
    pub counter: u64,
    pub fit: Fitted,
}

/// `out[i] = draws[i].fit.lognormal_at(unit(word(draws[i].key, draws[i].counter)))`.
pub fn lognormal(draws: &[Draw], out: &mut Vec<f64>) {
    out.clear();
    out.resize(draws.len(), 0.0);
    lognormal_fast(draws, out);
    for (d, o) in draws.iter().zip(out.iter_mut()) {
        if o.is_nan() {
            *o = d.fit.lognormal_at(unit(word(d.key, d.counter)));
        }
    }
}

/// `xs[i] = dist::exp(xs[i])`.
pub fn exp(xs: &mut [f64]) {
    let slow: Vec<(usize, f64)> =
        xs.iter().enumerate().filter(|(_, x)| !exp_is_fast(**x)).map(|(i, x)| (i, *x)).collect();
    exp_fast(xs);
    for (i, x) in slow {
        xs[i] = dist::exp(x);
    }
}

#[inline(always)]
fn exp_is_fast(x: f64) -> bool {
    x.abs() <= dist::EXP_FAST_RANGE
}

/// The fast pass: every element by the common-case formula, or NaN where it does not apply (a
/// tail quantile, or `exp` out of range), for the caller's scalar pass to overwrite.
#[inline(always)]
fn lognormal_fast_body(draws: &[Draw], out: &mut [f64]) {
    for (d, o) in draws.iter().zip(out.iter_mut()) {
        let u = unit(word(d.key, d.counter));
        let x = d.fit.mu + d.fit.sigma * dist::central_quantile(u);
        let value = dist::exp_fast(x.clamp(-dist::EXP_FAST_RANGE, dist::EXP_FAST_RANGE));
        *o = if dist::quantile_is_central(u) && exp_is_fast(x) { value } else { f64::NAN };
    }
}

#[inline(always)]
fn exp_fast_body(xs: &mut [f64]) {
    for x in xs.iter_mut() {
        *x = dist::exp_fast(x.clamp(-dist::EXP_FAST_RANGE, dist::EXP_FAST_RANGE));
    }
}

multiversion! { fn lognormal_fast(draws: &[Draw], out: &mut [f64]) = lognormal_fast_body; }
multiversion! { fn exp_fast(xs: &mut [f64]) = exp_fast_body; }

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::Level;

    /// Every version of the kernels (the last one lifts the cap, leaving the CPU's best).
    const LEVELS: [Option<Level>; 3] = [Some(Level::Baseline), Some(Level::Avx2), None];

    #[test]
    fn bulk_lognormal_equals_the_scalar_sampler_bit_for_bit() {
        let fits = [Fitted::lognormal(1e4, 1e6), Fitted::lognormal(0.1, 0.5), Fitted { mu: 600.0, sigma: 40.0 }];
        let draws: Vec<Draw> =
            (0..50_000u64).map(|i| Draw { key: 7 + i % 5, counter: i, fit: fits[(i % 3) as usize] }).collect();
        let mut out = Vec::new();
        let _cap = crate::simd::CAP_LOCK.lock().unwrap();
        for cap in LEVELS {
            crate::simd::cap_level(cap);
            lognormal(&draws, &mut out);
            for (d, o) in draws.iter().zip(&out) {
                assert_eq!(o.to_bits(), d.fit.lognormal_at(unit(word(d.key, d.counter))).to_bits(), "{cap:?}");
            }
        }
        // Tails and overflow occurred, so the scalar pass was exercised.
        assert!(out.iter().any(|x| x.is_infinite()));
        assert!(draws.iter().any(|d| !dist::quantile_is_central(unit(word(d.key, d.counter)))));
    }

    #[test]
    fn bulk_exp_equals_the_scalar_exp_bit_for_bit() {
        let xs: Vec<f64> = (0..20_000u64).map(|i| (unit(word(3, i)) - 0.5) * 1600.0).chain([f64::NAN, -0.0]).collect();
        let _cap = crate::simd::CAP_LOCK.lock().unwrap();
        for cap in LEVELS {
            crate::simd::cap_level(cap);
            let mut got = xs.clone();
            exp(&mut got);
            for (x, g) in xs.iter().zip(&got) {
                assert_eq!(g.to_bits(), dist::exp(*x).to_bits(), "x = {x}, {cap:?}");
            }
        }
    }
}
