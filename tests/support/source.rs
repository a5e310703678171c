//! Reading Rust sources without a compiler, for the tests that check the code's shape
//! (`tests/layout.rs`, `tests/sizes.rs`).

use std::path::PathBuf;

/// The checkout under test: `CARGO_MANIFEST_DIR` as `cargo test` sets it when it runs the test,
/// not as it was when the test was compiled. A target folder shared between clones (CI's) can
/// reuse a test binary built in another clone, whose compile-time path would then be walked
/// instead (or, gone, walked as empty).
pub fn project_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

/// The code with its comments, string and char literals blanked out (newlines kept).
pub fn strip(src: &str) -> String {
    let b = src.as_bytes();
    // The index past the first `close` from `k`.
    let past = |mut k: usize, close: &str, escapes: bool| {
        while k < b.len() && !b[k..].starts_with(close.as_bytes()) {
            k += if escapes && b[k] == b'\\' { 2 } else { 1 };
        }
        (k + close.len()).min(b.len())
    };
    let (mut out, mut i) = (String::with_capacity(src.len()), 0);
    while let Some(ch) = src[i..].chars().next() {
        let rest = &src[i..];
        let end = if rest.starts_with("//") {
            i + rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            let (mut k, mut depth) = (i + 2, 1);
            while depth > 0 && k < b.len() {
                let (open, close) = (b[k..].starts_with(b"/*"), b[k..].starts_with(b"*/"));
                depth += open as i32 - close as i32;
                k += if open || close { 2 } else { 1 };
            }
            k.min(b.len())
        } else if let Some(hashes) = raw_string(rest, &out) {
            past(i + 2 + hashes, &format!("\"{}", "#".repeat(hashes)), false)
        } else if ch == '"' {
            past(i + 1, "\"", true)
        } else if rest.starts_with("'\\") {
            past(i + 3, "'", false)
        } else if let (true, Some((k, '\''))) = (ch == '\'', rest.char_indices().nth(2)) {
            i + k + 1
        } else {
            out.push(ch);
            i += ch.len_utf8();
            continue;
        };
        out.extend(src[i..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        i = end;
    }
    out
}

/// The number of `#` of the raw string (`r#"`, `br"`...) starting `rest`, after code `before`.
fn raw_string(rest: &str, before: &str) -> Option<usize> {
    let after = rest.strip_prefix('r')?;
    let hashes = after.len() - after.trim_start_matches('#').len();
    let word = &before[before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_').len()..];
    (after[hashes..].starts_with('"') && matches!(word, "" | "b" | "c")).then_some(hashes)
}
