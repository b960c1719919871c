//! TOML into [`Node`]s, with lines (`toml_edit` keeps spans; its parser
//! refuses nesting deeper than 80 levels).

use toml_edit::{ImDocument, Item, Table, Value as TomlValue};

use super::node::{line_of, Key, Node, Value};

/// Why a TOML file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TomlError {
    pub line: u32,
    pub message: String,
}

/// Parses a TOML document into a mapping node.
pub(crate) fn parse(text: &str) -> Result<Node, TomlError> {
    let doc = ImDocument::parse(text).map_err(|e| TomlError {
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().trim().to_string(),
    })?;
    Ok(table(text, doc.as_table(), 1))
}

fn span_line(text: &str, span: Option<std::ops::Range<usize>>, fallback: u32) -> u32 {
    span.map(|s| line_of(text, s.start)).unwrap_or(fallback)
}

fn table(text: &str, t: &Table, line: u32) -> Node {
    let line = span_line(text, t.span(), line);
    let mut entries = Vec::new();
    for (name, item) in t.iter() {
        let key_line = span_line(text, t.key(name).and_then(|k| k.span()), line);
        if let Some(node) = item_node(text, item, key_line) {
            entries.push((
                Key {
                    name: name.to_string(),
                    line: key_line,
                },
                node,
            ));
        }
    }
    Node::new(Value::Map(entries), line)
}

fn item_node(text: &str, item: &Item, line: u32) -> Option<Node> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value(text, v, line)),
        Item::Table(t) => Some(table(text, t, line)),
        Item::ArrayOfTables(array) => {
            let items = array.iter().map(|t| table(text, t, line)).collect();
            Some(Node::new(Value::Seq(items), line))
        }
    }
}

fn value(text: &str, v: &TomlValue, fallback: u32) -> Node {
    let line = span_line(text, v.span(), fallback);
    let value = match v {
        TomlValue::String(s) => Value::Scalar(s.value().clone()),
        TomlValue::Integer(i) => Value::Number(i.value().to_string()),
        TomlValue::Float(f) => Value::Number(f.value().to_string()),
        TomlValue::Boolean(b) => Value::Bool(*b.value()),
        TomlValue::Datetime(d) => Value::Scalar(d.value().to_string()),
        TomlValue::Array(a) => Value::Seq(a.iter().map(|v| value(text, v, line)).collect()),
        TomlValue::InlineTable(t) => {
            let mut entries = Vec::new();
            for (name, v) in t.iter() {
                let key_line = span_line(text, t.key(name).and_then(|k| k.span()), line);
                entries.push((
                    Key {
                        name: name.to_string(),
                        line: key_line,
                    },
                    value(text, v, key_line),
                ));
            }
            Value::Map(entries)
        }
    };
    Node::new(value, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_tables_keys_and_values() {
        let text = "[project]\nname = \"x\"\ndependencies = [\n  \"a\",\n  \"b>=1\",\n]\n\n[tool.dagster]\nmodule_name = \"m\"\n";
        let doc = parse(text).unwrap();
        let project = doc.get("project").unwrap();
        assert_eq!(project.line, 1);
        let (key, deps) = project.get_entry("dependencies").unwrap();
        assert_eq!(key.line, 3);
        let deps = deps.as_seq().unwrap();
        assert_eq!(deps[1].line, 5);
        assert_eq!(deps[1].as_text(), Some("b>=1"));
        let (key, module) = doc
            .get("tool")
            .unwrap()
            .get("dagster")
            .unwrap()
            .get_entry("module_name")
            .unwrap();
        assert_eq!((key.line, module.line), (9, 9));
    }

    #[test]
    fn array_of_tables_and_inline_tables() {
        let text = "[[workspace.projects]]\npath = \"a\"\n\n[[workspace.projects]]\npath = \"b\"\nx = {k = true}\n";
        let doc = parse(text).unwrap();
        let projects = doc.get("workspace").unwrap().get("projects").unwrap();
        let projects = projects.as_seq().unwrap();
        assert_eq!(projects.len(), 2);
        assert_eq!(projects[1].line, 4);
        assert_eq!(projects[1].get("path").unwrap().line, 5);
        assert_eq!(
            projects[1].get("x").unwrap().get("k").unwrap().value,
            Value::Bool(true)
        );
    }

    #[test]
    fn malformed_toml_reports_its_line() {
        let err = parse("[project]\nname = \"x\"\ndependencies = [\"a\",\n\nbad = \n").unwrap_err();
        assert!(err.line >= 3, "{err:?}");
        let err = parse("a = 1\nb = = 2\n").unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
    }

    #[test]
    fn deep_dotted_keys_do_not_overflow() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}")).collect();
        let text = format!(
            "{} = 1\n[{}]\nx = 1\n",
            keys.join("."),
            keys[..10_000].join(".")
        );
        let result = parse(&text);
        assert!(
            result.is_err(),
            "dotted keys past the recursion limit are refused"
        );
    }

    #[test]
    fn deep_nesting_is_refused_by_the_parser() {
        let text = format!("a = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&text).is_err());
    }
}
