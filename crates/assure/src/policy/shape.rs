//! Static checks on a parsed policy before it runs: no rule or function depends on itself (Rego
//! forbids recursion, as OPA does), and no chain of rules evaluates deeper than [`MAX_DEPTH`] levels.
//!
//! regorus evaluates a rule or function reference by recursing into it on the native stack and
//! only catches recursion between rules, so a recursive function (or a chain of thousands of
//! rules) would overflow the evaluator's stack and abort the process. The check builds the
//! dependency graph from the syntax tree: a rule depends on every rule or function its head and
//! bodies name (`r`, `f(x)`, `data.<package>.r`, an import alias of one, a `with … as f`
//! replacement), except where a local variable of the same name (`:=`, `some`, a function
//! argument, `every`) shadows it. A reference to the whole package depends on every rule. The depth
//! of a reference is its nesting in the syntax tree; a rule's depth is the deepest of its own
//! nodes and of its references plus the depth of what they name.

use std::collections::{HashMap, HashSet};

use regorus::unstable::{AssignOp, Expr, Literal, Module, Query, Rule, RuleHead};

/// Deepest evaluation nesting accepted, in syntax-tree levels summed along a chain of references.
/// Measured: regorus needs at most about 2 KB of stack per level (chains of 36,000 levels fit in
/// the worker's 64 MiB stack), so this leaves a margin of over 30 on the stack; real policies nest
/// a few dozen levels.
pub const MAX_DEPTH: u32 = 2_000;

/// Checks `module` (the policy named `name`); the error names the place and the chain.
pub fn check(name: &str, module: &Module) -> Result<(), String> {
    let graph = Graph::build(module);
    graph.check(name)
}

/// A place in the policy: line and column.
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    line: u32,
    col: u32,
}

/// One reference from a rule to a rule or function.
#[derive(Debug, Clone, Copy)]
struct Mention {
    target: usize,
    depth: u32,
    at: Place,
}

/// Rules and functions by name, each with its own deepest node and its references.
struct Graph {
    names: Vec<String>,
    defined_at: Vec<Place>,
    own_depth: Vec<u32>,
    mentions: Vec<Vec<Mention>>,
}

impl Graph {
    fn build(module: &Module) -> Graph {
        let mut names = Vec::new();
        let mut index = HashMap::new();
        let mut defined_at = Vec::new();
        for rule in &module.policy {
            if let Some((name, at)) = rule_name(rule) {
                index.entry(name.clone()).or_insert_with(|| {
                    names.push(name);
                    defined_at.push(at);
                    names.len() - 1
                });
            }
        }
        let scope = Resolver { index: &index, package: package_path(module), aliases: aliases(module) };
        let mut own_depth = vec![0; names.len()];
        let mut mentions = vec![Vec::new(); names.len()];
        for rule in &module.policy {
            let Some((name, _)) = rule_name(rule) else { continue };
            let node = index[&name];
            let scan = scope.scan(rule);
            own_depth[node] = own_depth[node].max(scan.max_depth);
            mentions[node].extend(scan.mentions);
        }
        Graph { names, defined_at, own_depth, mentions }
    }

