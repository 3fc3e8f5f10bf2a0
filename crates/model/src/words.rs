//! Numbers and nouns in words for every message and renderer: thousands separators, counts with
//! their noun in the singular or plural (`1 actor`, `2 actors`, `1,000 trials`).

/// An integer with thousands separators: `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with its noun, in the plural unless it is one, the count with thousands separators:
/// `1 actor`, `2 actors`, `1,000 trials`, `3 policies`, `2 matches`.
pub fn count(n: usize, noun: &str) -> String {
    format!("{} {}", thousands(n as u64), if n == 1 { noun.to_string() } else { plural(noun) })
}

/// The regular English plural of a noun (of its last word): `actor` → `actors`, `policy` →
/// `policies`, `key` → `keys`, `match` → `matches`.
pub fn plural(noun: &str) -> String {
    let vowel_before_y = noun.strip_suffix('y').and_then(|s| s.chars().last()).is_some_and(|c| "aeiou".contains(c));
    if noun.ends_with('y') && !vowel_before_y {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|end| noun.ends_with(end)) {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}
