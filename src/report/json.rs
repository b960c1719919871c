//! `--format json`: the whole [`Report`], pretty-printed, deterministic.
//!
//! The text is exactly `serde_json::to_string_pretty(report)` plus a newline
//! (a test checks it), but written the way a large report needs: streamed
//! (a 20,000-file tree's report is about 100 MiB and is never held whole),
//! and with the long arrays (locations, findings, lazy-load advice) rendered
//! a batch at a time on every core.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use super::Report;

/// Items of a long array rendered per batch: bounds what is buffered.
const BATCH: usize = 64;

/// The report as a string (tests, and callers that need the text).
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail; serialising plain data with string keys
    // cannot either.
    if let Err(e) = write(report, &mut out) {
        return format!("{{\"error\": \"cannot serialise report: {e}\"}}\n");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the report into `out` (buffer it: the pieces are small).
pub fn write<W: Write + ?Sized>(report: &Report, out: &mut W) -> io::Result<()> {
    let mut object = Object::open(out, 0)?;
    object.value("tool", &report.tool)?;
    object.value("version", &report.version)?;
    object.value("schema_version", &report.schema_version)?;
    object.value("root", &report.root)?;
    object.value("summary", &report.summary)?;
    object.value("timings", &report.timings)?;
    // A location is up to megabytes of text: one per core at a time.
    object.array("locations", &report.locations, rayon::current_num_threads())?;
    object.array("findings", &report.findings, BATCH)?;
    {
        let r = &report.recommendations;
        let mut recommendations = object.object("recommendations")?;
        recommendations.array("lazy_imports", &r.lazy_imports, BATCH)?;
        recommendations.value("consolidation", &r.consolidation)?;
        recommendations.value("sizing", &r.sizing)?;
        recommendations.value("deployment_models", &r.deployment_models)?;
        recommendations.value("totals", &r.totals)?;
        recommendations.close()?;
    }
    object.value("diagnostics", &report.diagnostics)?;
    object.close()?;
    out.write_all(b"\n")
}

/// A JSON object being written with serde_json's pretty layout (two spaces
/// per level), at nesting `depth`.
struct Object<'w, W: Write + ?Sized> {
    out: &'w mut W,
    depth: usize,
    empty: bool,
}

impl<'w, W: Write + ?Sized> Object<'w, W> {
    fn open(out: &'w mut W, depth: usize) -> io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Self {
            out,
            depth,
            empty: true,
        })
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        self.out
            .write_all(if self.empty { b"\n" } else { b",\n" })?;
        self.empty = false;
        indent(self.out, self.depth + 1)?;
        serde_json::to_writer(&mut *self.out, key).map_err(io::Error::from)?;
        self.out.write_all(b": ")
    }

    fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        let text = pretty(value, self.depth + 1)?;
        self.out.write_all(&text)
    }

    fn object(&mut self, key: &str) -> io::Result<Object<'_, W>> {
        self.key(key)?;
        Object::open(&mut *self.out, self.depth + 1)
    }

    /// An array whose items are rendered `batch` at a time, in parallel.
    fn array<T: Serialize + Sync>(
        &mut self,
        key: &str,
        items: &[T],
        batch: usize,
    ) -> io::Result<()> {
        self.key(key)?;
        if items.is_empty() {
            return self.out.write_all(b"[]");
        }
        self.out.write_all(b"[")?;
        let depth = self.depth + 2;
        for (b, chunk) in items.chunks(batch.max(1)).enumerate() {
            let rendered: Vec<Vec<u8>> = chunk
                .par_iter()
                .map(|item| pretty(item, depth))
                .collect::<io::Result<_>>()?;
            for (i, text) in rendered.iter().enumerate() {
                self.out
                    .write_all(if b == 0 && i == 0 { b"\n" } else { b",\n" })?;
                indent(self.out, depth)?;
                self.out.write_all(text)?;
            }
        }
        self.out.write_all(b"\n")?;
        indent(self.out, self.depth + 1)?;
        self.out.write_all(b"]")
    }

    fn close(self) -> io::Result<()> {
        if self.empty {
            return self.out.write_all(b"}");
        }
        self.out.write_all(b"\n")?;
        indent(self.out, self.depth)?;
        self.out.write_all(b"}")
    }
}

fn indent<W: Write + ?Sized>(out: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// `value` pretty-printed as it appears at nesting `depth`: serde_json's
/// layout of the value alone, with every line after the first indented by
/// `depth` levels (JSON strings never hold a raw newline).
fn pretty<T: Serialize + ?Sized>(value: &T, depth: usize) -> io::Result<Vec<u8>> {
    let alone = serde_json::to_vec_pretty(value).map_err(io::Error::from)?;
    let lines = memchr_count(&alone);
    if lines == 0 || depth == 0 {
        return Ok(alone);
    }
    let mut out = Vec::with_capacity(alone.len() + lines * depth * 2);
    for (i, line) in alone.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            indent(&mut out, depth)?;
        }
        out.extend_from_slice(line);
    }
    Ok(out)
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batched, parallel writer gives exactly serde_json's pretty text,
    /// on every sample (empty and long arrays, nested objects).
    #[test]
    fn same_text_as_serde_json_pretty() {
        let mut roots: Vec<std::path::PathBuf> = std::fs::read_dir("sample_repos")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        roots.sort();
        assert!(roots.len() >= 5);
        for root in roots {
            let report =
                crate::pipeline::run(&crate::pipeline::ScanConfig::for_path(&root)).unwrap();
            let expected = serde_json::to_string_pretty(&report).unwrap() + "\n";
            assert!(
                render(&report) == expected,
                "{}: the streamed JSON differs from serde_json's",
                root.display()
            );
        }
    }

    #[test]
    fn pretty_indents_nested_lines_only() {
        let value = serde_json::json!({"a": [1, {"b": "x\ny"}], "c": {}});
        let text = String::from_utf8(pretty(&value, 2).unwrap()).unwrap();
        let expected = serde_json::to_string_pretty(&value)
            .unwrap()
            .replace('\n', "\n    ");
        assert_eq!(text, expected);
        assert_eq!(pretty(&3, 5).unwrap(), b"3");
    }
}
