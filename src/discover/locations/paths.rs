//! Repository-relative paths (`/`-separated, no `.`/`..`, never leaving the
//! root) and the few file-system looks discovery needs, all confined to the root.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest declaration or manifest file read; anything bigger is not a config file.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The directory of a relative path (`""` for a file at the root).
pub(crate) fn parent(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(dir, _)| dir.to_string())
        .unwrap_or_default()
}

/// The last component of a relative path.
pub(crate) fn file_name(rel: &str) -> &str {
    rel.rsplit_once('/').map_or(rel, |(_, name)| name)
}

/// Lexically normalises `rel`: drops `.` and empty components, applies `..`.
/// `None` when it climbs above the root.
pub(crate) fn normalize(rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `base/rel`, normalised. `None` for absolute paths and paths leaving the root.
pub(crate) fn join(base: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    if rel.starts_with('/') || rel.starts_with('~') || rel.contains(':') && !rel.starts_with('.') {
        return None;
    }
    if base.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{base}/{rel}"))
    }
}

/// `a/b` joined without normalising (both already normalised).
pub(crate) fn child(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{name}")
    }
}

/// Whether `path` is `dir` or inside it.
pub(crate) fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// The file system under one root. Every look resolves symlinks and refuses
/// what lands outside the root.
pub(crate) struct Fs {
    root: PathBuf,
    python_files: OnceLock<Vec<String>>,
}

impl Fs {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            python_files: OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The scanned root's own directory name (a dg project at the root is named after it).
    pub fn root_name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn inside(&self, rel: &str) -> Option<PathBuf> {
        let path = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        };
        let canonical = path.canonicalize().ok()?;
        canonical.starts_with(&self.root).then_some(canonical)
    }

    pub fn is_file(&self, rel: &str) -> bool {
        self.inside(rel).is_some_and(|p| p.is_file())
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.inside(rel).is_some_and(|p| p.is_dir())
    }

    /// The relative path of an absolute path under the root.
    pub fn relative(&self, path: &Path) -> String {
        crate::discover::walk::relative_display(&self.root, path)
    }

    /// Every `.py` file under the root, relative, sorted (walked once, lazily,
    /// with the walker's rules: no virtualenvs, caches or build output).
    pub fn python_files(&self) -> &[String] {
        self.python_files.get_or_init(|| {
            crate::discover::walk::walk(&self.root, &crate::discover::WalkOptions::default())
                .map(|w| w.python_files.iter().map(|p| self.relative(p)).collect())
                .unwrap_or_default()
        })
    }
}

/// Why a declaration or manifest file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    /// Diagnostic kind: `io-error`, `file-too-large`, `non-utf8` or `nul-byte`.
    pub kind: &'static str,
    pub message: String,
    /// 1-based line and column of the offending byte, when there is one.
    pub at: Option<(u32, u32)>,
}

impl ReadError {
    fn io(message: impl Into<String>) -> Self {
        Self {
            kind: "io-error",
            message: message.into(),
            at: None,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some((line, _)) => write!(f, "{} (line {line})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Reads a file under `root` (given relative), refusing paths that leave it
/// and files over [`MAX_FILE_BYTES`].
pub(crate) fn read_inside(root: &Path, rel: &str) -> Result<String, ReadError> {
    decode(read_bytes_inside(root, rel)?)
}

/// The bytes of a file under `root`, with the checks of [`read_inside`] but
/// not decoded.
pub(crate) fn read_bytes_inside(root: &Path, rel: &str) -> Result<Vec<u8>, ReadError> {
    let root = root
        .canonicalize()
        .map_err(|e| ReadError::io(e.to_string()))?;
    let path = root.join(rel).canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::io("not found"),
        _ => ReadError::io(e.to_string()),
    })?;
    if !path.starts_with(&root) {
        return Err(ReadError::io("it resolves outside the scanned root"));
    }
    read_bytes(&path)
}

/// Reads a declaration file: UTF-8 (a BOM is dropped), at most
/// [`MAX_FILE_BYTES`], no NUL bytes.
pub(crate) fn read_path(path: &Path) -> Result<String, ReadError> {
    decode(read_bytes(path)?)
}

/// The bytes of a file of at most [`MAX_FILE_BYTES`]. Only regular files are
/// opened, and never more than the limit is read, even if the file grows
/// after it was measured.
fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let too_large = |len: u64| ReadError {
        kind: "file-too-large",
        message: format!(
            "{len} bytes is too large for a configuration file (limit {MAX_FILE_BYTES})"
        ),
        at: None,
    };
    let meta = std::fs::metadata(path).map_err(|e| ReadError::io(e.to_string()))?;
    if !meta.is_file() {
        // A FIFO or device would block or never end.
        return Err(ReadError::io("not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Declaration bytes into text: a UTF-8 BOM is dropped; invalid UTF-8 and NUL
/// bytes (which YAML and TOML forbid, and which parsers may treat as the end
/// of the input) are refused with their position.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    let position = |bytes: &[u8], offset: usize| {
        let before = &bytes[..offset.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let byte = bytes.get(offset).copied().unwrap_or_default();
            return Err(ReadError {
                kind: "non-utf8",
                message: format!("not valid UTF-8 (byte 0x{byte:02X})"),
                at: Some(position(&bytes, offset)),
            });
        }
    };
    if let Some(offset) = text.find('\0') {
        return Err(ReadError {
            kind: "nul-byte",
            message: "contains a NUL byte (a binary file?)".to_string(),
            at: Some(position(text.as_bytes(), offset)),
        });
    }
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_and_joining() {
        assert_eq!(normalize("./a//b/../c/"), Some("a/c".into()));
        assert_eq!(normalize("a/../.."), None);
        assert_eq!(
            join("projects/x", "../y/z.py"),
            Some("projects/y/z.py".into())
        );
        assert_eq!(join("", "../../etc/passwd"), None);
        assert_eq!(join("a", "/opt/app"), None);
        assert_eq!(join("a", "."), Some("a".into()));
        assert_eq!(parent("a/b/c.py"), "a/b");
        assert_eq!(parent("c.py"), "");
        assert!(is_within("a/b/c", "a/b"));
        assert!(!is_within("a/bc", "a/b"));
        assert!(is_within("x", ""));
    }

    #[cfg(unix)]
    #[test]
    fn reads_stay_inside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
        std::fs::write(dir.path().join("ok.txt"), "\u{feff}ok").unwrap();
        assert_eq!(read_inside(dir.path(), "ok.txt"), Ok("ok".into()));
        std::fs::write(dir.path().join("bad.txt"), b"a: 1\nb: \"x\xff\"\n").unwrap();
        let err = read_inside(dir.path(), "bad.txt").unwrap_err();
        assert_eq!((err.kind, err.at), ("non-utf8", Some((2, 6))));
        std::fs::write(dir.path().join("nul.txt"), "a: 1\nb: x\0y\n").unwrap();
        let err = read_inside(dir.path(), "nul.txt").unwrap_err();
        assert_eq!((err.kind, err.at), ("nul-byte", Some((2, 5))));
        assert!(read_inside(dir.path(), "escape/secret.txt").is_err());
        let fs = Fs::new(dir.path());
        assert!(!fs.is_file("escape/secret.txt"));
        assert!(fs.is_file("ok.txt"));
    }
}
