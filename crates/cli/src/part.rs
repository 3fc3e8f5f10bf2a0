//! The partial result `riskpath simulate --shard` writes and `riskpath merge` reads: one slice's
//! exact counts and losses, with the model's hash, the seed and options, versioned and checksummed.
//!
//! Layout (docs/cluster.md): the magic line `riskpath-part\n`, the header's length (u64, little
//! endian), the header (JSON), then little-endian arrays — hits (u64, per actor per target),
//! attempts (u64, per actor), annual losses (f64, per year of the slice), chunk losses (f64, per
//! chunk of 4096 years per scenario) — and last the SHA-256 of everything before it.

use riskpath_engine::tally::{Slice, Tally, chunk_count};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const MAGIC: &[u8] = b"riskpath-part\n";
/// The part format's version; a reader refuses any other.
pub const VERSION: u32 = 1;
const CHECKSUM_BYTES: usize = 32;
/// Largest header accepted (a header lists one count per actor).
const MAX_HEADER_BYTES: u64 = 64 << 20;

/// What a part belongs to and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub version: u32,
    /// The riskpath version that simulated it: the numbers are that version's.
    pub tool_version: String,
    /// SHA-256 of the model's files (`riskpath_assure::model_hash`).
    pub model_hash: String,
    /// The model path given to `simulate`, where `merge` loads it unless told otherwise.
    pub model: String,
    pub options: Options,
    /// Which shard (0-based) of how many.
    pub shard: u64,
    pub shards: u64,
    /// The scenario trials and years of the slice, `[start, end)`.
    pub trials: [u64; 2],
    pub years: [u64; 2],
    /// Per actor: how many targets it has (the shape of the hits).
    pub targets: Vec<usize>,
    /// Chunks of years in the slice.
    pub chunks: u64,
}

/// Everything besides the model that shapes the analysis `merge` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub trials: u64,
    pub years: u64,
    pub seed: u64,
    pub decision_trials: u64,
    pub paths: usize,
}

impl Header {
    pub fn slice(&self) -> Slice {
        Slice { trials: self.trials[0]..self.trials[1], years: self.years[0]..self.years[1] }
    }
}

