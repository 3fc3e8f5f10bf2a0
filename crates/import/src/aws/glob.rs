//! IAM wildcard patterns (`*` any run of characters, `?` exactly one): matching a string, whether two
//! patterns share a string, and whether one pattern covers every string of another.

/// Whether `text` matches `pattern`. `fold` compares ASCII letters case-insensitively (actions);
/// resources compare exactly, and two ARNs component by component (a `*` never spans the `:`
/// between partition, service, region and account).
pub fn matches(pattern: &str, text: &str, fold: bool) -> bool {
    by_component(pattern, text, |p, t| plain_matches(p, t, fold))
}

/// Whether some string matches both patterns; ARNs component by component.
pub fn intersects(a: &str, b: &str, fold: bool) -> bool {
    by_component(a, b, |x, y| plain_intersects(x, y, fold))
}

/// Whether every string matching `template` matches `pattern`; ARNs component by component.
pub fn covers(pattern: &str, template: &str, fold: bool) -> bool {
    by_component(pattern, template, |p, t| plain_covers(p, t, fold))
}

/// Applies `f` to the first five `:`-separated components of two ARNs one by one and to the rest
/// (the resource, which may contain `:`) as a whole; other strings whole.
fn by_component(a: &str, b: &str, f: impl Fn(&str, &str) -> bool) -> bool {
    if !(a.starts_with("arn:") && b.starts_with("arn:")) {
        return f(a, b);
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.splitn(6, ':').collect(), b.splitn(6, ':').collect());
    let n = pa.len().min(pb.len());
    (0..n - 1).all(|i| f(pa[i], pb[i])) && f(&pa[n - 1..].join(":"), &pb[n - 1..].join(":"))
}

/// Wildcard matching of whole strings. Iterative with one backtrack point: linear in practice,
/// never exponential, whatever the pattern. ASCII strings (nearly all of IAM) are matched in place.
fn plain_matches(pattern: &str, text: &str, fold: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return match_units(pattern.as_bytes(), text.as_bytes(), |a, b| a == b || (fold && a.eq_ignore_ascii_case(&b)));
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    match_units(&p, &t, |a, b| same(a, b, fold))
}

/// The matcher over any unit (bytes or chars) with its equality.
fn match_units<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (star, any) = (T::from(b'*'), T::from(b'?'));
    let (mut i, mut j) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && p[i] != star && (p[i] == any || eq(p[i], t[j])) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == star {
            back = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = back {
            // Let the last star swallow one more character and retry.
            i = si + 1;
            j = sj + 1;
            back = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == star)
}

/// Whether some string matches both patterns (a policy's `lambda:Create*` and a rule's
/// attacker-chosen function name). Dynamic programming over both positions.
fn plain_intersects(a: &str, b: &str, fold: bool) -> bool {
    // A template without wildcards is one string: plain matching.
    if !b.contains(['*', '?']) {
        return plain_matches(a, b, fold);
    }
    if !a.contains(['*', '?']) {
        return plain_matches(b, a, fold);
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (m, n) = (a.len(), b.len());
    // reach[i][j]: the prefixes a[..i] and b[..j] can produce the same string.
    let mut reach = vec![vec![false; n + 1]; m + 1];
    reach[0][0] = true;
    for i in 0..=m {
        for j in 0..=n {
            if !reach[i][j] {
                continue;
            }
            if i < m && a[i] == '*' {
                reach[i + 1][j] = true;
                if j < n {
                    reach[i][j + 1] = true;
                }
            }
            if j < n && b[j] == '*' {
                reach[i][j + 1] = true;
                if i < m {
                    reach[i + 1][j] = true;
                }
            }
            if i < m && j < n && a[i] != '*' && b[j] != '*' && (a[i] == '?' || b[j] == '?' || same(a[i], b[j], fold)) {
                reach[i + 1][j + 1] = true;
            }
        }
    }
    reach[m][n]
}

/// Whether every string matching `template` also matches `pattern` (a deny on `iam:*` covers every
/// `iam:Put*`). A sufficient test: the pattern must match the template read as text, where a
/// template `*` may only be absorbed by a pattern `*` and a template `?` by a pattern `?` or `*`.
/// Exact for the patterns policies use (wildcards at segment ends); never claims coverage wrongly.
fn plain_covers(pattern: &str, template: &str, fold: bool) -> bool {
    if !template.contains(['*', '?']) {
        return plain_matches(pattern, template, fold);
    }
    if pattern == "*" {
        return true;
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), template.chars().collect());
    // ok[i][j]: p[i..] covers t[j..].
    let (m, n) = (p.len(), t.len());
    let mut ok = vec![vec![false; n + 1]; m + 1];
    ok[m][n] = true;
    for i in (0..=m).rev() {
        for j in (0..=n).rev() {
            if i == m && j == n {
                continue;
            }
            ok[i][j] = if i < m && p[i] == '*' {
                ok[i + 1][j] || (j < n && ok[i][j + 1])
            } else if i < m && j < n && t[j] != '*' && (p[i] == '?' || (t[j] != '?' && same(p[i], t[j], fold))) {
                ok[i + 1][j + 1]
            } else {
                false
            };
        }
    }
    ok[0][0]
}