    /// Finds a cycle (an error), else the deepest chain (an error when over [`MAX_DEPTH`]).
    fn check(&self, policy: &str) -> Result<(), String> {
        let n = self.names.len();
        // 0: not visited, 1: on the stack, 2: done.
        let mut state = vec![0u8; n];
        let mut depth = vec![0u32; n];
        let mut next: Vec<Option<usize>> = vec![None; n];
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            state[root] = 1;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                if let Some(m) = self.mentions[node].get(*edge).copied() {
                    *edge += 1;
                    match state[m.target] {
                        0 => {
                            state[m.target] = 1;
                            stack.push((m.target, 0));
                        }
                        1 => return Err(self.cycle(policy, &stack, m)),
                        _ => {}
                    }
                    continue;
                }
                stack.pop();
                state[node] = 2;
                depth[node] = self.own_depth[node];
                for m in &self.mentions[node] {
                    let through = m.depth.saturating_add(depth[m.target]);
                    if through > depth[node] {
                        depth[node] = through;
                        next[node] = Some(m.target);
                    }
                }
            }
        }
        match (0..n).max_by_key(|&i| (depth[i], std::cmp::Reverse(i))) {
            Some(deepest) if depth[deepest] > MAX_DEPTH => Err(self.too_deep(policy, deepest, depth[deepest], &next)),
            _ => Ok(()),
        }
    }

    fn cycle(&self, policy: &str, stack: &[(usize, usize)], closing: Mention) -> String {
        let start = stack.iter().position(|&(node, _)| node == closing.target).unwrap_or(0);
        let mut chain: Vec<&str> = stack[start..].iter().map(|&(node, _)| self.names[node].as_str()).collect();
        chain.push(&self.names[closing.target]);
        let first = &self.names[closing.target];
        // The place shown: where the first step of the cycle names the next.
        let at = stack
            .get(start + 1)
            .and_then(|&(second, _)| self.mentions[closing.target].iter().find(|m| m.target == second))
            .map_or(closing.at, |m| m.at);
        format!(
            "{policy}:{}:{}: `{first}` depends on itself ({}); Rego does not allow recursion, so the policy cannot be \
             evaluated",
            at.line,
            at.col,
            chain.join(" → ")
        )
    }

    fn too_deep(&self, policy: &str, deepest: usize, levels: u32, next: &[Option<usize>]) -> String {
        let mut chain = vec![deepest];
        while let Some(n) = next[*chain.last().expect("non-empty")] {
            chain.push(n);
        }
        let shown: Vec<&str> = if chain.len() > 6 {
            let head = chain[..3].iter().map(|&i| self.names[i].as_str());
            let tail = chain[chain.len() - 2..].iter().map(|&i| self.names[i].as_str());
            head.chain(["…"]).chain(tail).collect()
        } else {
            chain.iter().map(|&i| self.names[i].as_str()).collect()
        };
        let at = self.defined_at[deepest];
        format!(
            "{policy}:{}:{}: evaluating `{}` nests {levels} levels deep through {} rules ({}), over the limit of \
             {MAX_DEPTH}; flatten the chain",
            at.line,
            at.col,
            self.names[deepest],
            chain.len(),
            shown.join(" → ")
        )
    }
}

/// The name a rule defines (the first part of its head) and where.
fn rule_name(rule: &Rule) -> Option<(String, Place)> {
    let refr = match rule {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    let (root, _, _) = flatten(refr);
    match root {
        Expr::Var { span, .. } => Some((span.text().to_string(), Place { line: span.line, col: span.col })),
        _ => None,
    }
}

/// `package a.b` as `["a", "b"]`.
fn package_path(module: &Module) -> Vec<String> {
    let (root, segments, _) = flatten(&module.package.refr);
    let mut path: Vec<String> = match root {
        Expr::Var { span, .. } => vec![span.text().to_string()],
        _ => Vec::new(),
    };
    path.extend(segments);
    path
}

/// Import aliases of `data` paths: `import data.main.users as u` gives `u → [data, main, users]`.
fn aliases(module: &Module) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for import in &module.imports {
        let (root, segments, _) = flatten(&import.refr);
        let Expr::Var { span, .. } = root else { continue };
        if span.text() != "data" {
            continue;
        }
        let mut path = vec!["data".to_string()];
        path.extend(segments);
        let alias = import.r#as.as_ref().map(|s| s.text().to_string()).or_else(|| path.last().cloned());
        if let Some(alias) = alias {
            out.insert(alias, path);
        }
    }
    out
}

/// A reference chain `root.a["b"][x]` as its root, its static segments up to the first dynamic
/// index, and every index expression that is not a plain string (to be walked as expressions).
fn flatten(expr: &Expr) -> (&Expr, Vec<String>, Vec<&Expr>) {
    let mut parts = Vec::new();
    let mut dynamic = Vec::new();
    let mut at = expr;
    loop {
        match at {
            Expr::RefDot { refr, field, .. } => {
                parts.push(Some(field.0.text().to_string()));
                at = refr;
            }
            Expr::RefBrack { refr, index, .. } => {
                match index.as_ref() {
                    Expr::String { value, .. } | Expr::RawString { value, .. } => {
                        parts.push(value.as_string().ok().map(|s| s.to_string()))
                    }
                    other => {
                        parts.push(None);
                        dynamic.push(other);
                    }
                }
                at = refr;
            }
            _ => break,
        }
    }
    parts.reverse();
    let segments = parts.into_iter().map_while(|p| p).collect();
    (at, segments, dynamic)
}

/// Local variable names, one set per query, chained to the enclosing query's.
#[derive(Default)]
struct Scopes {
    parent: Vec<Option<usize>>,
    names: Vec<HashSet<String>>,
}

