//! Counter-based randomness: every random word is a pure function of (seed, stream, counters),
//! so results do not depend on thread count or on the order work is visited.

use std::convert::Infallible;

pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective mix with full avalanche.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A key for one stream of words, from a seed and any number of counters (domain, batch, edge…).
#[inline]
pub fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5851_F42D_4C95_7F2D, |k, &p| extend(k, p))
}

/// The key of `parts` followed by `part`, from the key of `parts`:
/// `extend(key(&[a, b]), c) == key(&[a, b, c])`. Lets hot loops reuse a common prefix.
#[inline(always)]
pub fn extend(k: u64, part: u64) -> u64 {
    mix64(k ^ mix64(part.wrapping_add(GAMMA)))
}

/// A stable 64-bit key of a text (a model id): its bytes, eight at a time, folded with
/// [`extend`] after its length. The same id gives the same key in any model version, on any
/// platform, so draws keyed by ids survive reordering and insertions (common random numbers
/// across versions).
pub fn text_key(text: &str) -> u64 {
    text.as_bytes().chunks(8).fold(extend(0x243F_6A88_85A3_08D3, text.len() as u64), |k, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        extend(k, u64::from_le_bytes(word))
    })
}

/// Word `i` of the stream with key `k`.
#[inline(always)]
pub fn word(k: u64, i: u64) -> u64 {
    mix64(k.wrapping_add(i.wrapping_mul(GAMMA)))
}

/// A uniform in (0, 1) from a word: 53 random bits, never exactly 0 or 1.
#[inline(always)]
pub fn unit(w: u64) -> f64 {
    ((w >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A sequential generator over one counter-based stream, for use with `rand_distr`.
#[derive(Debug, Clone)]
pub struct Stream {
    key: u64,
    counter: u64,
}

impl Stream {
    pub fn new(parts: &[u64]) -> Self {
        Stream { key: key(parts), counter: 0 }
    }
    /// The stream whose key is `key` (e.g. `extend(prefix, i)` for a prefix shared by many).
    pub fn from_key(key: u64) -> Self {
        Stream { key, counter: 0 }
    }
    #[inline]
    pub fn next_word(&mut self) -> u64 {
        let w = word(self.key, self.counter);
        self.counter += 1;
        w
    }
    #[inline]
    pub fn next_unit(&mut self) -> f64 {
        unit(self.next_word())
    }
}

impl rand::TryRng for Stream {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let w = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_pure_functions_of_their_counters() {
        assert_eq!(word(key(&[1, 2, 3]), 7), word(key(&[1, 2, 3]), 7));
        assert_ne!(key(&[1, 2, 3]), key(&[1, 3, 2]));
        assert_ne!(key(&[1, 2]), key(&[1, 2, 0]));
        assert_eq!(extend(extend(key(&[1, 2]), 3), 4), key(&[1, 2, 3, 4]));
    }

    #[test]
    fn text_keys_depend_on_every_byte_and_the_length() {
        assert_eq!(text_key("web"), text_key("web"));
        assert_ne!(text_key("web"), text_key("weba"));
        assert_ne!(text_key("a"), text_key("a\0"));
        assert_ne!(text_key("abcdefgh1"), text_key("abcdefgh2"));
        assert_ne!(text_key(""), text_key("\0"));
    }

    #[test]
    fn words_have_balanced_bits_and_uniforms_are_uniform() {
        let k = key(&[42]);
        let n = 200_000u64;
        let ones: u64 = (0..n).map(|i| word(k, i).count_ones() as u64).sum();
        let mean_bits = ones as f64 / n as f64;
        assert!((mean_bits - 32.0).abs() < 0.05, "{mean_bits}");
        let mean_u: f64 = (0..n).map(|i| unit(word(k, i))).sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.003, "{mean_u}");
    }
}
