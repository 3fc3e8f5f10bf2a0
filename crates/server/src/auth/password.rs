//! Passwords: argon2id hashes (RustCrypto's defaults: 19 MiB, 2 passes, 1 lane, OWASP's
//! minimum) in PHC string form, the length policy, and a verify that costs the same for
//! an unknown account.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest accepted password, in characters.
pub const MIN_CHARS: usize = 12;
/// Longest accepted password, in bytes (hashing cost is bounded by what is read).
pub const MAX_BYTES: usize = 1024;

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Why a password is refused, or nothing.
pub fn policy(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_CHARS {
        return Err(format!("a password has at least {MIN_CHARS} characters"));
    }
    if password.len() > MAX_BYTES {
        return Err(format!("a password has at most {MAX_BYTES} bytes"));
    }
    Ok(())
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness from the operating system: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// A hash of no password, checked against when the account does not exist, so that a login's
/// time does not tell whether a name exists.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zmy6fEdnmxdQvgnthKsoAX9nPQ0iXiyE7o7yEVAfTNo";

/// Whether `password` matches the PHC string `stored` (`None`: no such account, always false).
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    let phc = stored.unwrap_or(DUMMY);
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let ok = password.len() <= MAX_BYTES && hasher().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify_only_their_password() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "fresh salt each time");
        assert!(verify(Some(&a), "correct horse battery"));
        assert!(!verify(Some(&a), "correct horse batterz"));
        assert!(!verify(None, "correct horse battery"));
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_accounts_cost_a_full_verify() {
        assert!(PasswordHash::new(DUMMY).is_ok());
    }

    #[test]
    fn policy_counts_characters() {
        assert!(policy("short").is_err());
        assert!(policy("ééééééééééé").is_err(), "11 characters");
        assert!(policy("éééééééééééé").is_ok());
        assert!(policy(&"x".repeat(MAX_BYTES + 1)).is_err());
    }
}
