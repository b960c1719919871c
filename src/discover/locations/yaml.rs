//! YAML into [`Node`]s, with lines, safely.
//!
//! Input comes from untrusted pull requests, so the tree is built from the
//! parser's event stream with hard limits: nesting deeper than [`MAX_DEPTH`]
//! and documents that grow past [`MAX_NODES`] nodes (the "billion laughs"
//! alias bomb) are rejected with a diagnostic instead of exhausting memory or
//! the stack. Merge keys (`<<: *defaults`, which PyYAML and Helm honour) are
//! applied under the same budget.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::node::{Key, Node, Value};

/// Deepest nesting accepted. Real Dagster and Helm files stay under 15.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes a file may expand to, aliases included.
pub(crate) const MAX_NODES: usize = 200_000;
/// Most warnings (duplicate keys) reported per file.
const MAX_WARNINGS: usize = 20;

/// Why a YAML file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        pending: Option<Key>,
        line: u32,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    budget: usize,
    /// Problems that do not stop the read (duplicate keys).
    warnings: Vec<YamlError>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Builder {
    fn spend(&mut self, n: usize, line: u32) -> Result<(), YamlError> {
        self.budget = self.budget.saturating_sub(n);
        if self.budget == 0 {
            return Err(YamlError {
                line,
                column: 1,
                message: format!(
                    "document expands to more than {MAX_NODES} values (an alias/anchor bomb?); not read"
                ),
            });
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.spend(node.size(), node.line)?;
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, pending, ..
            }) => match pending.take() {
                None => {
                    let name = match &node.value {
                        Value::Scalar(s) | Value::Number(s) => s.clone(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        // A list or mapping used as a key: never a key we read.
                        Value::Seq(_) | Value::Map(_) => "<complex key>".to_string(),
                    };
                    *pending = Some(Key {
                        name,
                        line: node.line,
                    });
                }
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, line: u32) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                line,
                column: 1,
                message: format!("nested deeper than {MAX_DEPTH} levels; not read"),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Reports keys set twice in one mapping. PyYAML (and so Dagster) keeps
    /// the last value, as [`Node::get`] does; only the first few are reported.
    fn duplicate_keys(&mut self, entries: &[(Key, Node)]) {
        let mut seen = HashSet::with_capacity(entries.len());
        for (key, _) in entries {
            if key.name != "<<" && !seen.insert(key.name.as_str()) {
                if self.warnings.len() >= MAX_WARNINGS {
                    return;
                }
                self.warnings.push(YamlError {
                    line: key.line,
                    column: 1,
                    message: format!(
                        "duplicate key `{}`; the last value is used, as PyYAML does",
                        key.name
                    ),
                });
            }
        }
    }

    /// Applies `<<` merge keys: entries of the merged mappings that the mapping
    /// does not set itself (the first merged mapping wins, as in PyYAML).
    fn merge_keys(&mut self, entries: Vec<(Key, Node)>) -> Result<Vec<(Key, Node)>, YamlError> {
        if !entries.iter().any(|(k, _)| k.name == "<<") {
            return Ok(entries);
        }
        let (merges, mut own): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(k, _)| k.name == "<<");
        // A set, not a scan of `own`: a merge of a large mapping must stay linear.
        let mut present: HashSet<String> = own.iter().map(|(k, _)| k.name.clone()).collect();
        for (key, value) in merges {
            let sources: Vec<Node> = match value.value {
                Value::Map(_) => vec![value],
                Value::Seq(items) => items,
                _ => continue,
            };
            for source in sources {
                if let Value::Map(extra) = source.value {
                    for (k, v) in extra {
                        if present.insert(k.name.clone()) {
                            self.spend(v.size() + 1, key.line)?;
                            own.push((k, v));
                        }
                    }
                }
            }
        }
        Ok(own)
    }
}

fn scalar(text: String, style: TScalarStyle, tagged: bool) -> Value {
    if style != TScalarStyle::Plain || tagged {
        return Value::Scalar(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => Value::Scalar(text),
    }
}

/// Parses every document of a YAML stream.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    parse_with_warnings(text).map(|(docs, _)| docs)
}

/// Parses every document of a YAML stream; also returns the problems that
/// did not stop the read (duplicate keys), with their lines.
pub(crate) fn parse_with_warnings(text: &str) -> Result<(Vec<Node>, Vec<YamlError>), YamlError> {
    // The parser is well tested, but this input is hostile: a panic inside it
    // must become a diagnostic, not a crash of the whole scan.
    std::panic::catch_unwind(|| parse_events(text)).unwrap_or_else(|_| {
        Err(YamlError {
            line: 1,
            column: 1,
            message: "the YAML parser failed on this file; not read".to_string(),
        })
    })
}

