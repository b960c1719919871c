//! Reading a Python file into text, and turning byte offsets into lines.

use crate::diagnostics::{Diagnostic, Severity};

/// 1-based line / column lookup over a source text. Columns count characters,
/// as editors and ruff do.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        if !bytes.contains(&b'\r') {
            // The common case: `\n` only, found with memchr.
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        } else {
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'\n' => starts.push(i + 1),
                    // A lone `\r` ends a line for Python too; `\r\n` counts once.
                    b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                    _ => {}
                }
                i += 1;
            }
        }
        Self { starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }

    pub fn line(&self, offset: usize) -> u32 {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        to_u32(line + 1)
    }
}

/// Line and column lookups like [`LineIndex`], for the few offsets the
/// extractor needs: instead of every line start, one entry per block of
/// [`BLOCK`] bytes (lines before it, start of its first line), counted with
/// loops the compiler vectorizes; a lookup counts the rest of one block.
/// Texts with a `\r` (rare) use a full [`LineIndex`].
#[derive(Debug)]
pub struct Lines<'t> {
    text: &'t str,
    /// Per block: (lines before the block, start of the line the block opens in).
    blocks: Vec<(u32, usize)>,
    full: Option<LineIndex>,
}

const BLOCK: usize = 512;

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        if has_byte(bytes, b'\r') {
            return Self {
                text,
                blocks: Vec::new(),
                full: Some(LineIndex::new(text)),
            };
        }
        let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let (mut lines, mut line_start) = (0usize, 0usize);
        for (i, block) in bytes.chunks(BLOCK).enumerate() {
            blocks.push((to_u32(lines), line_start));
            let count = count_newlines(block);
            if count > 0 {
                lines += count;
                if let Some(last) = block.iter().rposition(|&b| b == b'\n') {
                    line_start = i * BLOCK + last + 1;
                }
            }
        }
        Self {
            text,
            blocks,
            full: None,
        }
    }

    /// Newlines before `offset` (at most the text's length), and the start
    /// of the line holding it.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let offset = offset.min(bytes.len());
        let block = offset / BLOCK;
        let Some(&(lines, line_start)) = self.blocks.get(block) else {
            // `offset` is the end of a text whose length is a multiple of BLOCK.
            let lines = count_newlines(bytes);
            let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            return (lines, start);
        };
        let from = block * BLOCK;
        let part = &bytes[from..offset];
        let count = count_newlines(part);
        if count == 0 {
            return (lines as usize, line_start);
        }
        let start = part
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(line_start, |i| from + i + 1);
        (lines as usize + count, start)
    }

    /// 1-based (line, column) of a byte offset, as [`LineIndex::line_column`].
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        if let Some(full) = &self.full {
            return full.line_column(self.text, offset);
        }
        let offset = offset.min(self.text.len());
        let (lines, start) = self.locate(offset);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (to_u32(lines + 1), to_u32(column + 1))
    }

    /// 1-based line of a byte offset, as [`LineIndex::line`].
    pub fn line(&self, offset: usize) -> u32 {
        if let Some(full) = &self.full {
            return full.line(offset);
        }
        to_u32(self.locate(offset).0 + 1)
    }
}

