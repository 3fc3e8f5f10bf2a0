//! ATT&CK import: techniques (with tactics and sub-techniques), mitigations, groups and their
//! relationships from a MITRE STIX 2.x bundle, kept as a compact JSON cache so later loads are fast.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Version of the cache format; a cache of another version is ignored and rebuilt.
pub const CACHE_FORMAT: u32 = 1;
/// The largest bundle or cache file read (the full Enterprise bundle is about 50 MB).
pub const MAX_FILE_BYTES: u64 = 512 << 20;
/// File name suffix of caches; model directories skip files with this suffix.
pub const CACHE_SUFFIX: &str = ".riskpath-cache.json";
/// The key every cache starts with, so a cache is told from a bundle by its first bytes.
const CACHE_MARKER: &[u8] = b"{\"riskpath_attack_cache\":";

/// Why a bundle or cache could not be read: one line, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackError(pub String);

impl fmt::Display for AttackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AttackError {}

fn fail(path: &Path, why: impl fmt::Display) -> AttackError {
    AttackError(format!("{}: {why}", path.display()))
}

/// Whether an ATT&CK object is still current, and what replaced it if not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    #[serde(default, skip_serializing_if = "is_false")]
    pub revoked: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// The ATT&CK id of the object that replaces a revoked one (its `revoked-by` relationship).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
}

impl Status {
    /// Neither revoked nor deprecated.
    pub fn is_current(&self) -> bool {
        !self.revoked && !self.deprecated
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_current_status(s: &Status) -> bool {
    s.is_current() && s.revoked_by.is_none()
}

/// An ATT&CK technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technique {
    /// `T1078` or `T1078.004`.
    pub id: String,
    /// ATT&CK's name; for a sub-technique its own part only (see [`Catalog::technique_name`]).
    pub name: String,
    /// Tactic short names, e.g. `initial-access`.
    pub tactics: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub subtechnique: bool,
    #[serde(default, skip_serializing_if = "is_current_status")]
    pub status: Status,
}

/// An ATT&CK mitigation (course of action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mitigation {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "is_current_status")]
    pub status: Status,
}

/// An ATT&CK group (intrusion set) and the techniques it is known to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// `G0016`.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "is_current_status")]
    pub status: Status,
    /// Technique ids from its `uses` relationships, sorted.
    pub uses: Vec<String>,
}

/// Size and modification time of the bundle a cache was made from: a cache is fresh while they match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub bytes: u64,
    pub modified_ns: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(Stamp { bytes: meta.len(), modified_ns: modified.as_nanos() as u64 })
    }
}

/// How many of each thing a catalog holds (what `kb import-attack` prints).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Techniques that are not sub-techniques (current, revoked and deprecated).
    pub techniques: usize,
    pub subtechniques: usize,
    pub mitigations: usize,
    pub groups: usize,
    /// Revoked or deprecated techniques, mitigations and groups.
    pub revoked: usize,
    pub deprecated: usize,
    pub mitigates: usize,
    pub uses: usize,
    pub subtechnique_of: usize,
    /// Revoked objects whose replacement the bundle names.
    pub revoked_by: usize,
    /// Of the above, those neither revoked nor deprecated.
    pub current_techniques: usize,
    pub current_subtechniques: usize,
    pub current_mitigations: usize,
    pub current_groups: usize,
}

/// The ATT&CK knowledge of one bundle: what riskpath uses of it, indexed by ATT&CK id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// The cache format; serialized first so a cache is recognised by its first bytes.
    pub riskpath_attack_cache: u32,
    /// The bundle this was imported from, if it was a file.
    #[serde(default)]
    pub stamp: Option<Stamp>,
    /// The ATT&CK version from the bundle's `x-mitre-collection`, when it has one.
    #[serde(default)]
    pub version: Option<String>,
    /// Sorted by id.
    pub techniques: Vec<Technique>,
    pub mitigations: Vec<Mitigation>,
    pub groups: Vec<Group>,
    /// (mitigation id, technique id) of every `mitigates` relationship, sorted.
    pub mitigates: Vec<(String, String)>,
    /// (sub-technique id, parent id) of every `subtechnique-of` relationship, sorted.
    pub subtechnique_of: Vec<(String, String)>,
    #[serde(skip)]
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    techniques: HashMap<String, usize>,
    mitigations: HashMap<String, usize>,
    /// Lower-cased group id, name and aliases.
    groups: HashMap<String, usize>,
    parents: HashMap<String, String>,
    /// Technique id → indices into `mitigations`.
    mitigations_of: HashMap<String, Vec<usize>>,
}

