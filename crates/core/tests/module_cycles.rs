//! No import cycles between the top-level modules of `core`, `web` and `app`: each crate's
//! modules form layers, so a module can be read (and changed) knowing only what it imports.
//!
//! The unit is a top-level module (a file or directory directly under `src/`); a parent and its
//! own submodules naturally use each other and are not counted. Edges are read from the source
//! text: every `crate::name` path (in `use` lines, grouped `use crate::{a, b}` imports and paths
//! written inline), and `super::super::name` from two levels down. Test modules are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module name -> the top-level modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments and without `#[cfg(test)] mod tests { ... }` blocks.
fn code_of(src: &str) -> String {
    let mut code = String::new();
    for line in src.lines() {
        let line = match line.find("//") {
            // A `//` inside a string ("http://") is rare in module paths; good enough here.
            Some(i) => &line[..i],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    if let Some(i) = code.find("#[cfg(test)]\nmod tests") {
        code.truncate(i);
    }
    code
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment of each item in a `{a, b::c, d as e}` group starting at `s[0] == '{'`.
fn group_heads(s: &str) -> Vec<String> {
    let mut depth = 0;
    let mut heads = Vec::new();
    let mut at_item_start = true;
    for (i, c) in s.char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    at_item_start = true;
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                at_item_start = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && at_item_start && !c.is_whitespace() {
            heads.push(ident_at(&s[i..]).to_string());
            at_item_start = false;
        }
    }
    heads
}

fn graph_of(src_dir: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src_dir, &mut files);
    let top = |path: &Path| -> Option<String> {
        let rel = path.strip_prefix(src_dir).ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?.to_string();
        let name = first.trim_end_matches(".rs").to_string();
        (!matches!(name.as_str(), "lib" | "main")).then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top(f)).collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = top(file) else { continue };
        // How many modules deep the file sits: `a/b.rs` and `a/b/mod.rs` are both `crate::a::b`.
        let rel = file.strip_prefix(src_dir).unwrap();
        let depth = rel.components().count() - usize::from(rel.ends_with("mod.rs"));
        let code = code_of(&std::fs::read_to_string(file).expect("read source"));
        let mut named = Vec::new();
        for (i, _) in code.match_indices("crate::") {
            // `rapport_core::...` ends in "core::", not "crate::"; skip `$crate::` in macros.
            if code[..i].ends_with('$')
                || code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let rest = &code[i + "crate::".len()..];
            if rest.starts_with('{') {
                named.extend(group_heads(rest));
            } else {
                named.push(ident_at(rest).to_string());
            }
        }
        // From `crate::a::b`, `super::super::x` is the crate's `x`.
        if depth == 2 {
            for (i, _) in code.match_indices("super::super::") {
                named.push(ident_at(&code[i + "super::super::".len()..]).to_string());
            }
        }
        let edges = graph.get_mut(&from).unwrap();
        for n in named {
            if n != from && modules.contains(&n) {
                edges.insert(n);
            }
        }
    }
    graph
}

/// Strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.graph[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

fn describe(graph: &Graph, cycle: &BTreeSet<String>) -> String {
    cycle
        .iter()
        .map(|m| {
            let inside: Vec<&str> = graph[m]
                .iter()
                .filter(|n| cycle.contains(*n))
                .map(String::as_str)
                .collect();
            format!("  {m} -> {}", inside.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_acyclic(krate: &str) {
    let graph = graph_of(&crate_src(krate));
    assert!(graph.len() > 5, "read the modules of {krate}: {graph:?}");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between top-level modules of crates/{krate}:\n{}",
        found
            .iter()
            .map(|c| describe(&graph, c))
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn core_modules_have_no_import_cycle() {
    assert_acyclic("core");
}

#[test]
fn app_modules_have_no_import_cycle() {
    assert_acyclic("app");
}

#[test]
fn web_modules_have_no_import_cycle() {
    assert_acyclic("web");
}

#[test]
fn the_reader_finds_grouped_and_inline_paths_and_cycles() {
    assert_eq!(
        group_heads("{App, cursor::{self, Cursor}, clocks::sla as s}; rest"),
        ["App", "cursor", "clocks"]
    );
    let dir = std::env::temp_dir().join(format!("module-cycles-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; mod c;").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::{App, b::thing};").unwrap();
    std::fs::write(src.join("b/mod.rs"), "mod inner;").unwrap();
    std::fs::write(src.join("b/inner.rs"), "fn f() { super::super::c::g() }").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "// crate::a is only in a comment\nfn g() { crate::a::h() }\n#[cfg(test)]\nmod tests { use crate::b; }",
    )
    .unwrap();
    let graph = graph_of(&src);
    std::fs::remove_dir_all(&dir).unwrap();
    let names = |m: &str| graph[m].iter().cloned().collect::<Vec<_>>();
    assert_eq!(names("a"), ["b"]);
    assert_eq!(names("b"), ["c"]);
    assert_eq!(names("c"), ["a"]);
    assert_eq!(
        cycles(&graph),
        vec![
            ["a", "b", "c"]
                .map(String::from)
                .into_iter()
                .collect::<BTreeSet<_>>()
        ]
    );
}
