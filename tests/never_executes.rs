//! The scanner never runs the code it reads.
//!
//! `sample_repos/hostile` is a real code location whose every Python file
//! (the package, `setup.py`, `conftest.py`, `sitecustomize.py`, ...) and
//! `.pth` file would leave a trace if imported or executed: a file in a trace
//! directory, a file made through `os.system`, a connection to a socket. Each
//! test copies it to a temporary directory, points the traces at places it
//! watches, puts fake `python`/`python3`/`pip`/`dagster`/`uv` programs first
//! on `PATH` that record any call, runs commands of the tool, and checks that
//! nothing happened: no trace, no connection, no program spawned, no file in
//! the tree added or changed (except by `fix --apply`, whose job that is).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

/// Default trace directory and port written in the sample; rewritten in the copy.
const SAMPLE_TRACE_DIR: &str = "/tmp/dagster-footprint-hostile-trace";
const SAMPLE_PORT: &str = "\"DAGSTER_FOOTPRINT_TRACE_PORT\", \"9\"";

/// Programs a scanner might be tempted to run on a Python tree.
const FAKE_PROGRAMS: &[&str] = &[
    "python",
    "python3",
    "python3.11",
    "python3.12",
    "pip",
    "pip3",
    "dagster",
    "dg",
    "uv",
    "pytest",
];

struct Sandbox {
    _dirs: Vec<tempfile::TempDir>,
    tree: PathBuf,
    traces: PathBuf,
    fake_bin: PathBuf,
    out: PathBuf,
    listener: TcpListener,
    port: u16,
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

fn sandbox() -> Sandbox {
    let tree_dir = tempfile::tempdir().unwrap();
    let traces_dir = tempfile::tempdir().unwrap();
    let bin_dir = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let tree = tree_dir.path().join("hostile");
    copy_tree(&sample("hostile"), &tree);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();

    // Point the sample's traces at directories this test watches, even for a
    // process that would not inherit the environment.
    let traces = traces_dir.path().to_path_buf();
    let mut rewritten = 0;
    for (rel, bytes) in snapshot(&tree) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if text.contains(SAMPLE_TRACE_DIR) {
            let text = text.replace(SAMPLE_TRACE_DIR, path_str(&traces)).replace(
                SAMPLE_PORT,
                &format!("\"DAGSTER_FOOTPRINT_TRACE_PORT\", \"{port}\""),
            );
            fs::write(tree.join(rel), text).unwrap();
            rewritten += 1;
        }
    }
    assert!(rewritten >= 9, "the sample's payloads were not all found");

    let fake_bin = bin_dir.path().to_path_buf();
    for name in FAKE_PROGRAMS {
        let path = fake_bin.join(name);
        fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"$0 $*\" >> '{}/spawned-{name}'\nexit 1\n",
                traces.display()
            ),
        )
        .unwrap();
        make_executable(&path);
    }
    Sandbox {
        tree,
        traces,
        fake_bin,
        out: out_dir.path().to_path_buf(),
        listener,
        port,
        _dirs: vec![tree_dir, traces_dir, bin_dir, out_dir],
    }
}

impl Sandbox {
    /// Runs the tool from inside the tree, with the traces' environment and
    /// the fake programs first on PATH.
    fn run(&self, args: &[&str]) -> Output {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.fake_bin.clone()];
        paths.extend(std::env::split_paths(&path));
        bin()
            .args(args)
            .current_dir(&self.tree)
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("PYTHONPATH", &self.tree)
            .env("DAGSTER_FOOTPRINT_TRACE_DIR", &self.traces)
            .env("DAGSTER_FOOTPRINT_TRACE_PORT", self.port.to_string())
            .output()
            .unwrap()
    }

    /// Fails when anything in the sample ran: a trace file, a fake program
    /// called, a connection made.
    fn assert_no_trace(&self, after: &str) {
        let left: Vec<String> = fs::read_dir(&self.traces)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "after `{after}`, traces: {left:?}");
        match self.listener.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("after `{after}`, a connection to the trace port: {other:?}"),
        }
    }
}