impl Catalog {
    fn build_index(&mut self) {
        let mut ix = Index::default();
        for (i, t) in self.techniques.iter().enumerate() {
            ix.techniques.insert(t.id.clone(), i);
        }
        for (i, m) in self.mitigations.iter().enumerate() {
            ix.mitigations.insert(m.id.clone(), i);
        }
        // Names and aliases after ids, and current groups last, so a current group wins a shared alias.
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&i| self.groups[i].status.is_current());
        for &i in &order {
            let g = &self.groups[i];
            for name in std::iter::once(&g.name).chain(&g.aliases) {
                ix.groups.insert(name.to_lowercase(), i);
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            ix.groups.insert(g.id.to_lowercase(), i);
        }
        for (sub, parent) in &self.subtechnique_of {
            ix.parents.insert(sub.clone(), parent.clone());
        }
        for (m, t) in &self.mitigates {
            if let Some(&mi) = ix.mitigations.get(m) {
                ix.mitigations_of.entry(t.clone()).or_default().push(mi);
            }
        }
        self.index = ix;
    }

    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.index.techniques.get(id).map(|&i| &self.techniques[i])
    }

    pub fn mitigation(&self, id: &str) -> Option<&Mitigation> {
        self.index.mitigations.get(id).map(|&i| &self.mitigations[i])
    }

    /// A group by id (`G0016`), name or alias (`APT29`, `Cozy Bear`), ignoring case.
    pub fn group(&self, query: &str) -> Option<&Group> {
        self.index.groups.get(&query.trim().to_lowercase()).map(|&i| &self.groups[i])
    }

    /// The parent of a sub-technique (from `subtechnique-of`, else from the id).
    pub fn parent<'a>(&'a self, id: &'a str) -> Option<&'a str> {
        match self.index.parents.get(id) {
            Some(p) => Some(p),
            None => id.split_once('.').map(|(p, _)| p),
        }
    }

    /// The technique's full name as ATT&CK shows it: `Valid Accounts: Cloud Accounts` for a sub-technique.
    pub fn technique_name(&self, id: &str) -> Option<String> {
        let t = self.technique(id)?;
        let parent = self.parent(id).filter(|_| t.subtechnique || id.contains('.')).and_then(|p| self.technique(p));
        Some(match parent {
            Some(p) => format!("{}: {}", p.name, t.name),
            None => t.name.clone(),
        })
    }

    /// Where a revoked technique's `revoked-by` chain ends (the technique itself when it is not revoked).
    pub fn current_technique<'a>(&'a self, id: &'a str) -> &'a str {
        let mut at = id;
        for _ in 0..16 {
            match self.technique(at).and_then(|t| t.status.revoked_by.as_deref()) {
                Some(next) if next != at => at = next,
                _ => break,
            }
        }
        at
    }

    /// Current mitigations linked by `mitigates` to the technique or to its parent, sorted by id.
    pub fn mitigations_for(&self, technique: &str) -> Vec<&Mitigation> {
        let parent = self.parent(technique).filter(|p| *p != technique);
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for t in std::iter::once(technique).chain(parent) {
            found.extend(self.index.mitigations_of.get(t).into_iter().flatten().copied());
        }
        found.into_iter().map(|i| &self.mitigations[i]).filter(|m| m.status.is_current()).collect()
    }

    /// The techniques a group is known to use: follows the group's and each technique's `revoked-by`
    /// replacements; sorted and unique.
    pub fn group_techniques(&self, group: &Group) -> Vec<String> {
        let mut g = group;
        for _ in 0..16 {
            match g.status.revoked_by.as_deref().and_then(|r| self.group(r)) {
                Some(next) if next.id != g.id => g = next,
                _ => break,
            }
        }
        let set: BTreeSet<String> = g.uses.iter().map(|t| self.current_technique(t).to_string()).collect();
        set.into_iter().collect()
    }

    pub fn counts(&self) -> Counts {
        let statuses = self
            .techniques
            .iter()
            .map(|t| &t.status)
            .chain(self.mitigations.iter().map(|m| &m.status))
            .chain(self.groups.iter().map(|g| &g.status));
        let (mut revoked, mut deprecated, mut revoked_by) = (0, 0, 0);
        for s in statuses {
            revoked += s.revoked as usize;
            deprecated += s.deprecated as usize;
            revoked_by += s.revoked_by.is_some() as usize;
        }
        let subtechniques = self.techniques.iter().filter(|t| t.subtechnique).count();
        Counts {
            techniques: self.techniques.len() - subtechniques,
            subtechniques,
            mitigations: self.mitigations.len(),
            groups: self.groups.len(),
            revoked,
            deprecated,
            mitigates: self.mitigates.len(),
            uses: self.groups.iter().map(|g| g.uses.len()).sum(),
            subtechnique_of: self.subtechnique_of.len(),
            revoked_by,
            current_techniques: self.techniques.iter().filter(|t| !t.subtechnique && t.status.is_current()).count(),
            current_subtechniques: self.techniques.iter().filter(|t| t.subtechnique && t.status.is_current()).count(),
            current_mitigations: self.mitigations.iter().filter(|m| m.status.is_current()).count(),
            current_groups: self.groups.iter().filter(|g| g.status.is_current()).count(),
        }
    }
}

