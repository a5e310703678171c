//! The top-level modules of `src/` form layers, without import cycles.
//!
//! Why: modules importing each other in a circle can be neither understood, tested nor moved
//! alone. This test reads the sources (no compiler) and checks the `crate::NAME` imports between
//! top-level modules: (1) no cycle (no strongly connected component of several modules);
//! (2) no upward import: a module imports its own layer or lower ones ([`LAYERS`]); (3) every
//! top-level module (`src/x.rs` or `src/x/`) is in [`LAYERS`]; binaries other than `ecoute` live
//! in their own crates (the benchmarks in `crates/ecoute-bench`), so a `src/bin/` would fail here.
//!
//! Reading a failure: `from -> to (src/f.rs:line, line; ...)` lists where module `from` names
//! `crate::to`. A cycle shows its modules, a shortest loop, its upward edges, then the cycles
//! left without them (within a layer) with all their edges: cut the one against the intended
//! direction (move the shared item down, or pass a value, trait or closure to the lower module).
//!
//! Counted: `crate::NAME` in code (`use`, paths in expressions and types, `$crate::`, test code)
//! and names directly inside `use crate::{a::b, c}`, but not in comments or strings; a NAME that
//! is no top-level module is a crate root item (`lib`). `LAYOUT_SRC=dir` checks another tree.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

#[path = "support/source.rs"]
mod source;
use source::{project_root, strip};

/// The layers, lowest first: a module may import modules of its own layer or of lower ones.
/// A NEW top-level module goes in the lowest layer that has all it needs: a technical brick
/// knowing no domain and no HTTP in `ground`, a domain area (types, queries, pages) in
/// `domains`, what wires everything together or starts the process in `root`.
const LAYERS: &[(&str, &str)] = &[
    ("ground", "config error telemetry caching db tenancy tokens oidc"),
    ("web", "web"),
    (
        "domains",
        "accounts mail operators audit campaigns surveys moderation ideas workshops results analysis \
         metering exports rules",
    ),
    ("root", "app startup jobs demo main lib"),
];

fn layer_of(module: &str) -> Option<usize> {
    (0..LAYERS.len()).find(|&k| LAYERS[k].1.split(' ').any(|m| m == module))
}

/// A `crate::to` at `file:line`, in module `from`.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The line and first segment of each `crate::` path of (stripped) code.
fn crate_refs(code: &str) -> Vec<(usize, String)> {
    let b = code.as_bytes();
    let ident = |k: usize| k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_');
    let space = |k: usize| (k..).find(|&k| k >= b.len() || !b[k].is_ascii_whitespace()).unwrap();
    let mut refs = Vec::new();
    // Records the name at `k`, returns the index past it.
    let mut name_at = |k: usize| {
        let end = (k..).find(|&e| !ident(e)).unwrap();
        if &code[k..end] != "self" {
            refs.push((1 + code[..k].matches('\n').count(), code[k..end].to_string()));
        }
        end
    };
    for (i, _) in code.match_indices("crate") {
        let k = space(i + 5);
        if (i > 0 && ident(i - 1)) || !b[k..].starts_with(b"::") {
            continue;
        }
        let mut k = space(k + 2);
        if ident(k) {
            name_at(k);
        } else if b.get(k) == Some(&b'{') {
            // `use crate::{a::b, c, d::{e}}`: the first name of each item at depth 1.
            let (mut depth, mut expect) = (0, true);
            while k < b.len() {
                match b[k] {
                    b'{' => depth += 1,
                    b'}' if depth == 1 => break,
                    b'}' => depth -= 1,
                    b',' if depth == 1 => expect = true,
                    _ if depth == 1 && expect && ident(k) => {
                        (k, expect) = (name_at(k), false);
                        continue;
                    }
                    _ => {}
                }
                k += 1;
            }
        }
    }
    refs
}

