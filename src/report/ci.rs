//! Helpers shared by the CI formats (GitHub annotations, SARIF, GitLab Code
//! Quality, Markdown links, the diff): repository-relative paths, URL
//! encoding and stable fingerprints.

/// The path of a finding as CI systems want it: relative to the directory the
/// tool ran in (the repository root in CI), `/`-separated, without `./`.
///
/// Report paths are relative to the scanned root; a relative root is joined
/// in front (`scan projects` → `projects/a/b.py`). A single-file scan (the
/// root is the `.py` file itself) gives the root. An absolute root gives an
/// absolute path.
pub fn repo_path(root: &str, path: &str) -> String {
    let root_is_file =
        root.ends_with(".py") && (root == path || root.ends_with(&format!("/{path}")));
    let joined = if root_is_file {
        root.to_string()
    } else if root.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", root.trim_end_matches('/'))
    };
    normalize(&joined)
}

/// Drops `.` and empty components; keeps `..` and a leading `/`.
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Percent-encodes a path for use in a URL or a SARIF `uri`: everything but
/// RFC 3986 unreserved characters and `/` is encoded (so `%`, spaces, `<`,
/// `#`, `?`, parentheses ... can neither break the URL nor end a Markdown link).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// 64-bit FNV-1a, hex: a stable (across runs, platforms and versions)
/// fingerprint of `parts`, each terminated by a NUL so that `("ab", "c")` and
/// `("a", "bc")` differ.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The identity of a finding across commits: rule, file and subject, not the
/// line (so moving code does not make a finding "new").
pub fn finding_key(code: &str, path: &str, subject: &str) -> String {
    fingerprint(&[code, path, subject])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths() {
        assert_eq!(repo_path(".", "a/b.py"), "a/b.py");
        assert_eq!(repo_path("", "a/b.py"), "a/b.py");
        assert_eq!(repo_path("./projects/", "a/b.py"), "projects/a/b.py");
        assert_eq!(repo_path("projects", "a/b.py"), "projects/a/b.py");
        assert_eq!(repo_path("/abs/root", "a.py"), "/abs/root/a.py");
        assert_eq!(repo_path("x/y/assets.py", "assets.py"), "x/y/assets.py");
        assert_eq!(repo_path("assets.py", "assets.py"), "assets.py");
        assert_eq!(repo_path("../other", "a.py"), "../other/a.py");
    }

    #[test]
    fn paths_are_url_safe() {
        assert_eq!(encode_path("a/b_c-1.py"), "a/b_c-1.py");
        assert_eq!(
            encode_path("<img src=x onerror=alert(1)>.py"),
            "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.py"
        );
        assert_eq!(encode_path("100%#?.py"), "100%25%23%3F.py");
        assert_eq!(encode_path("é.py"), "%C3%A9.py");
    }

    #[test]
    fn fingerprints_are_stable_and_separated() {
        // Fixed value: changing the hash changes every fingerprint users stored.
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        assert_eq!(
            fingerprint(&["FP001", "a.py", "torch"]),
            fingerprint(&["FP001", "a.py", "torch"])
        );
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
