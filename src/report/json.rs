//! `--format json`: the whole [`Report`], pretty-printed, deterministic.

use std::io::{self, Write};

use super::Report;

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

/// Streams the report into `out` (buffer it: serde writes in small pieces).
/// A large tree's report is tens of MiB: it is never held in memory whole.
pub fn write<W: Write + ?Sized>(report: &Report, out: &mut W) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