/// `\n` bytes in `bytes`, 32 at a time (the compiler vectorizes the inner loop).
fn count_newlines(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(32);
    let mut total = 0;
    for chunk in &mut chunks {
        let mut n = 0u8;
        for &b in chunk {
            n = n.wrapping_add(u8::from(b == b'\n'));
        }
        total += usize::from(n);
    }
    total + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

/// Whether `bytes` holds `byte`, 32 at a time.
pub(crate) fn has_byte(bytes: &[u8], byte: u8) -> bool {
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        let mut seen = 0u8;
        for &b in chunk {
            seen |= u8::from(b == byte);
        }
        if seen != 0 {
            return true;
        }
    }
    chunks.remainder().contains(&byte)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Turns the bytes of a `.py` file into text the parser can read.
///
/// Strips a UTF-8 BOM; honours a PEP 263 `latin-1` / `iso-8859-1` coding
/// cookie; otherwise invalid UTF-8 is replaced (so the file's other facts are
/// still extracted) and reported, because Python itself would refuse to import
/// the file.
pub fn decode(path: &str, bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(err) => {
            if declares_latin1(bytes) {
                return bytes.iter().map(|&b| char::from(b)).collect();
            }
            let valid = err.valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let index = LineIndex::new(&prefix);
            let (line, column) = index.line_column(&prefix, prefix.len());
            diagnostics.push(
                Diagnostic::new(
                    path,
                    Severity::Error,
                    "non-utf8",
                    format!(
                        "not valid UTF-8 (byte 0x{:02X}) and no coding declaration: Python \
                         would refuse to import this file; re-save it as UTF-8 or add a \
                         `# -*- coding: ... -*-` line (invalid bytes were replaced to keep scanning)",
                        bytes[valid]
                    ),
                )
                .at(line, column),
            );
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

/// [`decode`] taking the bytes by value: valid UTF-8 without a BOM (nearly
/// every file) becomes the text without a copy.
pub fn decode_owned(path: &str, bytes: Vec<u8>, diagnostics: &mut Vec<Diagnostic>) -> String {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return decode(path, &bytes, diagnostics);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => decode(path, err.as_bytes(), diagnostics),
    }
}

/// Whether one of the first two lines carries a PEP 263 cookie naming latin-1.
fn declares_latin1(bytes: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .take(2)
        .filter_map(coding_cookie)
        .any(|name| {
            matches!(
                name.as_str(),
                "latin-1" | "latin_1" | "latin1" | "iso-8859-1" | "iso8859-1" | "iso_8859_1" | "l1"
            )
        })
}

fn coding_cookie(line: &[u8]) -> Option<String> {
    let line = String::from_utf8_lossy(line);
    let trimmed = line.trim_start();
    if !trimmed.starts_with('#') {
        return None;
    }
    let at = trimmed.find("coding")?;
    let rest = trimmed[at + "coding".len()..].strip_prefix([':', '='])?;
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    Some(name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_and_all_line_ends() {
        let text = "a\r\nbé = 1\rc\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(text, 0), (1, 1));
        assert_eq!(index.line_column(text, 3), (2, 1));
        // `=` after a two-byte character is character column 4.
        let eq = text.find('=').unwrap();
        assert_eq!(index.line_column(text, eq), (2, 4));
        let c = text.find('c').unwrap();
        assert_eq!(index.line_column(text, c), (3, 1));
    }

    #[test]
    fn lines_match_line_index() {
        let long = "x = 1\n".repeat(300) + "y\n\nz = 'é' * 100\n" + &"q".repeat(1300) + "\nend";
        let exact = "a\n".repeat(BLOCK);
        for text in [
            "",
            "\n",
            "a",
            "a\nbé\n",
            long.as_str(),
            exact.as_str(),
            "a\r\nb\rc\n",
        ] {
            let index = LineIndex::new(text);
            let lines = Lines::new(text);
            for offset in (0..text.len() + 3).chain([usize::MAX]) {
                assert_eq!(
                    lines.line_column(offset),
                    index.line_column(text, offset),
                    "{offset}"
                );
                assert_eq!(lines.line(offset), index.line(offset), "{offset}");
            }
        }
    }

    #[test]
    fn decode_owned_matches_decode() {
        let cases: [&[u8]; 4] = [
            b"import a\n",
            b"\xEF\xBB\xBFimport a\n",
            b"import numpy\nname = \"caf\xe9\"\n",
            b"# -*- coding: latin-1 -*-\nname = '\xe9'\n",
        ];
        for bytes in cases {
            let (mut d1, mut d2) = (Vec::new(), Vec::new());
            assert_eq!(
                decode("x.py", bytes, &mut d1),
                decode_owned("x.py", bytes.to_vec(), &mut d2)
            );
            assert_eq!(d1, d2);
        }
    }

    #[test]
    fn bom_is_stripped() {
        let mut d = Vec::new();
        assert_eq!(
            decode("x.py", b"\xEF\xBB\xBFimport a\n", &mut d),
            "import a\n"
        );
        assert!(d.is_empty());
    }

    #[test]
    fn invalid_utf8_is_reported_with_position_and_kept() {
        let mut d = Vec::new();
        let text = decode("x.py", b"import numpy\nname = \"caf\xe9\"\n", &mut d);
        assert!(text.starts_with("import numpy\n"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, "non-utf8");
        assert_eq!((d[0].line, d[0].column), (Some(2), Some(12)));
    }

    #[test]
    fn latin1_cookie_is_honoured() {
        let mut d = Vec::new();
        let text = decode(
            "x.py",
            b"# -*- coding: latin-1 -*-\nname = '\xe9'\n",
            &mut d,
        );
        assert!(d.is_empty());
        assert!(text.contains('é'));
    }
}
