//! Shared text for the ids and kinds an edge names: [`Name`] (one allocation per distinct string,
//! read as `&str`) and [`Names`], the loader's table that hands out one `Name` per distinct text.
//!
//! A model of 10^7 edges names each node about sixteen times (as edges' `from` and `to`) and a
//! handful of kinds ten million times: held once each, the edges own no text of their own.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

/// A string shared by every item that names it; reads as `&str` (compare, print, borrow, hash
/// exactly as the `str`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Shards of [`Names`]: threads reading different files seldom wait for one another.
const SHARDS: usize = 16;

/// The table of a load's names: [`Names::get`] returns the same [`Name`] for equal texts, from any
/// thread. Cloning shares the table; it lives as long as the load and holds nothing afterwards.
#[derive(Clone, Default)]
pub struct Names {
    shards: Arc<[Mutex<HashSet<Name>>; SHARDS]>,
    hasher: std::hash::RandomState,
}

impl Names {
    /// The shared name for `text`, made on its first use.
    pub fn get(&self, text: &str) -> Name {
        let hash = self.hasher.hash_one(text);
        let shard = &self.shards[(hash >> 58) as usize % SHARDS];
        // A poisoned shard only means another thread panicked mid-insert; the set is still whole.
        let mut set = shard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = set.get(text) {
            return found.clone();
        }
        let name = Name::from(text);
        set.insert(name.clone());
        name
    }
}

impl fmt::Debug for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Names")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation_across_threads() {
        let names = Names::default();
        let texts: Vec<String> = (0..1000).map(|i| format!("n{}", i % 37)).collect();
        let got: Vec<Vec<Name>> = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..4).map(|_| s.spawn(|| texts.iter().map(|t| names.get(t)).collect::<Vec<_>>())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for run in &got {
            for (name, text) in run.iter().zip(&texts) {
                assert_eq!(name, text);
                assert!(Arc::ptr_eq(&name.0, &names.get(text).0), "{text} has one allocation");
            }
        }
        let distinct: HashSet<*const u8> = got.iter().flatten().map(|n| n.0.as_ptr()).collect();
        assert_eq!(distinct.len(), 37);
    }

    #[test]
    fn a_name_reads_compares_and_prints_as_its_text() {
        let n = Name::from("web-1");
        assert_eq!(n, "web-1");
        assert_eq!("web-1", n);
        assert_eq!(n, String::from("web-1"));
        assert_eq!(format!("{n} {n:?}"), format!("{} {:?}", "web-1", "web-1"));
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"web-1\"");
        assert_eq!(n.len(), 5);
        let set: HashSet<Name> = [n.clone()].into();
        assert!(set.contains("web-1"));
    }
}