fn parse_events(text: &str) -> Result<(Vec<Node>, Vec<YamlError>), YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        budget: MAX_NODES,
        warnings: Vec::new(),
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            line: to_u32(e.marker().line().max(1)),
            column: to_u32(e.marker().col() + 1),
            message: e.info().to_string(),
        })?;
        let line = to_u32(mark.line().max(1));
        b.spend(1, line)?;
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
            Event::Alias(id) => {
                let Some(node) = b.anchors.get(&id).cloned() else {
                    return Err(YamlError {
                        line,
                        column: to_u32(mark.col() + 1),
                        message: "alias to an unknown anchor".to_string(),
                    });
                };
                b.spend(node.size(), line)?;
                // An alias inserts a whole tree: it must not nest past the limit
                // either (chains of anchors would otherwise build a tree deep
                // enough to overflow the stack when dropped).
                if b.stack.len() + node.height() > MAX_DEPTH {
                    return Err(YamlError {
                        line,
                        column: to_u32(mark.col() + 1),
                        message: format!(
                            "nested deeper than {MAX_DEPTH} levels through aliases; not read"
                        ),
                    });
                }
                b.finish(node, 0)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node::new(scalar(text, style, tag.is_some()), line);
                b.finish(node, anchor)?;
            }
            Event::SequenceStart(anchor, _) => b.open(
                Frame::Seq {
                    items: Vec::new(),
                    line,
                    anchor,
                },
                line,
            )?,
            Event::MappingStart(anchor, _) => b.open(
                Frame::Map {
                    entries: Vec::new(),
                    pending: None,
                    line,
                    anchor,
                },
                line,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        anchor,
                    }) => (Node::new(Value::Seq(items), line), anchor),
                    Some(Frame::Map {
                        entries,
                        line,
                        anchor,
                        ..
                    }) => {
                        b.duplicate_keys(&entries);
                        let entries = b.merge_keys(entries)?;
                        (Node::new(Value::Map(entries), line), anchor)
                    }
                    None => continue,
                };
                b.finish(node, anchor)?;
            }
        }
    }
    Ok((b.docs, b.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn lines_of_keys_and_values() {
        let doc = one("a: 1\nb:\n  - x\n  - {c: d}\n");
        let (key, b) = doc.get_entry("b").unwrap();
        assert_eq!(key.line, 2);
        let items = b.as_seq().unwrap();
        assert_eq!(items[0].line, 3);
        assert_eq!(items[1].get("c").unwrap().as_text(), Some("d"));
        assert_eq!(items[1].line, 4);
        assert_eq!(doc.get("a").unwrap().as_text(), Some("1"));
    }

    #[test]
    fn plain_scalars_resolve_null_and_bool_but_quoted_do_not() {
        let doc = one("a: ~\nb: true\nc: 'true'\nd:\ne: \"null\"\n");
        assert!(doc.get("a").unwrap().is_null());
        assert_eq!(doc.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(doc.get("c").unwrap().as_text(), Some("true"));
        assert!(doc.get("d").unwrap().is_null());
        assert_eq!(doc.get("e").unwrap().as_text(), Some("null"));
    }

    #[test]
    fn malformed_yaml_reports_its_line() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
        let err = parse("ok: 1\n  bad: indentation: here\n").unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
    }

    #[test]
    fn aliases_and_merge_keys() {
        let doc =
            one("base: &base\n  image: x\n  port: 1\nd:\n  <<: *base\n  port: 2\nlist: [*base]\n");
        let d = doc.get("d").unwrap();
        assert_eq!(d.get("image").unwrap().as_text(), Some("x"));
        assert_eq!(d.get("port").unwrap().as_text(), Some("2"));
        assert!(d.get("<<").is_none());
        assert_eq!(doc.get("list").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("alias/anchor bomb"), "{err:?}");
    }

    #[test]
    fn merge_key_bomb_is_refused() {
        let mut text =
            String::from("a: &a {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7}\n");
        let mut prev = "a".to_string();
        for i in 0..30 {
            let name = format!("m{i}");
            text.push_str(&format!(
                "{name}: &{name}\n  <<: [*{prev}]\n  l: [*{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("alias/anchor bomb"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(&text).unwrap_err();
        // The scanner's own flow-nesting limit may trip first.
        assert!(
            err.message.contains("nested deeper") || err.message.contains("recursion limit"),
            "{err:?}"
        );

        let mut block = String::new();
        for depth in 0..200 {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        let err = parse(&block).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err:?}");
    }

    #[test]
    fn deep_nesting_through_alias_chains_is_refused() {
        let mut text = format!("a0: &a0 {}1{}\n", "[".repeat(50), "]".repeat(50));
        for i in 1..100 {
            text.push_str(&format!(
                "a{i}: &a{i} {}*a{}{}\n",
                "[".repeat(50),
                i - 1,
                "]".repeat(50)
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err:?}");
    }

    #[test]
    fn several_documents() {
        let docs = parse("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].line, 3);
    }

    #[test]
    fn duplicate_keys_warn_and_the_last_wins() {
        let (docs, warnings) = parse_with_warnings("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n").unwrap();
        assert_eq!(docs[0].get("a").unwrap().as_text(), Some("3"));
        assert_eq!(
            docs[0].get("b").unwrap().get("c").unwrap().as_text(),
            Some("2")
        );
        let lines: Vec<u32> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![4, 5]);
        assert!(warnings[0].message.contains("duplicate key `c`"));
    }

    #[test]
    fn unknown_alias_is_an_error() {
        assert!(parse("a: *nope\n").is_err());
    }
}
