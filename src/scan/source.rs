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