/// Every command, in every output format, one after the other; nothing runs
/// and the tree is left byte for byte as it was (no `__pycache__`, no `.pyc`).
#[test]
fn no_command_executes_the_scanned_code() {
    let sb = sandbox();
    let before = snapshot(&sb.tree);
    let out_file = sb.out.join("report.json");
    let out = path_str(&out_file);
    let commands: Vec<Vec<&str>> = vec![
        vec!["scan", "."],
        vec!["scan", ".", "--format", "table"],
        vec!["scan", ".", "--format", "json"],
        vec!["scan", ".", "--format", "json", "-o", out],
        vec!["scan", ".", "--jobs", "1", "--quiet"],
        vec!["scan", "hostile_pkg/definitions.py"],
        vec!["scan", "setup.py", "--format", "json"],
        vec!["locations", "."],
        vec!["locations", ".", "--format", "table"],
        vec!["locations", ".", "--format", "json"],
        vec!["explain", "hostile", "."],
        vec!["explain", "no-such-location", "."],
        vec!["fix", "."],
        vec!["fix", ".", "--diff"],
        vec!["diff", out, out],
        vec!["diff", out, out, "--format", "markdown"],
    ];
    for args in &commands {
        let output = sb.run(args);
        let code = output.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "`{}` crashed: {code:?}; stderr: {}",
            args.join(" "),
            stderr(&output)
        );
        sb.assert_no_trace(&args.join(" "));
    }
    assert_eq!(snapshot(&sb.tree), before, "the scanned tree was modified");
}

/// `fix --apply` rewrites files (that is its job), but runs nothing.
#[test]
fn fix_apply_executes_nothing() {
    let sb = sandbox();
    let output = sb.run(&["fix", ".", "--apply"]);
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{}",
        stderr(&output)
    );
    sb.assert_no_trace("fix --apply");
    let pycache: Vec<_> = snapshot(&sb.tree)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains("__pycache__"))
        .collect();
    assert!(pycache.is_empty(), "{pycache:?}");
}

/// The commands see the sample as a real code location (so the checks above
/// are not vacuous): `hostile` is found, loads its package, and has findings.
#[test]
fn the_hostile_sample_is_a_real_location() {
    let sb = sandbox();
    let output = sb.run(&["scan", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let location = &report["locations"][0];
    assert_eq!(location["name"], "hostile", "{location}");
    assert_eq!(report["summary"]["files_scanned"], 8);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["path"] == "hostile_pkg/assets.py" && f["subject"] == "pandas"));

    let explain = sb.run(&["explain", "hostile", "."]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
    assert!(stdout(&explain).contains("hostile_pkg/assets.py"));

    let locations = sb.run(&["locations", ".", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&locations)).unwrap();
    assert_eq!(value["locations"][0]["manifest"]["path"], "pyproject.toml");
    sb.assert_no_trace("checks");
}

/// Positive control: run with a real Python, the sample does leave every kind
/// of trace the tests look for (skipped when no `python3` is installed).
#[cfg(unix)]
#[test]
fn the_payload_leaves_traces_when_python_runs_it() {
    let sb = sandbox();
    let Ok(python) = std::process::Command::new("python3")
        .arg("-c")
        .arg("import sys; print(sys.executable)")
        .output()
    else {
        eprintln!("no python3: positive control skipped");
        return;
    };
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    if python.is_empty() {
        return;
    }
    let status = std::process::Command::new(&python)
        .arg("-S")
        .arg("-c")
        .arg(format!(
            "import runpy, site; site.addsitedir({tree:?}); runpy.run_path({file:?})",
            tree = path_str(&sb.tree),
            file = path_str(&sb.tree.join("conftest.py")),
        ))
        .current_dir(&sb.tree)
        .env("PATH", "/usr/bin:/bin")
        .env_remove("DAGSTER_FOOTPRINT_TRACE_DIR")
        .status()
        .unwrap();
    assert!(status.success());
    let mut left: Vec<String> = fs::read_dir(&sb.traces)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec!["executed-conftest", "executed-pth", "os-system-conftest"]
    );
    assert!(
        sb.listener.accept().is_ok(),
        "the payload connects to the trace port"
    );
}
