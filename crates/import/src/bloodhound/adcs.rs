//! AD CS escalations as BloodHound computes them from the collected configuration: which enterprise
//! CAs a domain trusts (NTAuth and a chain to its root CA), which templates they publish, who may
//! enrol, and from that ESC1, ESC3, ESC4, ESC6, ESC9, ESC10, ESC13 and GoldenCert edges.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::graph::{Graph, Ix};
use super::kinds::{self, K};
use super::post::{Membership, held, inbound};
use super::sharphound::Props;

/// A certificate template's settings that the escalations look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateInfo {
    pub authentication: bool,
    pub enrollee_supplies_subject: bool,
    pub manager_approval: bool,
    pub no_security_extension: bool,
    pub schema_version: i64,
    pub authorized_signatures: i64,
    pub ekus: Vec<String>,
    pub application_policies: Vec<String>,
    pub policies: Vec<String>,
    pub san_requires_upn: bool,
    pub san_requires_dns: bool,
}

impl From<&Props> for TemplateInfo {
    fn from(p: &Props) -> Self {
        let ekus = if p.effectiveekus.is_empty() { p.ekus.clone() } else { p.effectiveekus.clone() };
        TemplateInfo {
            authentication: p.authenticationenabled.unwrap_or(false),
            enrollee_supplies_subject: p.enrolleesuppliessubject.unwrap_or(false),
            manager_approval: p.requiresmanagerapproval.unwrap_or(true),
            no_security_extension: p.nosecurityextension.unwrap_or(false),
            schema_version: p.schemaversion.unwrap_or(0),
            authorized_signatures: p.authorizedsignatures.unwrap_or(1),
            ekus,
            application_policies: p.certificateapplicationpolicy.clone(),
            policies: if p.certificatepolicy.is_empty() {
                p.issuancepolicies.clone()
            } else {
                p.certificatepolicy.clone()
            },
            san_requires_upn: p.subjectaltrequireupn.unwrap_or(false),
            san_requires_dns: p.subjectaltrequiredns.unwrap_or(false) || p.subjectaltrequiredomaindns.unwrap_or(false),
        }
    }
}

/// The Certificate Request Agent EKU and application policy.
const REQUEST_AGENT: &str = "1.3.6.1.4.1.311.20.2.1";
/// Any purpose.
const ANY_PURPOSE: &str = "2.5.29.37.0";

impl TemplateInfo {
    /// Enrolment gives a usable certificate at once: no manager approval, and no authorised
    /// signatures required (schema 1 templates cannot require them).
    fn issues_directly(&self) -> bool {
        !self.manager_approval && (self.schema_version <= 1 || self.authorized_signatures == 0)
    }
    fn esc1(&self) -> bool {
        self.issues_directly() && self.authentication && self.enrollee_supplies_subject
    }
    fn request_agent(&self) -> bool {
        self.issues_directly()
            && (self.ekus.is_empty() || self.ekus.iter().any(|e| e == REQUEST_AGENT || e == ANY_PURPOSE))
    }
    /// A template an enrollment agent may request on behalf of another user.
    fn on_behalf_target(&self) -> bool {
        self.authentication
            && !self.manager_approval
            && (self.schema_version <= 1
                || (self.authorized_signatures == 1 && self.application_policies.iter().any(|p| p == REQUEST_AGENT)))
    }
    fn authenticates(&self) -> bool {
        self.issues_directly() && self.authentication
    }
}

/// An enterprise CA's facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaInfo {
    pub domain: String,
    pub thumbprint: String,
    pub chain: Vec<String>,
    pub user_specifies_san: bool,
    pub agent_restrictions: bool,
}

/// AD CS facts gathered while reading, keyed by object id.
#[derive(Debug, Default)]
pub struct Adcs {
    pub templates: HashMap<String, TemplateInfo>,
    pub cas: HashMap<String, CaInfo>,
    /// Root CA id → (domain SID, thumbprint).
    pub roots: HashMap<String, (String, String)>,
    pub aia_thumbprints: HashMap<String, String>,
    /// NTAuth stores: (domain SID, thumbprints of the CAs trusted for authentication).
    pub ntauth: Vec<(String, Vec<String>)>,
    /// Issuance policy id → its OID.
    pub policy_oids: HashMap<String, String>,
    /// Domain controller id → (CertificateMappingMethods, StrongCertificateBindingEnforcement).
    pub dc_registry: HashMap<String, (Option<i64>, Option<i64>)>,
}