impl Scopes {
    fn push(&mut self, parent: Option<usize>, names: HashSet<String>) -> usize {
        self.parent.push(parent);
        self.names.push(names);
        self.names.len() - 1
    }
    fn is_local(&self, mut scope: Option<usize>, name: &str) -> bool {
        while let Some(s) = scope {
            if self.names[s].contains(name) {
                return true;
            }
            scope = self.parent[s];
        }
        false
    }
}

/// What one rule's syntax tree references, and how deep it goes.
#[derive(Default)]
struct Scan {
    max_depth: u32,
    mentions: Vec<Mention>,
}

/// Work items of the iterative walk (the tree can be deeper than a recursive walk should go).
enum Item<'a> {
    Expr {
        expr: &'a Expr,
        depth: u32,
        scope: Option<usize>,
    },
    /// A query, with the expressions evaluated in its scope (a comprehension's term, a rule head).
    Query {
        query: &'a Query,
        terms: Vec<&'a Expr>,
        depth: u32,
        scope: Option<usize>,
    },
}

/// Resolves the names a rule uses to the module's rules and functions.
struct Resolver<'a> {
    index: &'a HashMap<String, usize>,
    package: Vec<String>,
    aliases: HashMap<String, Vec<String>>,
}

impl Resolver<'_> {
    fn scan(&self, rule: &Rule) -> Scan {
        let mut scopes = Scopes::default();
        let mut work = Vec::new();
        match rule {
            Rule::Default { args, value, .. } => {
                let root = scopes.push(None, pattern_vars(args.iter().map(|a| &**a)));
                work.push(Item::Expr { expr: value, depth: 1, scope: Some(root) });
            }
            Rule::Spec { head, bodies, .. } => {
                let (head_terms, args): (Vec<&Expr>, Vec<&Expr>) = match head {
                    RuleHead::Compr { assign, .. } => (assign.iter().map(|a| &*a.value).collect(), Vec::new()),
                    RuleHead::Set { key, .. } => (key.iter().map(|k| &**k).collect(), Vec::new()),
                    RuleHead::Func { args, assign, .. } => {
                        (assign.iter().map(|a| &*a.value).collect(), args.iter().map(|a| &**a).collect())
                    }
                };
                let root = Some(scopes.push(None, pattern_vars(args.iter().copied())));
                if bodies.is_empty() {
                    work.extend(head_terms.iter().map(|&expr| Item::Expr { expr, depth: 1, scope: root }));
                }
                for body in bodies {
                    let mut terms = head_terms.clone();
                    terms.extend(body.assign.iter().map(|a| &*a.value));
                    work.push(Item::Query { query: &body.query, terms, depth: 1, scope: root });
                }
            }
        }
        let mut scan = Scan::default();
        while let Some(item) = work.pop() {
            match item {
                Item::Expr { expr, depth, scope } => {
                    scan.max_depth = scan.max_depth.max(depth);
                    self.expr(expr, depth, scope, &scopes, &mut work, &mut scan);
                }
                Item::Query { query, terms, depth, scope } => {
                    scan.max_depth = scan.max_depth.max(depth);
                    let inner = Some(scopes.push(scope, declared(query)));
                    work.extend(terms.into_iter().map(|expr| Item::Expr { expr, depth: depth + 1, scope: inner }));
                    statements(query, depth + 1, inner, &mut scopes, &mut work);
                }
            }
        }
        scan
    }

    /// Records what `expr` names and queues its children.
    fn expr<'a>(
        &self,
        expr: &'a Expr,
        depth: u32,
        scope: Option<usize>,
        scopes: &Scopes,
        work: &mut Vec<Item<'a>>,
        scan: &mut Scan,
    ) {
        let child = |expr: &'a Expr| Item::Expr { expr, depth: depth + 1, scope };
        let compr = |query: &'a Query, terms: Vec<&'a Expr>| Item::Query { query, terms, depth: depth + 1, scope };
        match expr {
            Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                let (root, segments, dynamic) = flatten(expr);
                match root {
                    Expr::Var { span, .. } => {
                        let at = Place { line: span.line, col: span.col };
                        self.mention(span.text(), &segments, depth, at, scope, scopes, scan);
                    }
                    other => work.push(child(other)),
                }
                work.extend(dynamic.into_iter().map(child));
            }
            Expr::Call { fcn, params, .. } => {
                let (root, segments, _) = flatten(fcn);
                if let Expr::Var { span, .. } = root {
                    let at = Place { line: span.line, col: span.col };
                    self.mention(span.text(), &segments, depth, at, None, scopes, scan);
                }
                work.extend(params.iter().map(|p| child(p)));
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => work.extend(items.iter().map(|i| child(i))),
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    work.push(child(key));
                    work.push(child(value));
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                work.push(compr(query, vec![term]))
            }
            Expr::ObjectCompr { key, value, query, .. } => work.push(compr(query, vec![key, value])),
            Expr::UnaryExpr { expr, .. } => work.push(child(expr)),
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                work.push(child(lhs));
                work.push(child(rhs));
            }
            Expr::Membership { key, value, collection, .. } => {
                work.extend(key.iter().map(|k| child(k)));
                work.push(child(value));
                work.push(child(collection));
            }
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. } => {}
        }
    }

    /// Records a reference to `root.segments…` unless `root` is a local variable.
    #[allow(clippy::too_many_arguments)]
    fn mention(
        &self,
        root: &str,
        segments: &[String],
        depth: u32,
        at: Place,
        scope: Option<usize>,
        scopes: &Scopes,
        scan: &mut Scan,
    ) {
        if scopes.is_local(scope, root) {
            return;
        }
        let mut push = |target: usize| scan.mentions.push(Mention { target, depth, at });
        let mut path: Vec<&str> = match self.aliases.get(root) {
            Some(full) => full.iter().map(String::as_str).collect(),
            None => vec![root],
        };
        path.extend(segments.iter().map(String::as_str));
        if path[0] != "data" {
            if let Some(&target) = self.index.get(path[0]) {
                push(target);
            }
            return;
        }
        let below = &path[1..];
        let shared = below.iter().zip(&self.package).take_while(|(a, b)| **a == b.as_str()).count();
        if shared < below.len().min(self.package.len()) {
            return; // another package
        }
        match below.get(self.package.len()) {
            Some(name) => {
                if let Some(&target) = self.index.get(*name) {
                    push(target);
                }
            }
            // The whole package, a prefix of it, or a dynamic index into it: every rule.
            None => (0..self.index.len()).for_each(&mut push),
        }
    }
}

