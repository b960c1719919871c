//! Stage 2: parse every Python file, in parallel, into [`FileFacts`].

pub mod extract;
pub mod facts;
pub mod interest;
pub mod module_path;
pub mod names;
pub mod source;
mod stack;
pub mod uses;

pub use facts::*;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Severity};
use crate::discover::walk::relative_display;

/// Default for `--max-file-bytes`: larger `.py` files are generated data, not code.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// Stack size of the scan threads. Parsing and extraction also grow their
/// stack on demand (`stacker`), so this only needs to cover dropping deep ASTs.
const SCAN_THREAD_STACK: usize = 16 * 1024 * 1024;

/// Options for [`scan_files`].
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_bytes: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            jobs: 0,
            progress: false,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// Parses `files` (absolute paths under `root`) in parallel into facts, in
/// the same order as `files` whatever the number of threads, keeping the
/// calls and name uses `interest` asks for.
pub fn scan_files(
    root: &Path,
    files: &[PathBuf],
    options: &ScanOptions,
    interest: &dyn interest::Interest,
) -> Vec<FileFacts> {
    let packages = module_path::package_dirs(files);
    let bar = if options.progress {
        let bar =
            ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} parsing {pos}/{len} files {wide_bar}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let done = AtomicUsize::new(0);
    let work = || {
        files
            .par_iter()
            .map(|path| {
                let facts = scan_file(root, path, &packages, options.max_file_bytes, interest);
                let n = done.fetch_add(1, Ordering::Relaxed);
                if n.is_multiple_of(64) {
                    bar.set_position(n as u64);
                }
                facts
            })
            .collect::<Vec<_>>()
    };
    let facts = match scan_pool(options.jobs) {
        Ok(pool) => pool.install(work),
        // Could not start threads (resource limits): scan on this thread.
        Err(_) => files
            .iter()
            .map(|path| scan_file(root, path, &packages, options.max_file_bytes, interest))
            .collect(),
    };
    bar.finish_and_clear();
    facts
}

/// The scan thread pool for `jobs` threads (0: one per core), built once per
/// process and reused by every later scan.
pub(crate) fn scan_pool(
    jobs: usize,
) -> Result<Arc<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == jobs) {
        return Ok(Arc::clone(pool));
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .stack_size(SCAN_THREAD_STACK)
            .build()?,
    );
    pools.push((jobs, Arc::clone(&pool)));
    Ok(pool)
}

/// Reads, decodes, parses and extracts one file. Never fails: problems are
/// diagnostics in the returned facts.
pub fn scan_file(
    root: &Path,
    path: &Path,
    packages: &std::collections::HashSet<PathBuf>,
    max_file_bytes: u64,
    interest: &dyn interest::Interest,
) -> FileFacts {
    let display = relative_display(root, path);
    let module = module_path::module_name(root, path, packages);
    let mut facts = FileFacts {
        path: display.clone(),
        is_package: module.as_ref().is_some_and(|(_, p)| *p),
        module: module.map(|(m, _)| m),
        ..FileFacts::default()
    };
    let (file, size) = match open_regular(path) {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            facts.diagnostics.push(Diagnostic::new(
                &display,
                Severity::Warning,
                "not-a-file",
                "skipped: not a regular file (a FIFO, socket or device named `.py`?)",
            ));
            return facts;
        }
        Err(err) => {
            facts.diagnostics.push(io_diagnostic(&display, &err));
            return facts;
        }
    };
    facts.size_bytes = size;
    if size > max_file_bytes {
        facts.diagnostics.push(Diagnostic::new(
            &display,
            Severity::Warning,
            "file-too-large",
            format!(
                "skipped: {size} bytes is over --max-file-bytes ({max_file_bytes}); generated \
                 data rather than code? Raise --max-file-bytes to scan it"
            ),
        ));
        return facts;
    }
    // One bounded read: a file that grew since it was opened is never read
    // past the limit.
    let bytes = match read_bounded(file, size, max_file_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            facts.diagnostics.push(Diagnostic::new(
                &display,
                Severity::Warning,
                "file-too-large",
                format!("skipped: grew past --max-file-bytes ({max_file_bytes}) while being read"),
            ));
            return facts;
        }
        Err(err) => {
            facts.diagnostics.push(io_diagnostic(&display, &err));
            return facts;
        }
    };
    facts.size_bytes = bytes.len() as u64;
    if source::has_byte(&bytes, 0) {
        facts.diagnostics.push(Diagnostic::new(
            &display,
            Severity::Error,
            "nul-byte",
            "contains NUL bytes: a binary file named `.py`? Python refuses to import it; \
             delete or --exclude it",
        ));
        return facts;
    }
    let text = source::decode_owned(&display, bytes, &mut facts.diagnostics);
    let extracted = extract::extract_with(
        &display,
        &text,
        facts.module.as_deref(),
        facts.is_package,
        interest,
    );
    facts.imports = extracted.imports;
    facts.calls = extracted.calls;
    facts.noqa = extracted.noqa;
    facts.uses = extracted.uses;
    facts.diagnostics.extend(extracted.diagnostics);
    facts
}