fn same(a: char, b: char, fold: bool) -> bool {
    a == b || (fold && a.eq_ignore_ascii_case(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reference matcher written differently: plain recursion on the pattern's first character.
    fn reference(p: &[char], t: &[char], fold: bool) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|k| reference(rest, &t[k..], fold)),
            Some((&c, rest)) => !t.is_empty() && (c == '?' || same(c, t[0], fold)) && reference(rest, &t[1..], fold),
        }
    }

    /// Every string over `alphabet` up to `len` characters.
    fn strings(alphabet: &[char], len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn documented_examples() {
        assert!(matches("iam:Put*", "iam:PutUserPolicy", true));
        assert!(matches("IAM:put*", "iam:PutUserPolicy", true), "actions are case-insensitive");
        assert!(!matches("arn:aws:s3:::Prod/*", "arn:aws:s3:::prod/x", false), "resources are case-sensitive");
        assert!(matches("arn:aws:s3:::b?cket/*", "arn:aws:s3:::bucket/a/b", false));
        assert!(!matches("iam:Get?", "iam:Get", true));
        assert!(matches("*", "", false) && !matches("?", "", false));
        assert!(intersects("arn:aws:lambda:*:1:function:dev-*", "arn:aws:lambda:*:1:function:*", false));
        assert!(
            !intersects("arn:aws:lambda:*:2:function:*", "arn:aws:lambda:*:1:function:*", false),
            "accounts differ"
        );
        assert!(!matches("arn:aws:s3:::*", "arn:aws:iam::1:user/a", false), "a star stays in its component");
        assert!(matches("arn:aws:iam::*", "arn:aws:iam::1:user/a:b", false), "the last star takes the rest");
        assert!(matches("arn:aws:iam::1:*", "arn:aws:iam::1:user/x", false));
        assert!(covers("iam:*", "iam:put*", true) && !covers("iam:Put*", "iam:*", true));
        assert!(covers("*", "arn:aws:s3:::*/*", false) && !covers("arn:aws:s3:::a*", "arn:aws:s3:::*", false));
    }

    proptest! {
        #[test]
        fn matches_agrees_with_the_reference(p in "[ab*?]{0,7}", t in "[abAB]{0,7}", fold: bool) {
            let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
            prop_assert_eq!(plain_matches(&p, &t, fold), reference(&pc, &tc, fold));
        }

        #[test]
        fn intersects_and_covers_agree_with_enumeration(a in "[ab*?]{0,4}", b in "[ab*?]{0,4}") {
            // Strings up to 8 characters over {a, b, c} witness any intersection of these patterns: each
            // character of a shortest shared string comes from a literal or `?` of one of them.
            let all = strings(&['a', 'b', 'c'], 8);
            let brute = all.iter().any(|s| plain_matches(&a, s, false) && plain_matches(&b, s, false));
            prop_assert_eq!(plain_intersects(&a, &b, false), brute);
            if plain_covers(&a, &b, false) {
                for s in all.iter().filter(|s| plain_matches(&b, s, false)) {
                    prop_assert!(plain_matches(&a, s, false), "{} claimed to cover {} but misses {}", a, b, s);
                }
            }
        }
    }
}