// --- Reading a STIX bundle -------------------------------------------------------------------

#[derive(Deserialize)]
struct RawBundle {
    #[serde(rename = "type")]
    kind: Option<String>,
    objects: Option<Vec<RawObject>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawObject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    name: Option<String>,
    revoked: Option<bool>,
    x_mitre_deprecated: Option<bool>,
    x_mitre_is_subtechnique: Option<bool>,
    x_mitre_version: Option<String>,
    external_references: Option<Vec<RawReference>>,
    kill_chain_phases: Option<Vec<RawPhase>>,
    aliases: Option<Vec<String>>,
    relationship_type: Option<String>,
    source_ref: Option<String>,
    target_ref: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawReference {
    source_name: Option<String>,
    external_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPhase {
    kill_chain_name: Option<String>,
    phase_name: Option<String>,
}

impl RawObject {
    fn attack_id(&self) -> Option<&str> {
        self.external_references
            .as_deref()?
            .iter()
            .find(|r| r.source_name.as_deref() == Some("mitre-attack"))?
            .external_id
            .as_deref()
    }
    fn status(&self) -> Status {
        Status {
            revoked: self.revoked.unwrap_or(false),
            deprecated: self.x_mitre_deprecated.unwrap_or(false),
            revoked_by: None,
        }
    }
}

/// Inserts `item` under `id` unless a current object already holds the id (ATT&CK reuses the id of
/// a revoked object for its replacement now and then; the current one wins).
fn insert_current<T>(map: &mut HashMap<String, T>, id: &str, item: T, status: impl Fn(&T) -> &Status) {
    let keep_old = map.get(id).is_some_and(|old| status(old).is_current() && !status(&item).is_current());
    if !keep_old {
        map.insert(id.to_string(), item);
    }
}

/// Reads an ATT&CK STIX 2.x bundle (JSON text) as MITRE publishes it. `name` is used in messages.
pub fn parse_bundle(bytes: &[u8], name: &Path) -> Result<Catalog, AttackError> {
    let bundle: RawBundle = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => fail(name, format!("not an ATT&CK STIX bundle: {e}")),
        _ => fail(name, format!("not valid JSON: {e}")),
    })?;
    if bundle.kind.as_deref() != Some("bundle") {
        return Err(fail(name, "not a STIX bundle: the top-level object needs \"type\": \"bundle\"")
            .with_hint("download enterprise-attack.json from github.com/mitre-attack/attack-stix-data"));
    }
    let Some(objects) = bundle.objects else {
        return Err(fail(name, "not a STIX bundle: it has no `objects` list"));
    };