/// Queues a query's statements (in its scope `scope`); `every` opens a scope of its own.
fn statements<'a>(query: &'a Query, depth: u32, scope: Option<usize>, scopes: &mut Scopes, work: &mut Vec<Item<'a>>) {
    let child = |expr: &'a Expr| Item::Expr { expr, depth: depth + 1, scope };
    for stmt in &query.stmts {
        work.extend(stmt.with_mods.iter().map(|w| child(&w.r#as)));
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn { key, value, collection, .. } => {
                work.extend(key.iter().map(|k| child(k)));
                work.push(child(value));
                work.push(child(collection));
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => work.push(child(expr)),
            Literal::Every { key, value, domain, query, .. } => {
                work.push(child(domain));
                let names = key.iter().chain([value]).map(|s| s.text().to_string()).collect();
                let inner = Some(scopes.push(scope, names));
                work.push(Item::Query { query, terms: Vec::new(), depth: depth + 1, scope: inner });
            }
        }
    }
}

/// Names a query declares for its whole body: `some x`, `some k, v in …`, `x := …`.
fn declared(query: &Query) -> HashSet<String> {
    let mut names = HashSet::new();
    for stmt in &query.stmts {
        match &stmt.literal {
            Literal::SomeVars { vars, .. } => names.extend(vars.iter().map(|s| s.text().to_string())),
            Literal::SomeIn { key, value, .. } => {
                names.extend(pattern_vars(key.iter().map(|k| &**k).chain([&**value])))
            }
            Literal::Expr { expr, .. } => {
                if let Expr::AssignExpr { op: AssignOp::ColEq, lhs, .. } = &**expr {
                    names.extend(pattern_vars([&**lhs]));
                }
            }
            Literal::NotExpr { .. } | Literal::Every { .. } => {}
        }
    }
    names
}

/// The variables bound by patterns (`x`, `[a, b]`, `{"k": v}`).
fn pattern_vars<'a>(patterns: impl IntoIterator<Item = &'a Expr>) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut work: Vec<&Expr> = patterns.into_iter().collect();
    while let Some(expr) = work.pop() {
        match expr {
            Expr::Var { span, .. } => {
                names.insert(span.text().to_string());
            }
            Expr::Array { items, .. } => work.extend(items.iter().map(|i| &**i)),
            Expr::Object { fields, .. } => work.extend(fields.iter().map(|(_, _, v)| &**v)),
            _ => {}
        }
    }
    names
}
