//! Hostile and broken input: every case ends in a diagnostic naming the file
//! and a finished scan with a normal exit code (0 or 1, never a crash).

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn scan_json(dir: &Path, extra: &[&str]) -> (serde_json::Value, i32, String) {
    let mut args = vec!["scan", path_str(dir), "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    let output = bin().args(&args).output().unwrap();
    let code = output.status.code().unwrap_or(-1);
    let text = stdout(&output);
    let value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}); exit {code}; stderr: {}",
            stderr(&output)
        )
    });
    (value, code, stderr(&output))
}

fn diagnostics(value: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
                d["line"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn byte_level_oddities() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("latin.py"), b"import pandas\nx = '\xff\xfe'\n").unwrap();
    fs::write(d.join("bom.py"), b"\xEF\xBB\xBFimport torch\r\n").unwrap();
    fs::write(d.join("lone_cr.py"), b"import os\rimport spacy\r").unwrap();
    fs::write(d.join("nul.py"), b"import x\0\0\0").unwrap();
    fs::write(d.join("empty.py"), b"").unwrap();
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    fs::write(d.join("binary.py"), binary).unwrap();
    let (value, code, _) = scan_json(d, &[]);
    assert_eq!(code, 1, "findings from the readable files");
    let diags = diagnostics(&value);
    assert!(
        diags.contains(&("latin.py".into(), "non-utf8".into(), Some(2))),
        "{diags:?}"
    );
    assert!(diags
        .iter()
        .any(|(p, k, _)| p == "nul.py" && k == "nul-byte"));
    assert!(diags
        .iter()
        .any(|(p, k, _)| p == "binary.py" && k == "nul-byte"));
    let findings: Vec<(String, u64)> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(findings.contains(&("bom.py".into(), 1)));
    // A lone CR ends a line for Python: spacy is on line 2.
    assert!(findings.contains(&("lone_cr.py".into(), 2)), "{findings:?}");
    assert!(findings.contains(&("latin.py".into(), 1)));
    assert_eq!(value["summary"]["files_scanned"], 6);
}

#[test]
fn huge_file_is_skipped_then_scanned_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("import torch\n");
    while text.len() < 20 * 1024 * 1024 {
        text.push_str("x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n");
    }
    fs::write(dir.path().join("generated.py"), &text).unwrap();
    let (value, code, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(diagnostics(&value)
        .iter()
        .any(|(p, k, _)| p == "generated.py" && k == "file-too-large"));
    let (value, code, _) = scan_json(dir.path(), &["--max-file-bytes", "30000000"]);
    assert_eq!(code, 1);
    assert_eq!(value["findings"][0]["subject"], "torch");
}

#[test]
fn hundred_thousand_imports() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(2_000_000);
    for i in 0..100_000 {
        text.push_str(&format!("import mod_{i}\n"));
    }
    text.push_str("import torch\n");
    fs::write(dir.path().join("many.py"), &text).unwrap();
    let (value, code, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(value["findings"][0]["line"], 100_001);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 10_000;
    let expr = format!(
        "x = {}1{}\nimport torch\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    fs::write(dir.path().join("parens.py"), expr).unwrap();
    let lists = format!("y = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    fs::write(dir.path().join("lists.py"), lists).unwrap();
    let calls = format!("z = {}0{}\n", "f(".repeat(depth), ")".repeat(depth));
    fs::write(dir.path().join("calls.py"), calls).unwrap();
    let mut ifs = String::new();
    for i in 0..5_000 {
        ifs.push_str(&" ".repeat(i));
        ifs.push_str("if x:\n");
    }
    ifs.push_str(&" ".repeat(5_000));
    ifs.push_str("import spacy\n");
    fs::write(dir.path().join("ifs.py"), ifs).unwrap();
    // 5,000 levels of one-space indentation is a 12.5 MB file: allow it.
    let (value, code, stderr) = scan_json(dir.path(), &["--max-file-bytes", "50000000"]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert_eq!(value["summary"]["files_scanned"], 4);
    assert!(
        value["diagnostics"].as_array().unwrap().is_empty(),
        "{}",
        value["diagnostics"]
    );
    let subjects: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&"torch"), "{subjects:?}");
    assert!(subjects.contains(&"spacy"), "{subjects:?}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_directories() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("ok.py"), "import torch\n").unwrap();
    fs::write(d.join("secret.py"), "import pandas\n").unwrap();
    fs::set_permissions(d.join("secret.py"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::create_dir(d.join("locked")).unwrap();
    fs::write(d.join("locked/inner.py"), "import numpy\n").unwrap();
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    // Root can read anything: the permission cases only bite as a normal user.
    let readable_anyway = fs::read(d.join("secret.py")).is_ok();
    let (value, code, _) = scan_json(d, &[]);
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(d.join("secret.py"), fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(code, 1);
    if !readable_anyway {
        let diags = diagnostics(&value);
        assert!(
            diags
                .iter()
                .any(|(p, k, _)| p == "secret.py" && k == "io-error"),
            "{diags:?}"
        );
        assert!(
            diags
                .iter()
                .any(|(p, k, _)| p == "locked" && k == "io-error"),
            "{diags:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_escape() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("evil.py"), "import torch\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("pkg")).unwrap();
    fs::write(d.join("pkg/a.py"), "import json\n").unwrap();
    std::os::unix::fs::symlink(d.join("pkg"), d.join("pkg/self")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join("escape")).unwrap();
    std::os::unix::fs::symlink(d.join("nowhere.py"), d.join("dangling.py")).unwrap();
    let (value, code, _) = scan_json(d, &[]);
    assert_eq!(code, 0, "evil.py outside the root is not scanned");
    let kinds: Vec<String> = diagnostics(&value).into_iter().map(|(_, k, _)| k).collect();
    assert!(kinds.contains(&"symlink-loop".to_string()), "{kinds:?}");
    assert!(
        kinds.contains(&"symlink-outside-root".to_string()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"io-error".to_string()),
        "dangling symlink: {kinds:?}"
    );
}