    let mut techniques: HashMap<String, Technique> = HashMap::new();
    let mut mitigations: HashMap<String, Mitigation> = HashMap::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    let mut version = None;
    // STIX id → (type, ATT&CK id) of the objects relationships may connect.
    let mut by_stix: HashMap<&str, (&str, &str)> = HashMap::new();
    for o in &objects {
        if o.kind == "x-mitre-collection" {
            version = o.x_mitre_version.clone().or(version);
            continue;
        }
        let Some(id) = o.attack_id() else { continue };
        let name = o.name.clone().unwrap_or_default();
        match o.kind.as_str() {
            "attack-pattern" => {
                let tactics = o
                    .kill_chain_phases
                    .iter()
                    .flatten()
                    .filter(|p| p.kill_chain_name.as_deref() == Some("mitre-attack"))
                    .filter_map(|p| p.phase_name.clone())
                    .collect();
                let subtechnique = o.x_mitre_is_subtechnique.unwrap_or(id.contains('.'));
                let t = Technique { id: id.to_string(), name, tactics, subtechnique, status: o.status() };
                insert_current(&mut techniques, id, t, |t| &t.status);
            }
            "course-of-action" => {
                insert_current(
                    &mut mitigations,
                    id,
                    Mitigation { id: id.to_string(), name, status: o.status() },
                    |m| &m.status,
                );
            }
            "intrusion-set" => {
                let aliases = o.aliases.clone().unwrap_or_default().into_iter().filter(|a| *a != name).collect();
                let g = Group { id: id.to_string(), name, aliases, status: o.status(), uses: Vec::new() };
                insert_current(&mut groups, id, g, |g| &g.status);
            }
            _ => continue,
        }
        by_stix.insert(o.id.as_str(), (o.kind.as_str(), id));
    }
    if techniques.is_empty() {
        return Err(fail(
            name,
            "no ATT&CK techniques in this bundle (attack-pattern objects with a `mitre-attack` external id)",
        )
        .with_hint("riskpath reads the Enterprise ATT&CK bundle, e.g. enterprise-attack-18.1.json"));
    }

    let mut mitigates = BTreeSet::new();
    let mut subtechnique_of = BTreeSet::new();
    let mut uses: HashMap<String, BTreeSet<String>> = HashMap::new();
    for o in objects.iter().filter(|o| o.kind == "relationship" && o.status().is_current()) {
        let end = |r: &Option<String>| r.as_deref().and_then(|r| by_stix.get(r)).copied();
        let (Some((source_kind, source)), Some((target_kind, target))) = (end(&o.source_ref), end(&o.target_ref))
        else {
            continue;
        };
        match (o.relationship_type.as_deref().unwrap_or(""), source_kind, target_kind) {
            ("mitigates", "course-of-action", "attack-pattern") => {
                mitigates.insert((source.to_string(), target.to_string()));
            }
            ("subtechnique-of", "attack-pattern", "attack-pattern") => {
                subtechnique_of.insert((source.to_string(), target.to_string()));
            }
            ("uses", "intrusion-set", "attack-pattern") => {
                uses.entry(source.to_string()).or_default().insert(target.to_string());
            }
            ("revoked-by", a, b) if a == b && source != target => {
                let status = match a {
                    "attack-pattern" => techniques.get_mut(source).map(|t| &mut t.status),
                    "course-of-action" => mitigations.get_mut(source).map(|m| &mut m.status),
                    "intrusion-set" => groups.get_mut(source).map(|g| &mut g.status),
                    _ => None,
                };
                if let Some(status) = status.filter(|s| s.revoked) {
                    status.revoked_by = Some(target.to_string());
                }
            }
            _ => {}
        }
    }
    for (g, used) in uses {
        if let Some(group) = groups.get_mut(&g) {
            group.uses = used.into_iter().collect();
        }
    }
    let mut techniques: Vec<Technique> = techniques.into_values().collect();
    techniques.sort_by(|a, b| a.id.cmp(&b.id));
    let mut mitigations: Vec<Mitigation> = mitigations.into_values().collect();
    mitigations.sort_by(|a, b| a.id.cmp(&b.id));
    let mut groups: Vec<Group> = groups.into_values().collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let mut catalog = Catalog {
        riskpath_attack_cache: CACHE_FORMAT,
        stamp: None,
        version,
        techniques,
        mitigations,
        groups,
        mitigates: mitigates.into_iter().collect(),
        subtechnique_of: subtechnique_of.into_iter().collect(),
        index: Index::default(),
    };
    catalog.build_index();
    Ok(catalog)
}

