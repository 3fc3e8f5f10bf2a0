//! Campaigns in the simulation: how many members of a population one attempt reaches (`K`, drawn
//! per trial) and which ones (uniformly without replacement, by Floyd's algorithm).
//!
//! `K` is the campaign's `reach`: a whole number, or the lognormal fitted to a 90% interval,
//! rounded to the nearest whole number; either way clamped to `[0, N]` for a population of `N`.
//! Trial `j` of a run draws `K` from word 0 of the stream `key(seed, CAMPAIGN, stream, campaign, j)`
//! and its `i`-th pick from word `1 + i`, so the members a trial reaches do not depend on how
//! trials are batched, grouped or spread over threads.

use riskpath_model::Estimate;

use crate::dist::Fitted;
use crate::rng::{extend, unit, word};

/// The distribution of the number of members one attempt reaches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    /// How many members the population has.
    pub population: u32,
    count: Count,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Count {
    Fixed(u32),
    LogNormal(Fitted),
}

impl Reach {
    /// `reach` over a population of `population` members.
    pub fn new(reach: &Estimate, population: usize) -> Self {
        let population = population.min(u32::MAX as usize) as u32;
        let count = match *reach {
            Estimate::Point(k) => Count::Fixed(k.clamp(0.0, population as f64).round() as u32),
            Estimate::Interval { low, high } => Count::LogNormal(Fitted::lognormal(low, high)),
        };
        Reach { population, count }
    }

    /// Whether every attempt reaches every member (then the campaign changes nothing).
    pub fn reaches_all(&self) -> bool {
        matches!(self.count, Count::Fixed(k) if k >= self.population)
    }

    /// `K` for the uniform `u` in (0, 1).
    #[inline]
    pub fn count_at(&self, u: f64) -> u32 {
        match self.count {
            Count::Fixed(k) => k,
            Count::LogNormal(fit) => fit.lognormal_at(u).round().min(self.population as f64) as u32,
        }
    }

    /// `P(K ≤ k)`, exact: `P(X < k + ½)` for the lognormal `X` behind an interval.
    pub fn cdf(&self, k: u32) -> f64 {
        if k >= self.population {
            return 1.0;
        }
        match self.count {
            Count::Fixed(fixed) => f64::from(u8::from(k >= fixed)),
            Count::LogNormal(fit) => normal_cdf(((f64::from(k) + 0.5).ln() - fit.mu) / fit.sigma),
        }
    }

    /// `P(K = k)`.
    pub fn pmf(&self, k: u32) -> f64 {
        let below = if k == 0 { 0.0 } else { self.cdf(k - 1) };
        (self.cdf(k) - below).max(0.0)
    }

    /// `P(a given member is reached) = E[K] / N` (the members are exchangeable).
    pub fn member_probability(&self) -> f64 {
        if self.population == 0 {
            return 0.0;
        }
        let expected = match self.count {
            Count::Fixed(k) => f64::from(k),
            // E[K] = Σ_{k=1}^{N} P(K ≥ k), summed from the top so that the small terms come first.
            Count::LogNormal(_) => (1..=self.population).rev().map(|k| 1.0 - self.cdf(k - 1)).sum(),
        };
        expected / f64::from(self.population)
    }

    /// Chooses the members one trial reaches, from the trial's stream key `k`: calls
    /// `insert(member)` for each, which marks it and says whether it was new. Floyd's algorithm:
    /// for `j` in `N − K .. N`, pick `t` uniform in `[0, j]`; take `t`, or `j` if `t` is taken.
    #[inline]
    pub fn choose(&self, k: u64, mut insert: impl FnMut(u32) -> bool) {
        let n = self.population;
        let count = self.count_at(unit(word(k, 0)));
        for (i, j) in (n - count..n).enumerate() {
            // Uniform in [0, j] by a multiply-shift (bias below (j + 1)/2^64).
            let t = ((u128::from(word(k, 1 + i as u64)) * (u128::from(j) + 1)) >> 64) as u32;
            if !insert(t) {
                insert(j);
            }
        }
    }
}

/// The stream key of trial `trial` of a campaign, from `prefix = key(&[seed, CAMPAIGN, stream, campaign])`.
#[inline]
pub fn trial_key(prefix: u64, trial: u64) -> u64 {
    extend(prefix, trial)
}

/// The standard normal CDF, `½·erfc(−z/√2)`, accurate to a few ulps in both tails.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floyd_chooses_every_subset_of_each_size_equally_often() {
        // N = 5, K = 2: each of the 10 pairs with probability 1/10.
        let reach = Reach::new(&Estimate::Point(2.0), 5);
        let mut counts = std::collections::HashMap::new();
        let trials = 200_000u64;
        for t in 0..trials {
            let mut set = 0u32;
            reach.choose(crate::rng::key(&[3, t]), |m| {
                let new = set & (1 << m) == 0;
                set |= 1 << m;
                new
            });
            assert_eq!(set.count_ones(), 2);
            *counts.entry(set).or_insert(0u64) += 1;
        }
        assert_eq!(counts.len(), 10);
        for (&set, &c) in &counts {
            let f = c as f64 / trials as f64;
            let se = (0.1f64 * 0.9 / trials as f64).sqrt();
            assert!((f - 0.1).abs() < 4.0 * se, "subset {set:05b}: {f}");
        }
    }

    #[test]
    fn interval_counts_follow_the_rounded_clamped_lognormal() {
        let reach = Reach::new(&Estimate::Interval { low: 1.0, high: 6.0 }, 8);
        let total: f64 = (0..=8).map(|k| reach.pmf(k)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let trials = 400_000u64;
        let mut seen = [0u64; 9];
        for t in 0..trials {
            seen[reach.count_at(unit(word(crate::rng::key(&[9, t]), 0))) as usize] += 1;
        }
        for (k, &c) in seen.iter().enumerate() {
            let p = reach.pmf(k as u32);
            let se = (p * (1.0 - p) / trials as f64).sqrt();
            assert!((c as f64 / trials as f64 - p).abs() < 4.0 * se + 1e-6, "K = {k}: {c} vs {p}");
        }
        let mean: f64 = (0..=8).map(|k| k as f64 * reach.pmf(k)).sum::<f64>() / 8.0;
        assert!((reach.member_probability() - mean).abs() < 1e-12);
    }

    #[test]
    fn fixed_counts_are_clamped_to_the_population() {
        assert!(Reach::new(&Estimate::Point(9.0), 4).reaches_all());
        assert_eq!(Reach::new(&Estimate::Point(3.0), 4).member_probability(), 0.75);
        assert_eq!(Reach::new(&Estimate::Point(3.0), 4).pmf(3), 1.0);
    }
}
