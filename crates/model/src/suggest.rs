//! "Did you mean …?" for misspelt keys, ids and kinds.
//! One function, used by every place that rejects a name from a known set.

/// The closest candidate to `word`, phrased as help, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate nearest to `word` by edit distance: within a third of the word's length, at least
/// 2 for words of four characters or more, 1 for shorter ones (so `x` does not suggest `id`).
/// Words longer than any name a person types get no suggestion, and candidates whose length alone
/// puts them beyond the limit are not compared, so the work stays small for hostile input.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const LONGEST: usize = 256;
    let len = word.chars().count();
    if len > LONGEST {
        return None;
    }
    let limit = if len < 4 { 1 } else { (len / 3).max(2) };
    candidates
        .into_iter()
        .filter(|c| c.len() <= 4 * (len + limit) && c.chars().count().abs_diff(len) <= limit)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("exploit", ["exploits", "phishes"]), Some("exploits"));
        assert_eq!(closest("crown_jewl", ["crown_jewel", "loss"]), Some("crown_jewel"));
        assert_eq!(closest("zzzz", ["exploits", "phishes"]), None);
        assert_eq!(closest("x", ["id", "kind"]), None);
        assert_eq!(closest("di", ["id", "kind"]), Some("id"));
        assert_eq!(closest("exploitsss", ["exploits"]), Some("exploits"));
    }

    /// A 4 MB reference against 100,000 ids took 24.6 s (issue 25 item 8): now no comparison runs.
    #[test]
    fn hostile_words_and_candidates_are_not_compared() {
        let word = "x".repeat(4_000_000);
        let ids: Vec<String> = (0..100_000).map(|i| format!("node-{i}")).collect();
        let started = std::time::Instant::now();
        assert_eq!(closest(&word, ids.iter().map(String::as_str)), None);
        let long = "y".repeat(1_000_000);
        assert_eq!(closest("node-1x", [long.as_str(), "node-1"]), Some("node-1"));
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
}
