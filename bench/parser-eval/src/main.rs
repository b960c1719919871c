//! Parses every `.py` file under a directory with ruff_python_parser and with
//! rustpython-parser, several rounds each, single-threaded, and prints the
//! median wall time of each and how many files each rejects. Also checks the
//! two syntax cases behind the decision (PEP 701 f-strings, PEP 750 t-strings).

use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: parser-eval DIR [ROUNDS]");
    let rounds: usize = std::env::args().nth(2).map_or(5, |r| r.parse().unwrap());
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).into_iter().filter_map(Result::ok) {
        if entry.path().extension().is_some_and(|e| e == "py") {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                sources.push((entry.path().display().to_string(), text));
            }
        }
    }
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();
    println!("{} files, {:.1} MB from {dir}", sources.len(), bytes as f64 / 1e6);

    let mut ruff_times = Vec::new();
    let mut ruff_errors = 0;
    let mut rp_times = Vec::new();
    let mut rp_errors = 0;
    for round in 0..rounds + 1 {
        let t = Instant::now();
        let mut errors = 0;
        for (_, src) in &sources {
            if ruff_python_parser::parse_module(src).is_err() {
                errors += 1;
            }
        }
        let ruff = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut rp_err = 0;
        for (path, src) in &sources {
            use rustpython_parser::Parse;
            if rustpython_parser::ast::Suite::parse(src, path).is_err() {
                rp_err += 1;
            }
        }
        let rp = t.elapsed().as_secs_f64();
        if round > 0 {
            // round 0 is a warm-up
            ruff_times.push(ruff);
            rp_times.push(rp);
            ruff_errors = errors;
            rp_errors = rp_err;
        }
    }
    let r = median(ruff_times);
    let p = median(rp_times);
    println!("ruff_python_parser 0.0.10: median {r:.3} s, {ruff_errors} files rejected");
    println!("rustpython-parser 0.4.0:   median {p:.3} s, {rp_errors} files rejected");
    println!("ratio rustpython/ruff: {:.2}x", p / r);

    for (label, src) in [
        ("PEP 701 f-string f\"{\"x\"}\"", "x = f\"{\"x\"}\"\n"),
        ("PEP 750 t-string t\"{x}\"", "y = t\"hello {x}\"\n"),
    ] {
        use rustpython_parser::Parse;
        let ruff_ok = ruff_python_parser::parse_module(src).is_ok();
        let rp_ok = rustpython_parser::ast::Suite::parse(src, "<case>").is_ok();
        println!("{label}: ruff_python_parser {}, rustpython-parser {}",
            if ruff_ok { "parses" } else { "rejects" },
            if rp_ok { "parses" } else { "rejects" });
    }
}