/// Opens `path` if it is a regular file, with its size; `None` when it is
/// something else (a FIFO, socket or device swapped in after the walk).
///
/// On Linux the file is opened non-blocking, so that opening a FIFO returns
/// at once, and checked with `fstat` on the open file: one path lookup, and
/// no window between the check and the open. Elsewhere the path is checked
/// before it is opened.
fn open_regular(path: &Path) -> std::io::Result<Option<(std::fs::File, u64)>> {
    #[cfg(target_os = "linux")]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?
    };
    #[cfg(not(target_os = "linux"))]
    let file = {
        if !std::fs::metadata(path)?.is_file() {
            return Ok(None);
        }
        std::fs::File::open(path)?
    };
    let meta = file.metadata()?;
    Ok(meta.is_file().then_some((file, meta.len())))
}

/// Reads at most `limit` bytes of `file` (`size` bytes when opened); `None`
/// when it holds more.
fn read_bounded(file: std::fs::File, size: u64, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    // Sized from the metadata (as `fs::read` is): no regrowing while reading.
    let mut bytes =
        Vec::with_capacity(usize::try_from(size.min(limit).saturating_add(1)).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn io_diagnostic(path: &str, err: &std::io::Error) -> Diagnostic {
    let detail = match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; fix its permissions or --exclude it".to_string()
        }
        std::io::ErrorKind::NotFound => "file disappeared during the scan".to_string(),
        _ => err.to_string(),
    };
    Diagnostic::new(
        path,
        Severity::Warning,
        "io-error",
        format!("cannot read: {detail}"),
    )
}

/// Facts of an in-memory source, for unit tests of later stages.
#[cfg(test)]
pub(crate) fn facts_for_test(path: &str, module: &str, source: &str) -> FileFacts {
    let is_package = path.ends_with("__init__.py");
    let e = extract::extract(path, source, Some(module), is_package);
    FileFacts {
        path: path.to_string(),
        module: Some(module.to_string()),
        is_package,
        size_bytes: source.len() as u64,
        imports: e.imports,
        calls: e.calls,
        uses: e.uses,
        noqa: e.noqa,
        diagnostics: e.diagnostics,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn scan_one(root: &Path, path: &Path, max_file_bytes: u64) -> FileFacts {
        scan_file(
            root,
            path,
            &std::collections::HashSet::new(),
            max_file_bytes,
            &interest::Everything,
        )
    }

    fn codes(facts: &FileFacts) -> Vec<&str> {
        facts.diagnostics.iter().map(|d| d.kind.as_ref()).collect()
    }

    /// The walker skips FIFOs, but one can be swapped in after the walk:
    /// opening it for reading must neither block nor read it.
    #[test]
    fn a_fifo_named_py_is_skipped_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.py");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            panic!("mkfifo is needed for this test");
        }
        let (done, finished) = std::sync::mpsc::channel();
        let (root, path) = (dir.path().to_path_buf(), fifo.clone());
        std::thread::spawn(move || {
            let _ = done.send(scan_one(&root, &path, 1024));
        });
        let facts = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("scanning a FIFO blocked");
        assert_eq!(codes(&facts), ["not-a-file"]);
        assert!(facts.imports.is_empty());
    }

    #[test]
    fn files_over_the_limit_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.py");
        std::fs::write(&big, "import os\n".repeat(100)).unwrap();
        let facts = scan_one(dir.path(), &big, 999);
        assert_eq!(codes(&facts), ["file-too-large"]);
        assert_eq!(facts.size_bytes, 1000);
        assert!(facts.imports.is_empty());
        let facts = scan_one(dir.path(), &big, 1000);
        assert!(codes(&facts).is_empty());
        assert_eq!(facts.imports.len(), 100);
    }

    #[test]
    fn a_missing_file_is_an_io_diagnostic() {
        let dir = tempfile::tempdir().unwrap();
        let facts = scan_one(dir.path(), &dir.path().join("gone.py"), 1024);
        assert_eq!(codes(&facts), ["io-error"]);
        assert!(facts.diagnostics[0].message.contains("disappeared"));
    }
}