/// The certificate-mapping weaknesses of a forest's domain controllers.
#[derive(Debug, Clone, Copy, Default)]
struct Mapping {
    /// Some DC does not fully enforce strong certificate binding (0, 1, or the value absent).
    weak_binding: bool,
    /// Some DC has strong binding disabled altogether (0).
    binding_off: bool,
    /// Some DC maps Schannel certificates by UPN (CertificateMappingMethods bit 0x4).
    upn_mapping: bool,
}

/// The CAs' context: which domains each is valid for and the enrolment rights around them.
struct Context<'a> {
    graph: &'a Graph,
    membership: &'a Membership,
    rights: BTreeMap<(Ix, K), Vec<Ix>>,
    /// CA → templates published to it.
    published: BTreeMap<Ix, Vec<Ix>>,
    /// Template node → its settings.
    templates: HashMap<Ix, &'a TemplateInfo>,
}

impl Context<'_> {
    fn enrollers(&self, x: Ix) -> Vec<Ix> {
        held(&self.rights, x, &[kinds::ENROLL, kinds::GENERIC_ALL, kinds::ALL_EXTENDED_RIGHTS])
    }
    fn ca_enrollers(&self, ca: Ix) -> Vec<Ix> {
        held(&self.rights, ca, &[kinds::ENROLL])
    }
    fn controllers(&self, template: Ix) -> Vec<Ix> {
        held(&self.rights, template, &[kinds::GENERIC_ALL, kinds::WRITE_DACL, kinds::WRITE_OWNER, kinds::OWNS])
    }
    fn writers(&self, template: Ix) -> Vec<Ix> {
        held(
            &self.rights,
            template,
            &[kinds::GENERIC_WRITE, kinds::WRITE_PKI_NAME_FLAG, kinds::WRITE_PKI_ENROLLMENT_FLAG],
        )
    }
    fn templates_of(&self, ca: Ix) -> impl Iterator<Item = (Ix, &TemplateInfo)> + '_ {
        self.published.get(&ca).into_iter().flatten().filter_map(|t| self.templates.get(t).map(|i| (*t, *i)))
    }
}

/// Adds the AD CS escalation edges; returns how many edges of each kind were added.
pub fn escalations(graph: &mut Graph, adcs: &Adcs, membership: &Membership) -> BTreeMap<&'static str, usize> {
    let edges = compute(graph, adcs, membership);
    let mut counts = BTreeMap::new();
    for (from, to, kind) in edges {
        graph.add(from, to, kind, false);
        *counts.entry(kind.bh()).or_default() += 1;
    }
    counts
}

fn compute(graph: &Graph, adcs: &Adcs, membership: &Membership) -> BTreeSet<(Ix, Ix, K)> {
    let rights = inbound(
        graph,
        &[
            kinds::ENROLL,
            kinds::GENERIC_ALL,
            kinds::ALL_EXTENDED_RIGHTS,
            kinds::WRITE_DACL,
            kinds::WRITE_OWNER,
            kinds::OWNS,
            kinds::GENERIC_WRITE,
            kinds::WRITE_PKI_NAME_FLAG,
            kinds::WRITE_PKI_ENROLLMENT_FLAG,
            kinds::PUBLISHED_TO,
            kinds::HOSTS_CA_SERVICE,
            kinds::OID_GROUP_LINK,
        ],
    );
    let mut published: BTreeMap<Ix, Vec<Ix>> = BTreeMap::new();
    for ((ca, kind), templates) in &rights {
        if *kind == kinds::PUBLISHED_TO {
            published.insert(*ca, templates.clone());
        }
    }
    let templates = adcs.templates.iter().filter_map(|(id, t)| graph.ix(id).map(|ix| (ix, t))).collect();
    let cx = Context { graph, membership, rights, published, templates };
    let forests = forests(graph);
    let mappings = mappings(graph, adcs, &forests);
    let mut out = BTreeSet::new();
    let mut cas: Vec<(&String, &CaInfo)> = adcs.cas.iter().collect();
    cas.sort_by(|a, b| a.0.cmp(b.0));
    for (id, info) in cas {
        let Some(ca) = graph.ix(id) else { continue };
        let domains = valid_domains(graph, adcs, info);
        if domains.is_empty() {
            continue;
        }
        for host in held(&cx.rights, ca, &[kinds::HOSTS_CA_SERVICE]) {
            domains.iter().for_each(|d| {
                out.insert((host, *d, kinds::GOLDEN_CERT));
            });
        }
        let mapping = forest_mapping(&mappings, &forests, &domains);
        ca_escalations(&cx, ca, info, &domains, mapping, adcs, &mut out);
    }
    out
}

