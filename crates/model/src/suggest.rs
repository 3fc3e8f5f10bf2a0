//! "Did you mean …?" for misspelt keys, ids and kinds.
//! One function, used by every place that rejects a name from a known set.

/// The closest candidate to `word`, phrased as help, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate nearest to `word` by edit distance: within a third of the word's length, at least
/// 2 for words of four characters or more, 1 for shorter ones (so `x` does not suggest `id`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = if len < 4 { 1 } else { (len / 3).max(2) };
    candidates
        .into_iter()
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
    }
}
