//! Helpers shared by the end-to-end tests: run the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dagster-footprint"))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(name: &str) -> PathBuf {
    repo_root().join("sample_repos").join(name)
}

/// Runs the binary with `args` from the repository root.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON report with its timing fields removed (the only fields that may
/// differ between identical runs).
pub fn json_without_timings(text: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    if let Some(obj) = value.as_object_mut() {
        obj.remove("timings");
    }
    value
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
