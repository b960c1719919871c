//! What each fuzz target does with its input, in one place: the targets call
//! [`run`], and `tests/fuzz_regressions.rs` replays saved inputs through the
//! same function in `cargo test`.
//!
//! The declaration targets write the input under its real file name into a
//! small tree in a temporary directory (one directory per variant, kept for
//! the whole run) and run code-location discovery over it exactly as `scan`
//! does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use dagster_footprint::discover::locations::discover_locations;

/// A Python package for the declared locations to point at.
const PACKAGE: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    (
        "pkg/definitions.py",
        "import dagster as dg\nfrom pkg import assets\n\ndefs = dg.Definitions(assets=[assets.a])\n",
    ),
    ("pkg/assets.py", "import pandas\n\n@dg.asset\ndef a():\n    return 1\n"),
    ("pkg/defs/__init__.py", ""),
    ("pkg/defs/c/defs.yaml", "type: dagster_dbt.DbtProjectComponent\n"),
];

/// A workspace.yaml declaring one location at the root, for targets whose
/// file only describes a location (CODEOWNERS, manifests, container context).
const WORKSPACE: &str =
    "load_from:\n  - python_module:\n      module_name: pkg.definitions\n      working_directory: .\n      location_name: pkg\n";

struct Tree {
    _dir: tempfile::TempDir,
    roots: HashMap<&'static str, PathBuf>,
    base: PathBuf,
}

fn tree() -> &'static Mutex<Tree> {
    static TREE: OnceLock<Mutex<Tree>> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let base = dir.path().to_path_buf();
        Mutex::new(Tree {
            _dir: dir,
            roots: HashMap::new(),
            base,
        })
    })
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directory");
    }
    std::fs::write(path, data).expect("write file");
}

/// Writes `data` as `file` (next to the `fixed` files and the package) in the
/// variant's own directory, then discovers the locations of that tree.
/// `variant` names the directory, so a variant only ever holds its own files.
fn discover(variant: &'static str, file: &str, data: &[u8], fixed: &[(&str, &str)]) {
    let mut tree = tree().lock().unwrap_or_else(|e| e.into_inner());
    let base = tree.base.clone();
    let root = tree
        .roots
        .entry(variant)
        .or_insert_with(|| {
            let root = base.join(variant);
            for (rel, text) in PACKAGE.iter().chain(fixed) {
                write(&root, rel, text.as_bytes());
            }
            root
        })
        .clone();
    write(&root, file, data);
    let mut declarations: Vec<PathBuf> = fixed
        .iter()
        .map(|(rel, _)| root.join(rel))
        .filter(|p| p.extension().is_none_or(|e| e != "py"))
        .collect();
    declarations.push(root.join(file));
    declarations.push(root.join("pkg/defs/c/defs.yaml"));
    declarations.sort();
    declarations.dedup();
    let discovery = discover_locations(&root, &declarations);
    // Touch the output the way the renderers do.
    for location in &discovery.locations {
        std::hint::black_box(serde_json_len(location));
    }
    for d in &discovery.diagnostics {
        std::hint::black_box(d.to_string());
    }
}

fn serde_json_len<T: std::fmt::Debug>(value: &T) -> usize {
    format!("{value:?}").len()
}

const PROJECT: &str = "[project]\nname = \"proj\"\ndependencies = [\"dagster\"]\n\n[tool.dg]\ndirectory_type = \"project\"\n\n[tool.dg.project]\nroot_module = \"pkg\"\n";

/// The names of the targets, as in fuzz/Cargo.toml.
#[allow(dead_code)]
pub const TARGETS: &[&str] = &[
    "extract",
    "workspace_yaml",
    "pyproject_toml",
    "dg_toml",
    "dagster_cloud_yaml",
    "helm_values",
    "dockerfile",
    "codeowners",
    "manifest",
    "escapers",
];

/// Runs target `target` on `data`. Panics (the fuzzer's "crash") when the
/// code under test panics or breaks a property.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "extract" => extract(data),
        "workspace_yaml" => discover("workspace", "workspace.yaml", data, &[]),
        "pyproject_toml" => discover("pyproject", "pyproject.toml", data, &[]),
        "dg_toml" => discover("dg", "dg.toml", data, &[("proj/pyproject.toml", PROJECT)]),
        "dagster_cloud_yaml" => {
            // The first byte chooses the file.
            let Some((&which, rest)) = data.split_first() else {
                return;
            };
            let workspace = [("workspace.yaml", WORKSPACE)];
            match which % 3 {
                0 => discover("cloud", "dagster_cloud.yaml", rest, &[]),
                1 => discover(
                    "container_context",
                    "container_context.yaml",
                    rest,
                    &workspace,
                ),
                _ => discover("build", "build.yaml", rest, &workspace),
            }
        }
        "helm_values" => discover("helm", "helm/values.yaml", data, &[]),
        "dockerfile" => discover("docker", "Dockerfile", data, &[]),
        "codeowners" => discover(
            "codeowners",
            ".github/CODEOWNERS",
            data,
            &[("workspace.yaml", WORKSPACE)],
        ),
        "manifest" => {
            let Some((&which, rest)) = data.split_first() else {
                return;
            };
            let fixed = [
                ("workspace.yaml", WORKSPACE),
                (
                    "requirements-base.txt",
                    "boto3==1.35\n-r requirements.txt\n",
                ),
            ];
            match which % 3 {
                0 => discover("requirements", "requirements.txt", rest, &fixed),
                1 => discover("setup_py", "setup.py", rest, &fixed[..1]),
                _ => discover("setup_cfg", "setup.cfg", rest, &fixed[..1]),
            }
        }
        "escapers" => escapers(data),
        other => panic!("unknown fuzz target `{other}`"),
    }
}

