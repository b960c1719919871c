//! Rule fixtures (ruff-style): each `tests/fixtures/rules/FPxxx.py` is scanned
//! with only that rule selected, and the findings (line, subject, context) are
//! snapshotted. The fixtures mark every expected finding with `# error`.

mod common;

use common::*;

fn findings(code: &str) -> Vec<String> {
    let path = format!("tests/fixtures/rules/{code}.py");
    let output = run(&["scan", &path, "--select", code, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {} [{}] {}",
                f["line"],
                f["column"],
                f["code"].as_str().unwrap(),
                f["subject"].as_str().unwrap(),
                f["context"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Lines marked `# error` in the fixture.
fn expected_lines(code: &str) -> Vec<u64> {
    let text = std::fs::read_to_string(repo_root().join(format!("tests/fixtures/rules/{code}.py")))
        .unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("# error"))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

fn check(code: &str) {
    let got = findings(code);
    let lines: Vec<u64> = got
        .iter()
        .map(|f| f.split(':').next().unwrap().parse().unwrap())
        .collect();
    let mut expected = expected_lines(code);
    expected.sort_unstable();
    let mut unique = lines.clone();
    unique.dedup();
    assert_eq!(
        unique, expected,
        "{code}: findings on lines {lines:?}, fixture marks {expected:?}"
    );
    insta::assert_snapshot!(code, got.join("\n"));
}

#[test]
fn fp001() {
    check("FP001");
}

#[test]
fn fp002() {
    check("FP002");
}

#[test]
fn fp003() {
    check("FP003");
}

#[test]
fn fp004() {
    check("FP004");
}