/// The bytes of a part: header, tally, checksum.
pub fn encode(header: &Header, tally: &Tally) -> Vec<u8> {
    let json = serde_json::to_vec(header).expect("a header encodes");
    let mut out = Vec::with_capacity(MAGIC.len() + 8 + json.len() + 8 * tally.annual.len() + CHECKSUM_BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    let words = tally.hits.iter().flatten().chain(&tally.attempts).copied();
    let floats = tally.annual.iter().chain(tally.chunk_losses.iter().flatten()).map(|x| x.to_bits());
    for w in words.chain(floats) {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// Reads a part's bytes back, refusing anything that is not an intact part of this version.
pub fn decode(bytes: &[u8]) -> Result<(Header, Tally), String> {
    if !bytes.starts_with(MAGIC) {
        return Err("not a riskpath part (written by `riskpath simulate --shard`)".into());
    }
    if bytes.len() < MAGIC.len() + 8 + CHECKSUM_BYTES {
        return Err("truncated: shorter than a part's header and checksum".into());
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if Sha256::digest(body).as_slice() != checksum {
        return Err("checksum mismatch: the file is truncated, corrupted or was changed".into());
    }
    let mut reader = Reader { bytes: &body[MAGIC.len()..] };
    let header_len = reader.word()?;
    if header_len > MAX_HEADER_BYTES {
        return Err(format!("header of {header_len} bytes is over the limit"));
    }
    let header: Header =
        serde_json::from_slice(reader.take(header_len as usize)?).map_err(|e| format!("unreadable header: {e}"))?;
    if header.version != VERSION {
        return Err(format!("part format version {}; this riskpath reads version {VERSION}", header.version));
    }
    let tally = read_tally(&header, &mut reader)?;
    if !reader.bytes.is_empty() {
        return Err(format!("{} bytes after the data the header describes", reader.bytes.len()));
    }
    Ok((header, tally))
}

/// The arrays the header describes.
fn read_tally(header: &Header, reader: &mut Reader) -> Result<Tally, String> {
    let slice = header.slice();
    if slice.trials.start > slice.trials.end || slice.years.start > slice.years.end {
        return Err("its slice runs backwards".into());
    }
    if header.chunks != chunk_count(&slice.years) as u64 {
        return Err(format!("{} chunks of losses for years {:?}", header.chunks, slice.years));
    }
    // Every count is checked against the bytes present before anything is allocated for it.
    let scenarios = header.targets.iter().map(|&n| n as u128).sum::<u128>();
    let years = (slice.years.end - slice.years.start) as u128;
    let need = scenarios + header.targets.len() as u128 + years + header.chunks as u128 * scenarios;
    if need * 8 != reader.bytes.len() as u128 {
        return Err(format!("{} bytes of data where the header describes {}", reader.bytes.len(), need * 8));
    }
    let hits = header.targets.iter().map(|&n| reader.words(n)).collect::<Result<Vec<_>, _>>()?;
    let attempts = reader.words(header.targets.len())?;
    let (scenarios, years) = (scenarios as usize, years as usize);
    let annual = reader.floats(years)?;
    let chunk_losses = (0..header.chunks).map(|_| reader.floats(scenarios)).collect::<Result<Vec<_>, _>>()?;
    Ok(Tally { slice, hits, attempts, annual, chunk_losses })
}

/// Little-endian words from the front of a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err("truncated data".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn word(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("eight bytes")))
    }
    fn words(&mut self, n: usize) -> Result<Vec<u64>, String> {
        (0..n).map(|_| self.word()).collect()
    }
    fn floats(&mut self, n: usize) -> Result<Vec<f64>, String> {
        (0..n).map(|_| self.word().map(f64::from_bits)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Header, Tally) {
        let tally = Tally {
            slice: Slice { trials: 64..128, years: 4096..4099 },
            hits: vec![vec![3, 4], vec![], vec![5]],
            attempts: vec![7, 0, 9],
            annual: vec![0.0, 1.5, f64::MAX],
            chunk_losses: vec![vec![0.25, -0.0, 1e300]],
        };
        let header = Header {
            version: VERSION,
            tool_version: "0.1.0".into(),
            model_hash: "ab".repeat(32),
            model: "m".into(),
            options: Options { trials: 200, years: 9000, seed: 7, decision_trials: 256, paths: 5 },
            shard: 1,
            shards: 3,
            trials: [64, 128],
            years: [4096, 4099],
            targets: vec![2, 0, 1],
            chunks: 1,
        };
        (header, tally)
    }

    #[test]
    fn a_part_reads_back_bit_for_bit() {
        let (header, tally) = sample();
        let (h, t) = decode(&encode(&header, &tally)).unwrap();
        assert_eq!(h, header);
        assert_eq!(t.hits, tally.hits);
        let bits =
            |t: &Tally| t.annual.iter().chain(t.chunk_losses.iter().flatten()).map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&t), bits(&tally), "-0.0 and extremes survive");
        assert_eq!((t.slice, t.attempts), (tally.slice, tally.attempts));
    }

    #[test]
    fn every_changed_byte_and_every_truncation_is_refused() {
        let (header, tally) = sample();
        let bytes = encode(&header, &tally);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(decode(&bad).is_err(), "byte {i} changed");
        }
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "cut at {n}");
        }
        assert!(decode(b"{\"version\": 1}").unwrap_err().contains("not a riskpath part"));
    }

    #[test]
    fn a_consistent_but_wrong_shape_or_version_is_refused_even_with_a_good_checksum() {
        let (mut header, tally) = sample();
        header.targets = vec![2, 0, 2];
        assert!(decode(&encode(&header, &tally)).unwrap_err().contains("the header describes"));
        let (mut header, tally) = sample();
        header.chunks = 2;
        assert!(decode(&encode(&header, &tally)).unwrap_err().contains("2 chunks of losses"));
        let (mut header, tally) = sample();
        header.version = 2;
        assert!(decode(&encode(&header, &tally)).unwrap_err().contains("version 2"));
        let (mut header, tally) = sample();
        header.years = [4099, 4096];
        assert!(decode(&encode(&header, &tally)).unwrap_err().contains("backwards"));
        // Counts that would overflow or loop without end, with the bytes to match them.
        let (mut header, mut tally) = sample();
        header.targets = vec![usize::MAX, 2];
        assert!(decode(&encode(&header, &tally)).is_err());
        (header.targets, tally.hits) = (vec![], vec![]);
        (header.chunks, tally.chunk_losses) = (u64::MAX, vec![]);
        assert!(decode(&encode(&header, &tally)).unwrap_err().contains("chunks of losses"));
    }
}
