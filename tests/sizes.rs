//! Files and functions stay small enough to read, or say why not.
//!
//! - A Rust file of `src/`, `crates/` or `tests/` over 15 KB states why in its opening comment,
//!   on a line `//! Over 15 KB: <why>`.
//! - A function over 100 lines states why just above it (among its doc comment, comments and
//!   attributes), on a line containing `Over 100 lines: <why>`.
//!
//! Anything added later that grows past these sizes without a word fails here, naming the file
//! (and the function with its line).

use std::fs;
use std::path::{Path, PathBuf};

#[path = "support/source.rs"]
mod source;
use source::{project_root, strip};

const FILE_LIMIT: usize = 15 * 1024;
const FUNCTION_LIMIT: usize = 100;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for path in entries.map(|entry| entry.unwrap().path()) {
        if path.is_dir() && !path.ends_with("target") {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn project_files() -> Vec<PathBuf> {
    let root = project_root();
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    // A walk that found nothing would pass vacuously.
    assert!(
        files.iter().any(|f| f.ends_with("src/lib.rs")),
        "no sources under {}",
        root.display()
    );
    files
}

/// Whether the opening comment (the leading `//!` lines) says why the file is large.
fn file_says_why(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("//!") || l.trim().is_empty())
        .any(|l| l.contains("Over 15 KB:"))
}

/// Each function of `text`: its name, first line (1-based) and length in lines, from `fn` to
/// its closing brace. Declarations without a body are left out.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = strip(text);
    let bytes = code.as_bytes();
    let line_at = |k: usize| code[..k].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("fn ").map(|k| k + from) {
        from = at + 3;
        let starts_word = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !starts_word || name.is_empty() {
            continue;
        }
        // The body opens at the first `{` unless a `;` comes first (a declaration). Generic
        // bounds and where clauses hold no braces; a default value in a signature does not
        // exist in Rust.
        let Some(open) = code[at..].find(['{', ';']).map(|k| k + at) else {
            break;
        };
        if bytes[open] == b';' {
            continue;
        }
        let mut depth = 0usize;
        let mut close = open;
        for (k, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let first = line_at(at);
        found.push((name, first, line_at(close) - first + 1));
    }
    found
}

/// Whether the lines just above line `first` (its doc comment, comments and attributes, up to
/// the first other line) say why the function is long.
fn function_says_why(text: &str, first: usize) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    // The `fn` line itself may carry `pub async` and the like: start just above it.
    lines[..first - 1]
        .iter()
        .rev()
        .take_while(|l| {
            let t = l.trim_start();
            t.starts_with("//") || t.starts_with("#[") || t.starts_with(")]") || t.starts_with("reason")
        })
        .any(|l| l.contains("Over 100 lines:"))
}

#[test]
fn large_files_and_long_functions_say_why() {
    let root = project_root();
    let mut report = String::new();
    for path in project_files() {
        let text = fs::read_to_string(&path).unwrap();
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        if text.len() > FILE_LIMIT && !file_says_why(&text) {
            report += &format!("\n{shown}: {} KB, and no `//! Over 15 KB:` line", text.len() / 1024);
        }
        for (name, first, length) in functions(&text) {
            if length > FUNCTION_LIMIT && !function_says_why(&text, first) {
                report += &format!("\n{shown}:{first}: fn {name} has {length} lines, and no `Over 100 lines:` line");
            }
        }
    }
    assert!(
        report.is_empty(),
        "split these, or say why they must stay whole:{report}"
    );
}

#[test]
fn functions_are_measured_from_fn_to_their_closing_brace() {
    let text = "/// Doc.\npub fn a() {\n    let s = \"}\";\n    if x { y }\n}\n\ntrait T { fn d(); }\nfn b() {}\n";
    assert_eq!(functions(text), vec![("a".to_owned(), 2, 4), ("b".to_owned(), 8, 1)]);
    let long = format!(
        "// Over 100 lines: one story.\nfn c() {{\n{}}}\n",
        "    x();\n".repeat(120)
    );
    assert_eq!(functions(&long), vec![("c".to_owned(), 2, 122)]);
    assert!(function_says_why(&long, 2));
    assert!(!function_says_why(&long.replace("Over 100 lines", "Long"), 2));
}

#[test]
fn a_large_file_says_why_in_its_opening_comment() {
    assert!(file_says_why(
        "//! Config.\n//!\n//! Over 15 KB: every setting in one place.\n\nuse x;\n"
    ));
    assert!(!file_says_why("//! Config.\n\nuse x;\n// Over 15 KB: too late.\n"));
}