/// The top-level modules: `src/x.rs` files and `src/x/` directories.
fn top_level_modules(src: &Path) -> BTreeSet<String> {
    let entries = fs::read_dir(src).expect("src/ (or LAYOUT_SRC) should be a directory");
    let mut modules = BTreeSet::new();
    for path in entries.map(|entry| entry.unwrap().path()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() || name.ends_with(".rs") {
            modules.insert(name.trim_end_matches(".rs").to_string());
        }
    }
    modules
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for path in fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path()) {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The imports between different top-level modules, sorted.
fn imports(src: &Path, modules: &BTreeSet<String>) -> Vec<Import> {
    let (mut files, mut imports) = (Vec::new(), Vec::new());
    rust_files(src, &mut files);
    for path in files {
        let rel = path.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
        let from = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        let text = fs::read_to_string(&path).unwrap();
        for (line, name) in crate_refs(&strip(&text)) {
            let to = modules.get(&name).map_or("lib", String::as_str).to_string();
            if to != from {
                let (from, file) = (from.clone(), format!("src/{rel}"));
                imports.push(Import { from, to, file, line });
            }
        }
    }
    imports.sort();
    imports
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// A shortest path `from -> ... -> to` of at least one edge (a loop when `from == to`).
fn shortest_path(graph: &Graph, from: &str, to: &str) -> Option<Vec<String>> {
    let (mut seen, mut queue) = (BTreeSet::new(), VecDeque::from([vec![from.to_string()]]));
    while let Some(path) = queue.pop_front() {
        for next in graph.get(path.last().unwrap()).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            if next == to {
                return Some(longer);
            } else if seen.insert(next) {
                queue.push_back(longer);
            }
        }
    }
    None
}

/// The strongly connected components of several modules, by mutual reachability.
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    let reach = |a: &str, b: &str| shortest_path(graph, a, b).is_some();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for m in graph.keys() {
        if !found.iter().any(|scc| scc.contains(m)) {
            let scc = graph.keys().filter(|n| *n == m || (reach(m, n) && reach(n, m)));
            found.push(scc.cloned().collect());
        }
    }
    found.retain(|scc| scc.len() > 1);
    found
}

/// One line per edge: `from -> to (src/a.rs:3, 7; src/b.rs:12)`.
fn write_edges(out: &mut String, imports: &[&Import], pad: &str) {
    let mut edges: BTreeMap<(&str, &str), BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for i in imports {
        let lines = edges.entry((&i.from, &i.to)).or_default().entry(&i.file).or_default();
        if lines.last() != Some(&i.line.to_string()) {
            lines.push(i.line.to_string());
        }
    }
    for ((from, to), files) in edges {
        let places: Vec<String> = files
            .iter()
            .map(|(f, lines)| format!("{f}:{}", lines.join(", ")))
            .collect();
        *out += &format!("{pad}{from} -> {to} ({})\n", places.join("; "));
    }
}

fn is_upward(i: &Import) -> bool {
    matches!((layer_of(&i.from), layer_of(&i.to)), (Some(from), Some(to)) if to > from)
}

/// Writes the cycles of `imports`; for a cycle with upward edges, the cycles left without them.
fn write_cycles(out: &mut String, imports: &[&Import], pad: &str) -> usize {
    let mut graph = Graph::new();
    for i in imports {
        graph.entry(i.from.clone()).or_default().insert(i.to.clone());
    }
    let found = cycles(&graph);
    for scc in &found {
        let first = scc.first().unwrap();
        let names: Vec<&str> = scc.iter().map(String::as_str).collect();
        *out += &format!("{pad}cycle of {} modules: {}\n", names.len(), names.join(", "));
        let loop_ = shortest_path(&graph, first, first).unwrap().join(" -> ");
        *out += &format!("{pad}  shortest loop: {loop_}\n");
        let inside = imports.iter().filter(|i| scc.contains(&i.from) && scc.contains(&i.to));
        let (up, level): (Vec<&Import>, Vec<&Import>) = inside.partition(|i| is_upward(i));
        if up.is_empty() {
            write_edges(out, &level, &format!("{pad}  "));
            continue;
        }
        let mut up: Vec<String> = up.iter().map(|i| format!("{} -> {}", i.from, i.to)).collect();
        up.dedup();
        *out += &format!("{pad}  its upward edges (see rule 2): {}\n", up.join(", "));
        *out += &format!("{pad}  without them, these cycles remain within a layer:\n");
        if write_cycles(out, &level, &format!("{pad}    ")) == 0 {
            *out += &format!("{pad}    none\n");
        }
    }
    found.len()
}