fn ca_escalations(
    cx: &Context,
    ca: Ix,
    info: &CaInfo,
    domains: &[Ix],
    mapping: Mapping,
    adcs: &Adcs,
    out: &mut BTreeSet<(Ix, Ix, K)>,
) {
    let ca_enrollers = cx.ca_enrollers(ca);
    let to_domains = |principals: Vec<Ix>, kind: K, out: &mut BTreeSet<(Ix, Ix, K)>| {
        for p in principals {
            for d in domains {
                out.insert((p, *d, kind));
            }
        }
    };
    let on_behalf_targets: Vec<Ix> =
        cx.templates_of(ca).filter(|(_, t)| t.on_behalf_target()).map(|(x, _)| x).collect();
    for (template, t) in cx.templates_of(ca) {
        let enrollers = cx.enrollers(template);
        let enrol = || cx.membership.holding_all(&[enrollers.clone(), ca_enrollers.clone()]);
        if t.esc1() {
            to_domains(enrol(), kinds::ESC1, out);
        }
        if t.request_agent() && !info.agent_restrictions {
            for target in &on_behalf_targets {
                let sets = [enrollers.clone(), cx.enrollers(*target), ca_enrollers.clone()];
                to_domains(cx.membership.holding_all(&sets), kinds::ESC3, out);
            }
        }
        let controllers = cx.controllers(template);
        to_domains(cx.membership.holding_all(&[controllers, ca_enrollers.clone()]), kinds::ESC4, out);
        let writers = cx.writers(template);
        to_domains(cx.membership.holding_all(&[writers, enrollers.clone(), ca_enrollers.clone()]), kinds::ESC4, out);
        if !t.authenticates() {
            continue;
        }
        if info.user_specifies_san {
            if mapping.weak_binding && t.no_security_extension {
                to_domains(enrol(), kinds::ESC6A, out);
            }
            if mapping.upn_mapping {
                to_domains(enrol(), kinds::ESC6B, out);
            }
        }
        victim_escalations(cx, t, &enrol(), mapping, domains, out);
        for group in oid_groups(cx, adcs, t) {
            for p in enrol() {
                out.insert((p, group, kinds::ESC13));
            }
        }
    }
}

/// ESC9 and ESC10: an attacker who can rewrite a victim enrollee's UPN (users) or dNSHostName
/// (computers) enrols as the victim and authenticates as whoever the rewritten name maps to.
fn victim_escalations(
    cx: &Context,
    t: &TemplateInfo,
    enrollers: &[Ix],
    mapping: Mapping,
    domains: &[Ix],
    out: &mut BTreeSet<(Ix, Ix, K)>,
) {
    let expanded = cx.membership.expand(enrollers);
    let victims = (0..expanded.len() as Ix).filter(|x| expanded[*x as usize]);
    let writes = [kinds::GENERIC_WRITE, kinds::GENERIC_ALL, kinds::OWNS, kinds::WRITE_DACL, kinds::WRITE_OWNER];
    for victim in victims {
        let label = cx.graph.node(victim).label.as_str();
        let (user, computer) = (label == "User", label == "Computer");
        let kinds_here: Vec<K> = [
            (user && t.no_security_extension && mapping.weak_binding && !t.san_requires_dns, kinds::ESC9A),
            (computer && t.no_security_extension && mapping.weak_binding && t.san_requires_dns, kinds::ESC9B),
            (user && mapping.binding_off && !t.san_requires_dns, kinds::ESC10A),
            (computer && mapping.upn_mapping && t.san_requires_dns, kinds::ESC10B),
        ]
        .into_iter()
        .filter_map(|(ok, k)| ok.then_some(k))
        .collect();
        if kinds_here.is_empty() {
            continue;
        }
        for attacker in held(&cx.rights, victim, &writes) {
            for kind in &kinds_here {
                for d in domains {
                    out.insert((attacker, *d, *kind));
                }
            }
        }
    }
}

