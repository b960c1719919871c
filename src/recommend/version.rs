//! Whether two requirements of one distribution can hold together (PEP 440
//! specifiers, numeric release segments only — enough to tell `pandas==2.2.3`
//! from `pandas==1.5.3` or `>=2` from `<1.5`).

use std::cmp::Ordering;

use crate::discover::locations::Requirement;

/// Two pins that cannot both hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub name: String,
    /// `pandas==2.2.3 vs pandas==1.5.3`
    pub detail: String,
}

impl Conflict {
    pub fn describe(&self) -> String {
        format!("`{}`", self.name)
    }
}

type Version = Vec<u64>;

fn parse_version(text: &str) -> Option<Version> {
    let text = text.trim().trim_start_matches('v');
    let mut out = Vec::new();
    for part in text.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        out.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn cmp(a: &Version, b: &Version) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        match x.cmp(&y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

#[derive(Debug, Clone)]
enum Clause {
    Eq(Version),
    /// `==1.2.*`
    Prefix(Version),
    Ne(Version),
    Ge(Version),
    Gt(Version),
    Le(Version),
    Lt(Version),
}

fn parse_clauses(spec: &str) -> Option<Vec<Clause>> {
    let mut out = Vec::new();
    for raw in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (op, rest) = ["===", "==", "!=", "~=", ">=", "<=", ">", "<"]
            .iter()
            .find_map(|op| raw.strip_prefix(op).map(|r| (*op, r.trim())))?;
        if let Some(prefix) = rest.strip_suffix(".*") {
            let v = parse_version(prefix)?;
            out.push(if op == "!=" {
                Clause::Ne(v)
            } else {
                Clause::Prefix(v)
            });
            continue;
        }
        let v = parse_version(rest)?;
        match op {
            "==" | "===" => out.push(Clause::Eq(v)),
            "!=" => out.push(Clause::Ne(v)),
            ">=" => out.push(Clause::Ge(v)),
            ">" => out.push(Clause::Gt(v)),
            "<=" => out.push(Clause::Le(v)),
            "<" => out.push(Clause::Lt(v)),
            "~=" => {
                // ~=X.Y → >=X.Y, ==X.*  ;  ~=X.Y.Z → >=X.Y.Z, ==X.Y.*
                let mut upper = v.clone();
                if upper.len() > 1 {
                    upper.pop();
                }
                out.push(Clause::Ge(v));
                out.push(Clause::Prefix(upper));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn satisfies(v: &Version, clause: &Clause) -> bool {
    match clause {
        Clause::Eq(x) => cmp(v, x) == Ordering::Equal,
        Clause::Ne(x) => cmp(v, x) != Ordering::Equal,
        Clause::Prefix(p) => p
            .iter()
            .enumerate()
            .all(|(i, x)| v.get(i).copied().unwrap_or(0) == *x),
        Clause::Ge(x) => cmp(v, x) != Ordering::Less,
        Clause::Gt(x) => cmp(v, x) == Ordering::Greater,
        Clause::Le(x) => cmp(v, x) != Ordering::Greater,
        Clause::Lt(x) => cmp(v, x) == Ordering::Less,
    }
}

fn mentioned(clauses: &[Clause]) -> Vec<Version> {
    clauses
        .iter()
        .map(|c| match c {
            Clause::Eq(v)
            | Clause::Prefix(v)
            | Clause::Ne(v)
            | Clause::Ge(v)
            | Clause::Gt(v)
            | Clause::Le(v)
            | Clause::Lt(v) => v.clone(),
        })
        .collect()
}

/// `Some` when no version satisfies both requirements. Requirements with
/// environment markers or unparsable specifiers are never reported.
pub fn conflict(a: &Requirement, b: &Requirement) -> Option<Conflict> {
    if a.name != b.name || a.marker.is_some() || b.marker.is_some() {
        return None;
    }
    if a.specifier.is_empty() || b.specifier.is_empty() {
        return None;
    }
    let ca = parse_clauses(&a.specifier)?;
    let cb = parse_clauses(&b.specifier)?;
    let all: Vec<Clause> = ca.iter().chain(cb.iter()).cloned().collect();
    // Candidates: every version mentioned, and one just above each (for `>`).
    let mut candidates = Vec::new();
    for v in mentioned(&all) {
        let mut above = v.clone();
        above.extend([0, 0, 1]);
        candidates.push(v);
        candidates.push(above);
    }
    let ok = candidates
        .iter()
        .any(|v| all.iter().all(|c| satisfies(v, c)));
    (!ok).then(|| Conflict {
        name: a.name.clone(),
        detail: format!("{}{} vs {}{}", a.name, a.specifier, b.name, b.specifier),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str, spec: &str) -> Requirement {
        Requirement {
            name: name.to_string(),
            specifier: spec.to_string(),
            extras: Vec::new(),
            marker: None,
            url: None,
            line: 1,
            path: None,
        }
    }

    fn clash(a: &str, b: &str) -> bool {
        conflict(&req("pandas", a), &req("pandas", b)).is_some()
    }

    #[test]
    fn pins() {
        assert!(clash("==2.2.3", "==1.5.3"));
        assert!(!clash("==2.2.3", "==2.2.3"));
        assert!(!clash("==2.2.3", ">=2"));
        assert!(clash("==2.2.3", "<2"));
        assert!(clash(">=2", "<1.5"));
        assert!(!clash(">=2", "<3"));
        assert!(!clash(">2", "<3"));
        assert!(clash("~=1.5", ">=2"));
        assert!(!clash("~=2.1", "==2.4.0"));
        assert!(clash("==2.2.*", "==2.3.0"));
        assert!(clash("==2.0", "!=2.0"));
        assert!(!clash("", "==1.0"), "unpinned is compatible");
    }
}
