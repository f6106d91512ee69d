//! What a deployment uploads: the arm64 zips' sizes, and the native binaries'.

use std::collections::BTreeMap;
use std::path::Path;

/// Size in bytes of each `<function>/bootstrap.zip` (cargo lambda's `--output-format zip`).
pub fn zip_sizes(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let size = std::fs::metadata(entry.path().join("bootstrap.zip"))
                .ok()?
                .len();
            Some((entry.file_name().to_string_lossy().into_owned(), size))
        })
        .collect()
}

/// Size in bytes of a subject's native binary (none for the Node.js peer, which has none).
pub fn binary_size(bin_dir: &Path, subject: &str) -> Option<u64> {
    std::fs::metadata(bin_dir.join(subject))
        .ok()
        .filter(|_| !subject.starts_with("node"))
        .map(|meta| meta.len())
}