/// Groups linked (OIDGroupLink) to an issuance policy the template issues.
fn oid_groups(cx: &Context, adcs: &Adcs, t: &TemplateInfo) -> Vec<Ix> {
    let mut out = Vec::new();
    let mut policies: Vec<(&String, &String)> = adcs.policy_oids.iter().collect();
    policies.sort();
    for (policy, oid) in policies {
        if oid.is_empty() || !t.policies.iter().any(|p| p == oid) {
            continue;
        }
        let Some(ix) = cx.graph.ix(policy) else { continue };
        for e in cx.graph.edges_of(kinds::OID_GROUP_LINK).iter().filter(|e| e.from == ix) {
            out.push(e.to);
        }
    }
    out
}

/// The domains a CA is valid for: the domain's NTAuth store trusts the CA's certificate and the
/// CA's chain ends at a root CA of the domain.
fn valid_domains(graph: &Graph, adcs: &Adcs, ca: &CaInfo) -> Vec<Ix> {
    if ca.thumbprint.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (domain, prints) in &adcs.ntauth {
        if !prints.contains(&ca.thumbprint) {
            continue;
        }
        let rooted = adcs.roots.values().any(|(root_domain, print)| {
            root_domain == domain && !print.is_empty() && (print == &ca.thumbprint || ca.chain.contains(print))
        });
        if let (true, Some(ix)) = (rooted, graph.ix(domain)) {
            out.push(ix);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Forests: domains joined by same-forest trusts, as a map from domain to its forest's index.
pub fn forests(graph: &Graph) -> HashMap<Ix, usize> {
    let domains: Vec<Ix> = (0..graph.nodes.len() as Ix).filter(|d| graph.node(*d).label == "Domain").collect();
    let mut parent: HashMap<Ix, Ix> = domains.iter().map(|d| (*d, *d)).collect();
    fn root(parent: &mut HashMap<Ix, Ix>, x: Ix) -> Ix {
        let p = parent[&x];
        if p == x {
            return x;
        }
        let r = root(parent, p);
        parent.insert(x, r);
        r
    }
    for e in graph.edges_of(kinds::SAME_FOREST_TRUST) {
        if parent.contains_key(&e.from) && parent.contains_key(&e.to) {
            let (a, b) = (root(&mut parent, e.from), root(&mut parent, e.to));
            parent.insert(a.max(b), a.min(b));
        }
    }
    let mut ids: BTreeMap<Ix, usize> = BTreeMap::new();
    let mut out = HashMap::new();
    for d in domains {
        let r = root(&mut parent, d);
        let next = ids.len();
        out.insert(d, *ids.entry(r).or_insert(next));
    }
    out
}

/// Certificate-mapping weaknesses per forest, from the DCs' registry settings.
fn mappings(graph: &Graph, adcs: &Adcs, forests: &HashMap<Ix, usize>) -> HashMap<usize, Mapping> {
    let mut out: HashMap<usize, Mapping> = HashMap::new();
    for e in graph.edges_of(kinds::DC_FOR) {
        let Some((methods, binding)) = adcs.dc_registry.get(&graph.node(e.from).id) else { continue };
        let Some(forest) = forests.get(&e.to) else { continue };
        let m = out.entry(*forest).or_default();
        let binding = binding.unwrap_or(-1);
        m.weak_binding |= matches!(binding, -1..=1);
        m.binding_off |= binding == 0;
        m.upn_mapping |= methods.is_some_and(|v| v != -1 && v & 0x4 != 0);
    }
    out
}

fn forest_mapping(mappings: &HashMap<usize, Mapping>, forests: &HashMap<Ix, usize>, domains: &[Ix]) -> Mapping {
    let mut m = Mapping::default();
    for d in domains {
        if let Some(f) = forests.get(d).and_then(|f| mappings.get(f)) {
            m.weak_binding |= f.weak_binding;
            m.binding_off |= f.binding_off;
            m.upn_mapping |= f.upn_mapping;
        }
    }
    m
}