/// The per-file path of `scan`: decode, then parse and extract.
fn extract(data: &[u8]) {
    use dagster_footprint::scan::{extract, source};
    let mut diagnostics = Vec::new();
    let text = source::decode("pkg/mod.py", data, &mut diagnostics);
    // Relative imports resolve against the module; exercise both file kinds.
    let is_package = data.first().is_some_and(|b| b & 1 == 1);
    let facts = extract::extract("pkg/mod.py", &text, Some("pkg.sub.mod"), is_package);
    let index = source::LineIndex::new(&text);
    for import in &facts.imports {
        std::hint::black_box(import);
    }
    std::hint::black_box((facts.calls.len(), facts.noqa.len(), facts.diagnostics.len()));
    std::hint::black_box(index.line_column(&text, text.len()));
}

/// The escapers for text from the scanned repository, each with the
/// property it promises: the terminal one leaves no control character but
/// `\n` and `\t`; the Markdown one leaves nothing active in GitHub Markdown
/// (no HTML, no table or code delimiter, no unescaped Markdown character, no
/// mention, issue reference or `://`, one line); the GitHub workflow-command
/// and OpenMetrics ones round-trip and cannot end their field.
fn escapers(data: &[u8]) {
    use dagster_footprint::report::{github, markdown, openmetrics, terminal_safe};
    let text = String::from_utf8_lossy(data);

    let safe = terminal_safe(&text);
    assert!(
        !safe
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "terminal: control character left in {safe:?}"
    );

    let md = markdown::escape(&text);
    check_markdown(&text, &md);

    let data_escaped = github::escape_data(&text);
    assert!(
        !data_escaped.contains(['\r', '\n']),
        "github data: {data_escaped:?}"
    );
    assert_eq!(
        percent_decode(&data_escaped),
        text,
        "github data does not round-trip"
    );
    let property = github::escape_property(&text);
    assert!(
        !property.contains(['\r', '\n', ':', ',']),
        "github property: {property:?}"
    );
    assert_eq!(
        percent_decode(&property),
        text,
        "github property does not round-trip"
    );

    let label = openmetrics::escape_label(&text);
    assert!(!label.contains('\n'), "openmetrics label: {label:?}");
    assert_eq!(
        label_decode(&label),
        Some(text.to_string()),
        "openmetrics label: {label:?}"
    );
}

/// What `markdown::escape` promises (see its documentation).
fn check_markdown(input: &str, md: &str) {
    const ENTITIES: [&str; 8] = [
        "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#124;", "&#96;", "&#8203;",
    ];
    const ESCAPED: [char; 7] = ['\\', '*', '_', '[', ']', '~', '$'];
    let fail = |why: &str| -> ! { panic!("markdown: {why} in {md:?} (from {input:?})") };
    if md.contains(['<', '>', '|', '`', '"', '\'', '\n', '\r', '\t']) {
        fail("raw HTML, table, code or line character");
    }
    if md.contains("://") {
        fail("`://`");
    }
    let chars: Vec<char> = md.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        match c {
            '&' => {
                let Some(entity) = ENTITIES.iter().find(|e| rest.starts_with(*e)) else {
                    fail("bare `&`");
                };
                i += entity.chars().count();
                continue;
            }
            '\\' => match chars.get(i + 1) {
                Some(next) if ESCAPED.contains(next) => i += 1,
                // A control character shown as `\u{..}`.
                Some('u') if chars.get(i + 2) == Some(&'{') => {}
                _ => fail("lone backslash"),
            },
            '@' if !rest.starts_with("@&#8203;") => fail("`@` mention"),
            '#' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => fail("issue reference"),
            c if ESCAPED.contains(&c) => fail("unescaped Markdown character"),
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                fail("control or bidirectional character")
            }
            _ => {}
        }
        i += 1;
    }
}

/// Undoes the workflow-command escapes.
fn percent_decode(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Undoes the OpenMetrics label escapes; `None` on a dangling backslash.
fn label_decode(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