impl AttackError {
    fn with_hint(self, hint: &str) -> Self {
        AttackError(format!("{} ({hint})", self.0))
    }
}

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Reads a file of at most [`MAX_FILE_BYTES`]; a zstd-compressed one (as the repository's
/// `data/attack/*.json.zst`) is decompressed, and its content is bounded by the same limit.
pub fn read_file(path: &Path) -> Result<Vec<u8>, AttackError> {
    read_limited(path)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, AttackError> {
    let bytes = crate::files::read_regular(path, MAX_FILE_BYTES)
        .map(|(bytes, _)| bytes)
        .map_err(|e| fail(path, format!("cannot read: {e}")))?;
    if bytes.starts_with(&ZSTD_MAGIC) {
        return decompress(&bytes, path, MAX_FILE_BYTES);
    }
    Ok(bytes)
}

/// A zstd stream's content, refused once it passes `limit` bytes.
fn decompress(compressed: &[u8], path: &Path, limit: u64) -> Result<Vec<u8>, AttackError> {
    let decoder = ruzstd::decoding::StreamingDecoder::new(compressed)
        .map_err(|e| fail(path, format!("damaged zstd stream: {e}")))?;
    let mut bytes = Vec::new();
    decoder.take(limit + 1).read_to_end(&mut bytes).map_err(|e| fail(path, format!("damaged zstd stream: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(fail(path, format!("larger than the {limit}-byte limit once decompressed")));
    }
    Ok(bytes)
}

/// Whether these bytes are a riskpath ATT&CK cache rather than a bundle.
pub fn is_cache(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(CACHE_MARKER)
}

/// Imports a bundle file (no cache involved).
pub fn import(bundle: &Path) -> Result<Catalog, AttackError> {
    let bytes = read_limited(bundle)?;
    if is_cache(&bytes) {
        return Err(fail(bundle, "this is a riskpath cache, not a STIX bundle"));
    }
    let mut catalog = parse_bundle(&bytes, bundle)?;
    catalog.stamp = Stamp::of(bundle);
    Ok(catalog)
}

/// Reads a cache written by [`write_cache`].
pub fn read_cache(path: &Path) -> Result<Catalog, AttackError> {
    let bytes = read_limited(path)?;
    cache_from_bytes(&bytes, path)
}

fn cache_from_bytes(bytes: &[u8], path: &Path) -> Result<Catalog, AttackError> {
    if !is_cache(bytes) {
        return Err(fail(path, "not a riskpath ATT&CK cache"));
    }
    let mut catalog: Catalog =
        serde_json::from_slice(bytes).map_err(|e| fail(path, format!("damaged ATT&CK cache: {e}")))?;
    if catalog.riskpath_attack_cache != CACHE_FORMAT {
        return Err(fail(
            path,
            format!("cache format {} (this riskpath reads {CACHE_FORMAT})", catalog.riskpath_attack_cache),
        ));
    }
    catalog.build_index();
    Ok(catalog)
}

/// Writes the catalog as a compact cache, atomically (temporary file, then rename).
pub fn write_cache(catalog: &Catalog, path: &Path) -> Result<(), AttackError> {
    let json = serde_json::to_vec(catalog).map_err(|e| fail(path, e))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        path.file_name().map_or("cache".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    // `create_new` refuses an existing name, a symbolic link planted there included.
    let created = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp);
    let mut file = created.map_err(|e| fail(path, format!("cannot write the cache: {e}")))?;
    let result = file.write_all(&json).and_then(|_| file.sync_all()).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(path, format!("cannot write the cache: {e}")));
    }
    Ok(())
}

/// The default cache of a bundle: next to it, `<bundle stem>.riskpath-cache.json`.
pub fn default_cache_path(bundle: &Path) -> PathBuf {
    bundle.with_file_name(cache_file_name(bundle))
}

/// `x.json` and its compressed `x.json.zst` share the cache name `x.riskpath-cache.json`.
fn cache_file_name(bundle: &Path) -> String {
    let plain =
        if bundle.extension().is_some_and(|e| e == "zst") { bundle.with_extension("") } else { bundle.to_path_buf() };
    let stem = plain.file_stem().map_or("attack".into(), |s| s.to_string_lossy());
    format!("{stem}{CACHE_SUFFIX}")
}

/// Where a catalog came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A fresh cache at this path (or the path given was a cache).
    Cache(PathBuf),
    /// The bundle itself, parsed now; the cache written for next time, if one could be.
    Bundle { cache_written: Option<PathBuf> },
}

/// A catalog and where it came from.
#[derive(Debug, Clone)]
pub struct Opened {
    pub catalog: Catalog,
    pub origin: Origin,
}

/// Opens `path`: a riskpath cache, or a bundle. For a bundle, a fresh cache (same size and
/// modification time) next to it or in `cache_dir` is used; otherwise the bundle is parsed and, when
/// `write` is set, a cache is written into `cache_dir`, or next to the bundle when there is none
/// (a model's load passes its own state directory, so it never writes beside a bundle elsewhere).
pub fn open(path: &Path, cache_dir: Option<&Path>, write: bool) -> Result<Opened, AttackError> {
    let mut head = [0u8; 64];
    let n = crate::files::open_regular(path)
        .map_err(|e| fail(path, format!("cannot read: {e}")))
        .and_then(|(mut f, _)| f.read(&mut head).map_err(|e| fail(path, format!("cannot read: {e}"))))?;
    if is_cache(&head[..n]) {
        return Ok(Opened { catalog: read_cache(path)?, origin: Origin::Cache(path.to_path_buf()) });
    }
    let stamp = Stamp::of(path);
    let in_dir = cache_dir.map(|d| d.join(cache_file_name(path)));
    let beside = default_cache_path(path);
    for c in in_dir.iter().chain([&beside]) {
        if let Ok(catalog) = read_cache(c)
            && stamp.is_some()
            && catalog.stamp == stamp
        {
            return Ok(Opened { catalog, origin: Origin::Cache(c.clone()) });
        }
    }
    let catalog = import(path)?;
    let mut cache_written = None;
    if write {
        let target = in_dir.unwrap_or(beside);
        if let Some(dir) = cache_dir {
            let _ = std::fs::create_dir_all(dir);
        }
        if write_cache(&catalog, &target).is_ok() {
            cache_written = Some(target);
        }
    }
    Ok(Opened { catalog, origin: Origin::Bundle { cache_written } })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100,000 zero bytes, compressed by `zstd -19` to 22 bytes.
    const ZEROS: [u8; 22] = [
        0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x4d, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x9c, 0x86, 0x39, 0x10, 0x02,
        0xdb, 0x23, 0x4e, 0xf3,
    ];

    #[test]
    fn zstd_is_decompressed_within_its_limit() {
        let path = Path::new("zeros.zst");
        assert_eq!(decompress(&ZEROS, path, 100_000).unwrap(), vec![0u8; 100_000]);
        let bomb = decompress(&ZEROS, path, 99_999).unwrap_err().to_string();
        assert!(bomb.contains("zeros.zst") && bomb.contains("99999-byte limit once decompressed"), "{bomb}");
        let damaged = decompress(&ZEROS[..12], path, 100_000).unwrap_err().to_string();
        assert!(damaged.contains("damaged zstd stream"), "{damaged}");
        assert_eq!(cache_file_name(Path::new("d/x-v1.json.zst")), "x-v1.riskpath-cache.json");
        assert_eq!(cache_file_name(Path::new("d/x-v1.json")), "x-v1.riskpath-cache.json");
    }

    const BUNDLE: &str = r#"{"type": "bundle", "id": "bundle--1", "objects": [
      {"type": "attack-pattern", "id": "attack-pattern--a", "name": "Old Thing",
       "revoked": true, "external_references": [{"source_name": "mitre-attack", "external_id": "T1000"}]},
      {"type": "attack-pattern", "id": "attack-pattern--b", "name": "New Thing",
       "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
       "external_references": [{"source_name": "mitre-attack", "external_id": "T1001"}]},
      {"type": "attack-pattern", "id": "attack-pattern--c", "name": "Sub Thing", "x_mitre_is_subtechnique": true,
       "external_references": [{"source_name": "mitre-attack", "external_id": "T1001.001"}]},
      {"type": "attack-pattern", "id": "attack-pattern--d", "name": "Gone", "x_mitre_deprecated": true,
       "external_references": [{"source_name": "mitre-attack", "external_id": "T1002"}]},
      {"type": "course-of-action", "id": "course-of-action--m", "name": "Fix It",
       "external_references": [{"source_name": "mitre-attack", "external_id": "M1000"}]},
      {"type": "intrusion-set", "id": "intrusion-set--g", "name": "Crew", "aliases": ["Crew", "Gang"],
       "external_references": [{"source_name": "mitre-attack", "external_id": "G0001"}]},
      {"type": "relationship", "id": "relationship--1", "relationship_type": "revoked-by",
       "source_ref": "attack-pattern--a", "target_ref": "attack-pattern--b"},
      {"type": "relationship", "id": "relationship--2", "relationship_type": "subtechnique-of",
       "source_ref": "attack-pattern--c", "target_ref": "attack-pattern--b"},
      {"type": "relationship", "id": "relationship--3", "relationship_type": "mitigates",
       "source_ref": "course-of-action--m", "target_ref": "attack-pattern--b"},
      {"type": "relationship", "id": "relationship--4", "relationship_type": "uses",
       "source_ref": "intrusion-set--g", "target_ref": "attack-pattern--a"},
      {"type": "relationship", "id": "relationship--5", "relationship_type": "uses", "revoked": true,
       "source_ref": "intrusion-set--g", "target_ref": "attack-pattern--d"}
    ]}"#;

    #[test]
    fn reads_revocations_subtechniques_and_groups() {
        let c = parse_bundle(BUNDLE.as_bytes(), Path::new("t.json")).unwrap();
        assert_eq!(c.technique("T1000").unwrap().status.revoked_by.as_deref(), Some("T1001"));
        assert_eq!(c.current_technique("T1000"), "T1001");
        assert!(c.technique("T1002").unwrap().status.deprecated);
        assert_eq!(c.technique_name("T1001.001").unwrap(), "New Thing: Sub Thing");
        assert_eq!(c.parent("T1001.001"), Some("T1001"));
        let g = c.group("gang").unwrap();
        assert_eq!(g.id, "G0001");
        assert_eq!(g.aliases, vec!["Gang".to_string()]);
        assert_eq!(g.uses, vec!["T1000".to_string()], "revoked relationships are skipped");
        assert_eq!(c.group_techniques(g), vec!["T1001".to_string()], "revoked techniques map to their replacement");
        let ms: Vec<_> = c.mitigations_for("T1001.001").iter().map(|m| m.id.clone()).collect();
        assert_eq!(ms, vec!["M1000".to_string()], "a parent's mitigations apply to its sub-techniques");
        let counts = c.counts();
        assert_eq!((counts.techniques, counts.subtechniques, counts.revoked, counts.deprecated), (3, 1, 1, 1));
        assert_eq!((counts.mitigates, counts.uses, counts.subtechnique_of, counts.revoked_by), (1, 1, 1, 1));
    }

    #[test]
    fn cache_round_trips() {
        let c = parse_bundle(BUNDLE.as_bytes(), Path::new("t.json")).unwrap();
        let bytes = serde_json::to_vec(&c).unwrap();
        assert!(is_cache(&bytes));
        let back = cache_from_bytes(&bytes, Path::new("c.json")).unwrap();
        assert_eq!(back.techniques, c.techniques);
        assert_eq!(back.groups, c.groups);
        assert_eq!(back.group("crew").map(|g| g.id.as_str()), Some("G0001"));
    }

    #[test]
    fn malformed_bundles_give_clear_errors() {
        let cases = [
            ("{", "not valid JSON"),
            ("[1, 2]", "not an ATT&CK STIX bundle"),
            (r#"{"type": "report", "objects": []}"#, "not a STIX bundle"),
            (r#"{"type": "bundle"}"#, "no `objects` list"),
            (r#"{"type": "bundle", "objects": [{"type": "malware", "id": "x"}]}"#, "no ATT&CK techniques"),
            (r#"{"type": "bundle", "objects": [{"type": 3}]}"#, "not an ATT&CK STIX bundle"),
        ];
        for (text, expected) in cases {
            let err = parse_bundle(text.as_bytes(), Path::new("b.json")).unwrap_err();
            assert!(err.0.contains(expected) && err.0.starts_with("b.json: "), "{text}: {err}");
        }
    }
}
