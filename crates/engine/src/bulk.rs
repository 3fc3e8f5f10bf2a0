//! Sampling in bulk: lognormal magnitudes and `exp` over whole slices, in loops the compiler
//! vectorises (AVX-512 or AVX2 when the CPU has them), bit-identical to the scalar [`dist`] functions.
//!
//! Each kernel is one branch-free pass over the common case, then a scalar pass that recomputes the
//! rare elements the fast formula does not cover (normal-quantile tails, `exp` beyond ±708) with
//! the scalar function itself. The fast pass uses exactly the scalar function's operations in the
//! same order, without fused multiply-adds, so every element equals the scalar result bit for bit,
//! whatever the CPU: seeded runs stay reproducible across machines.

use crate::dist::{self, Fitted};
use crate::rng::{unit, word};

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
    dispatch!(lognormal_fast(draws, out));
    for (d, o) in draws.iter().zip(out.iter_mut()) {
        if o.is_nan() {
            *o = d.fit.lognormal_at(unit(word(d.key, d.counter)));
        }
    }
}

/// `xs[i] = dist::exp(xs[i])`.
pub fn exp(xs: &mut [f64]) {
    let slow: Vec<(usize, f64)> = xs.iter().enumerate().filter(|(_, x)| !exp_is_fast(**x)).map(|(i, x)| (i, *x)).collect();
    dispatch!(exp_fast(xs));
    for (i, x) in slow {
        xs[i] = dist::exp(x);
    }
}

#[inline(always)]
fn exp_is_fast(x: f64) -> bool {
    x.abs() <= dist::EXP_FAST_RANGE
}

/// Calls `$kernel` compiled for the best vector extension this CPU has.
macro_rules! dispatch {
    ($kernel:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the CPU has AVX-512 F and DQ (checked above), all the function enables.
                unsafe { wide::avx512::$kernel($($arg),*) };
            } else if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (checked above), all the function enables.
                unsafe { wide::avx2::$kernel($($arg),*) };
            } else {
                $kernel($($arg),*);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        $kernel($($arg),*);
    }};
}
use dispatch;

/// The fast pass: every element by the common-case formula, or NaN where it does not apply (a
/// tail quantile, or `exp` out of range), for the caller's scalar pass to overwrite.
#[inline(always)]
fn lognormal_fast(draws: &[Draw], out: &mut [f64]) {
    for (d, o) in draws.iter().zip(out.iter_mut()) {
        let u = unit(word(d.key, d.counter));
        let x = d.fit.mu + d.fit.sigma * dist::central_quantile(u);
        let value = dist::exp_fast(x.clamp(-dist::EXP_FAST_RANGE, dist::EXP_FAST_RANGE));
        *o = if dist::quantile_is_central(u) && exp_is_fast(x) { value } else { f64::NAN };
    }
}

#[inline(always)]
fn exp_fast(xs: &mut [f64]) {
    for x in xs.iter_mut() {
        *x = dist::exp_fast(x.clamp(-dist::EXP_FAST_RANGE, dist::EXP_FAST_RANGE));
    }
}

/// The kernels compiled with vector extensions enabled (callers check the CPU first).
#[cfg(target_arch = "x86_64")]
mod wide {
    macro_rules! kernels {
        ($name:ident, $features:literal) => {
            pub mod $name {
                use super::super::Draw;
                #[target_feature(enable = $features)]
                pub fn lognormal_fast(draws: &[Draw], out: &mut [f64]) {
                    super::super::lognormal_fast(draws, out)
                }
                #[target_feature(enable = $features)]
                pub fn exp_fast(xs: &mut [f64]) {
                    super::super::exp_fast(xs)
                }
            }
        };
    }
    kernels!(avx512, "avx512f,avx512dq,avx512vl");
    kernels!(avx2, "avx2");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_lognormal_equals_the_scalar_sampler_bit_for_bit() {
        let fits = [Fitted::lognormal(1e4, 1e6), Fitted::lognormal(0.1, 0.5), Fitted { mu: 600.0, sigma: 40.0 }];
        let draws: Vec<Draw> =
            (0..50_000u64).map(|i| Draw { key: 7 + i % 5, counter: i, fit: fits[(i % 3) as usize] }).collect();
        let mut out = Vec::new();
        lognormal(&draws, &mut out);
        for (d, o) in draws.iter().zip(&out) {
            assert_eq!(o.to_bits(), d.fit.lognormal_at(unit(word(d.key, d.counter))).to_bits());
        }
        // Tails and overflow occurred, so the scalar pass was exercised.
        assert!(out.iter().any(|x| x.is_infinite()));
        assert!(draws.iter().any(|d| !dist::quantile_is_central(unit(word(d.key, d.counter)))));
    }

    #[test]
    fn bulk_exp_equals_the_scalar_exp_bit_for_bit() {
        let xs: Vec<f64> = (0..20_000u64).map(|i| (unit(word(3, i)) - 0.5) * 1600.0).chain([f64::NAN, -0.0]).collect();
        let mut got = xs.clone();
        exp(&mut got);
        for (x, g) in xs.iter().zip(&got) {
            assert_eq!(g.to_bits(), dist::exp(*x).to_bits(), "x = {x}");
        }
    }
}
