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
    let size = match std::fs::metadata(path) {
        // Opening a FIFO would block: only regular files are read.
        Ok(meta) if !meta.is_file() => {
            facts.diagnostics.push(Diagnostic::new(
                &display,
                Severity::Warning,
                "not-a-file",
                "skipped: not a regular file (a FIFO, socket or device named `.py`?)",
            ));
            return facts;
        }
        Ok(meta) => meta.len(),
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
    // One bounded read: a file that grew since `metadata` (or was swapped for
    // a FIFO or device) is never read past the limit.
    let bytes = match read_bounded(path, max_file_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            facts.diagnostics.push(Diagnostic::new(
                &display,
                Severity::Warning,
                "file-too-large",
                format!(
                    "skipped: grew past --max-file-bytes ({max_file_bytes}) while being read, \
                     or is not a regular file"
                ),
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

/// Reads at most `limit` bytes of a regular file; `None` when it is larger
/// or not a regular file.
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    // Sized from the metadata (as `fs::read` is): no regrowing while reading.
    let mut bytes =
        Vec::with_capacity(usize::try_from(meta.len().min(limit).saturating_add(1)).unwrap_or(0));
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
