//! The files `ecoute panel` writes, all or none: they are made in memory, written to a
//! temporary folder beside `--out`, and moved in only when every one is complete.

use std::io;
use std::path::{Path, PathBuf};

/// One output file: its name in the folder and its contents.
pub struct File {
    pub name: &'static str,
    pub contents: Vec<u8>,
}

/// CSV bytes from rows (the first is the header).
pub fn csv_bytes<I, R, S>(rows: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(row)?;
    }
    writer.into_inner().map_err(|e| e.into_error())
}

/// Writes `files` into `dir` (made if missing) and removes `stale` there (files of an earlier
/// run that this one does not make), without ever leaving a half-written file: everything is
/// written into a temporary folder beside `dir` first; then the folder is renamed to `dir`, or,
/// when `dir` exists, each file is renamed into it (each rename is atomic). On error the
/// temporary folder is removed and `dir` is as it was.
pub fn write_all(dir: &Path, files: &[File], stale: &[&str]) -> io::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let name = dir
        .file_name()
        .map_or("panel".into(), |n| n.to_string_lossy().into_owned());
    let temporary = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::create_dir(&temporary)?;
    let moved = fill_and_move(&temporary, dir, files, stale);
    if moved.is_err() {
        let _ = std::fs::remove_dir_all(&temporary);
    }
    moved
}

fn fill_and_move(temporary: &Path, dir: &Path, files: &[File], stale: &[&str]) -> io::Result<()> {
    for file in files {
        std::fs::write(temporary.join(file.name), &file.contents)?;
    }
    // Written and flushed to the kernel; make them durable before they replace anything.
    for file in files {
        std::fs::File::open(temporary.join(file.name))?.sync_all()?;
    }
    if !dir.exists() {
        return std::fs::rename(temporary, dir);
    }
    for file in files {
        std::fs::rename(temporary.join(file.name), dir.join(file.name))?;
    }
    for name in stale {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    std::fs::remove_dir(temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_land_together_and_an_existing_folder_keeps_its_other_files() {
        let root = std::env::temp_dir().join(format!("ecoute-panel-out-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("out");
        let one = |name, text: &str| File {
            name,
            contents: text.as_bytes().to_vec(),
        };
        write_all(&dir, &[one("a.csv", "1"), one("draws.csv", "2")], &[]).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        write_all(&dir, &[one("a.csv", "3")], &["draws.csv"]).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["out"], "no temporary folder left");
        assert_eq!(std::fs::read_to_string(dir.join("a.csv")).unwrap(), "3");
        assert!(!dir.join("draws.csv").exists());
        assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn csv_rows_are_quoted_where_needed() {
        let bytes = csv_bytes([["id", "address"], ["p1", "2, rue B"]]).unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), "id,address\np1,\"2, rue B\"\n");
    }
}
