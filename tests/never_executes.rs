//! The scanner never runs the code it reads: a tree whose every Python file
//! would leave a trace if imported or executed is scanned, and no trace appears.

mod common;

use common::*;

fn hostile_tree(dir: &std::path::Path, marker: &std::path::Path) {
    let marker = marker.display();
    let payload = format!(
        "import os, socket\n\
         open(r'{marker}', 'w').write('executed')\n\
         os.system('touch {marker}.system')\n\
         socket.create_connection(('127.0.0.1', 9))\n"
    );
    for rel in [
        "pkg/__init__.py",
        "pkg/definitions.py",
        "setup.py",
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
        "__main__.py",
    ] {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &payload).unwrap();
    }
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.dagster]\nmodule_name = \"pkg.definitions\"\n",
    )
    .unwrap();
}

#[test]
fn scan_does_not_execute_anything() {
    let tree = tempfile::tempdir().unwrap();
    let traces = tempfile::tempdir().unwrap();
    let marker = traces.path().join("marker");
    hostile_tree(tree.path(), &marker);
    for format in ["table", "json"] {
        let output = bin()
            .args(["scan", path_str(tree.path()), "--format", format])
            .current_dir(tree.path())
            .env("PYTHONPATH", tree.path())
            .output()
            .unwrap();
        assert!(output.status.code().is_some(), "no crash");
        assert!(stdout(&output).contains("7 files") || format == "json");
    }
    let left: Vec<_> = std::fs::read_dir(traces.path()).unwrap().collect();
    assert!(left.is_empty(), "scanned code ran: {left:?}");
}