/// The report of every violation under `src` (empty if none).
fn check(src: &Path) -> String {
    let mut modules = top_level_modules(src);
    modules.insert("lib".to_string());
    let imports = imports(src, &modules);
    let imports: Vec<&Import> = imports.iter().collect();
    let mut report = String::new();
    let unclassified: Vec<String> = modules.into_iter().filter(|m| layer_of(m).is_none()).collect();
    if !unclassified.is_empty() {
        report += "\n[rule 3] top-level modules missing from LAYERS, classify them: ";
        report += &(unclassified.join(", ") + "\n");
    }
    let mut cycles = String::new();
    let count = write_cycles(&mut cycles, &imports, "  ");
    if count > 0 {
        report += &format!("\n[rule 1] import cycles between top-level modules: {count}\n{cycles}");
    }
    let upward: Vec<&Import> = imports.into_iter().filter(|i| is_upward(i)).collect();
    if !upward.is_empty() {
        report += "\n[rule 2] upward imports (a module naming one of a higher layer):\n";
        write_edges(&mut report, &upward, "  ");
    }
    report
}

#[test]
fn top_level_modules_form_layers_without_cycles() {
    let src = std::env::var_os("LAYOUT_SRC").map_or(project_root().join("src"), PathBuf::from);
    let report = check(&src);
    let mut message = format!("{} breaks the rules at the top of tests/layout.rs", src.display());
    for (layer, names) in LAYERS {
        message += &format!("\n  {layer}: {names}");
    }
    assert!(report.is_empty(), "{message}\n{report}");
}

/// The `line:name` of each `crate::name` found by the parser.
fn refs(src: &str) -> Vec<String> {
    crate_refs(&strip(src))
        .iter()
        .map(|(l, n)| format!("{l}:{n}"))
        .collect()
}

#[test]
fn paths_and_grouped_uses_count_with_their_line() {
    let src = "use crate::{a::b, c,\n d::{e, f::g}, self, h as i};\npub(crate) use crate :: db;\n\
               impl From<crate::x::Y> for Z { fn f() { crate::r::f(1); $crate::m::g!() } }\n";
    assert_eq!(refs(src), ["1:a", "1:c", "2:d", "2:h", "3:db", "4:x", "4:r", "4:m"]);
}

#[test]
fn comments_are_ignored() {
    let src = "//! crate::a\n/// [`crate::b`]\nfn f() {} // crate::c\n/* crate::d /* crate::e */ crate::f */\n\
               use crate::g;\n";
    assert_eq!(refs(src), ["5:g"]);
}

#[test]
fn strings_are_ignored_and_do_not_start_comments() {
    let src = "let u = \"http://x\"; use crate::web;\nlet s = \"crate::a \\\" // \"; crate::db::f();\n\
               let r = r#\"crate::b \" //\"#; let q = '\"'; crate::mail::g();\n";
    assert_eq!(refs(src), ["1:web", "2:db", "3:mail"]);
}

#[test]
fn other_paths_are_not_crate_paths() {
    let src = "use super::x; use self::y; use mycrate::z; use ecoute::w; fn f<'a>(c: &'a str) {}";
    assert!(refs(src).is_empty());
}

#[test]
fn cycles_are_strongly_connected_components() {
    let mut graph = Graph::new();
    for edge in "a>b b>c c>a c>d d>e e>d f>a".split(' ') {
        let (from, to) = edge.split_once('>').unwrap();
        graph.entry(from.to_string()).or_default().insert(to.to_string());
    }
    let found: Vec<Vec<String>> = cycles(&graph).into_iter().map(|s| s.into_iter().collect()).collect();
    assert_eq!(found, [vec!["a", "b", "c"], vec!["d", "e"]]);
    assert_eq!(shortest_path(&graph, "a", "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(shortest_path(&graph, "d", "a"), None);
}
