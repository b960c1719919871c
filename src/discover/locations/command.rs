//! The code-server command line (`dagster api grpc ...`, `dagster
//! code-server start ...`) as written in Helm values and Dockerfiles, and the
//! `DAGSTER_CLI_API_GRPC_*` environment variables that stand in for its flags.

use super::model::ServerMode;

/// The code pointer a command line (or environment) gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pointer {
    pub module: Option<String>,
    pub package: Option<String>,
    pub python_file: Option<String>,
    pub autoload: Option<String>,
    pub working_directory: Option<String>,
    pub attribute: Option<String>,
    pub location_name: Option<String>,
}

impl Pointer {
    pub fn has_target(&self) -> bool {
        self.module.is_some()
            || self.package.is_some()
            || self.python_file.is_some()
            || self.autoload.is_some()
    }

    /// Fills what `self` lacks from `other` (flags beat environment variables).
    pub fn or(mut self, other: Pointer) -> Pointer {
        if !self.has_target() {
            self.module = other.module;
            self.package = other.package;
            self.python_file = other.python_file;
            self.autoload = other.autoload;
        }
        self.working_directory = self.working_directory.or(other.working_directory);
        self.attribute = self.attribute.or(other.attribute);
        self.location_name = self.location_name.or(other.location_name);
        self
    }

    fn targets(&self) -> usize {
        [
            &self.module,
            &self.package,
            &self.python_file,
            &self.autoload,
        ]
        .iter()
        .filter(|t| t.is_some())
        .count()
    }
}

enum Slot {
    Module,
    Package,
    File,
    Autoload,
    WorkingDirectory,
    Attribute,
    LocationName,
}

fn slot(flag: &str) -> Option<Slot> {
    Some(match flag {
        "-m" | "--module-name" => Slot::Module,
        "--package-name" => Slot::Package,
        "-f" | "--python-file" => Slot::File,
        "--autoload-defs-module-name" => Slot::Autoload,
        "-d" | "--working-directory" => Slot::WorkingDirectory,
        "-a" | "--attribute" => Slot::Attribute,
        "--location-name" => Slot::LocationName,
        _ => return None,
    })
}

fn set(pointer: &mut Pointer, slot: Slot, value: String) {
    let field = match slot {
        Slot::Module => &mut pointer.module,
        Slot::Package => &mut pointer.package,
        Slot::File => &mut pointer.python_file,
        Slot::Autoload => &mut pointer.autoload,
        Slot::WorkingDirectory => &mut pointer.working_directory,
        Slot::Attribute => &mut pointer.attribute,
        Slot::LocationName => &mut pointer.location_name,
    };
    *field = Some(value);
}

/// Reads the pointer flags from the arguments after `dagster api grpc`
/// (`--flag value` and `--flag=value`). Other flags are skipped. Returns the
/// problems found (a flag without value, several targets).
pub(crate) fn parse_pointer_args(args: &[String]) -> (Pointer, Vec<String>) {
    let mut pointer = Pointer::default();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg, None),
        };
        let Some(slot) = slot(flag) else {
            continue;
        };
        let value = match inline {
            Some(v) => Some(v),
            None => match args.get(i) {
                Some(next) if !next.starts_with('-') || next == "-" => {
                    i += 1;
                    Some(next.clone())
                }
                _ => None,
            },
        };
        match value.filter(|v| !v.trim().is_empty()) {
            Some(v) => set(&mut pointer, slot, v.trim().to_string()),
            None => problems.push(format!("`{flag}` has no value")),
        }
    }
    if pointer.targets() > 1 {
        problems.push(
            "more than one of -m/--module-name, --package-name, -f/--python-file, --autoload-defs-module-name; dagster refuses that".to_string(),
        );
    }
    (pointer, problems)
}

/// The pointer given by `DAGSTER_CLI_API_GRPC_*` variables (click's
/// auto_envvar_prefix for `dagster api grpc`).
pub(crate) fn pointer_from_env<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Pointer {
    let mut pointer = Pointer::default();
    for (name, value) in vars {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let slot = match name {
            "DAGSTER_CLI_API_GRPC_MODULE_NAME" => Slot::Module,
            "DAGSTER_CLI_API_GRPC_PACKAGE_NAME" => Slot::Package,
            "DAGSTER_CLI_API_GRPC_PYTHON_FILE" => Slot::File,
            "DAGSTER_CLI_API_GRPC_AUTOLOAD_DEFS_MODULE_NAME" => Slot::Autoload,
            "DAGSTER_CLI_API_GRPC_WORKING_DIRECTORY" => Slot::WorkingDirectory,
            "DAGSTER_CLI_API_GRPC_ATTRIBUTE" => Slot::Attribute,
            "DAGSTER_CLI_API_GRPC_LOCATION_NAME" => Slot::LocationName,
            _ => continue,
        };
        set(&mut pointer, slot, value.to_string());
    }
    pointer
}

/// Finds `dagster api grpc` / `dagster code-server start` in a command line
/// (also behind `python -m`, a path to `dagster`, `exec`, `sh -c "..."`) and
/// returns the server mode and the arguments after it, up to a shell operator.
pub(crate) fn find_dagster_command(tokens: &[String]) -> Option<(ServerMode, Vec<String>)> {
    for (i, token) in tokens.iter().enumerate() {
        // `sh -c "dagster api grpc ..."`: look inside the script.
        if token == "-c" && i > 0 {
            if let Some(script) = tokens.get(i + 1) {
                if let Some(found) = find_dagster_command(&shell_words(script)) {
                    return Some(found);
                }
            }
        }
        let program = token.rsplit('/').next().unwrap_or(token);
        if program != "dagster" {
            continue;
        }
        let rest = tokens.get(i + 1..).unwrap_or_default();
        let mode = match rest {
            [a, b, ..] if a == "api" && b == "grpc" => ServerMode::ApiGrpc,
            [a, b, ..] if a == "code-server" && b == "start" => ServerMode::CodeServer,
            _ => continue,
        };
        let args = rest[2..]
            .iter()
            .take_while(|t| !matches!(t.as_str(), "&&" | "||" | ";" | "|" | "&"))
            .cloned()
            .collect();
        return Some((mode, args));
    }
    None
}

/// Splits a shell command like `sh` would for simple cases: whitespace,
/// single and double quotes, backslash escapes; `;`, `&&`, `||`, `|` become
/// their own tokens. No expansion happens (nothing is ever run).
pub(crate) fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    current.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(&next) = chars.peek() {
                                if matches!(next, '"' | '\\' | '$' | '`') {
                                    current.push(next);
                                    chars.next();
                                    continue;
                                }
                            }
                            current.push('\\');
                        }
                        _ => current.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    if next != '\n' {
                        current.push(next);
                    }
                }
            }
            ';' | '&' | '|' => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
                let mut op = c.to_string();
                if chars.peek() == Some(&c) && c != ';' {
                    op.push(c);
                    chars.next();
                }
                words.push(op);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_in_both_forms() {
        let (p, problems) = parse_pointer_args(&strings(&[
            "-h",
            "0.0.0.0",
            "--module-name=sales.definitions",
            "-d",
            "/opt/dagster/app",
            "--attribute",
            "defs",
            "--lazy-load-user-code",
        ]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.module.as_deref(), Some("sales.definitions"));
        assert_eq!(p.working_directory.as_deref(), Some("/opt/dagster/app"));
        assert_eq!(p.attribute.as_deref(), Some("defs"));
        let (p, _) = parse_pointer_args(&strings(&["-f", "defs.py", "--package-name", "x"]));
        assert_eq!(p.python_file.as_deref(), Some("defs.py"));
        let (_, problems) = parse_pointer_args(&strings(&["-f", "defs.py", "--package-name", "x"]));
        assert_eq!(problems.len(), 1);
        let (_, problems) = parse_pointer_args(&strings(&["-m"]));
        assert_eq!(problems, vec!["`-m` has no value"]);
        let (p, _) = parse_pointer_args(&strings(&["--autoload-defs-module-name", "p.defs"]));
        assert_eq!(p.autoload.as_deref(), Some("p.defs"));
    }

    #[test]
    fn finds_the_command() {
        let (mode, args) =
            find_dagster_command(&strings(&["dagster", "api", "grpc", "-m", "x"])).unwrap();
        assert_eq!((mode, args), (ServerMode::ApiGrpc, strings(&["-m", "x"])));
        let (mode, _) = find_dagster_command(&strings(&[
            "/usr/local/bin/dagster",
            "code-server",
            "start",
        ]))
        .unwrap();
        assert_eq!(mode, ServerMode::CodeServer);
        let (_, args) = find_dagster_command(&strings(&[
            "python", "-m", "dagster", "api", "grpc", "-f", "a.py",
        ]))
        .unwrap();
        assert_eq!(args, strings(&["-f", "a.py"]));
        let (_, args) = find_dagster_command(&strings(&[
            "sh",
            "-c",
            "pip install x && exec dagster api grpc -m 'a.b' && echo done",
        ]))
        .unwrap();
        assert_eq!(args, strings(&["-m", "a.b"]));
        assert!(find_dagster_command(&strings(&["dagster-webserver", "-w", "w.yaml"])).is_none());
        assert!(find_dagster_command(&strings(&["dagster", "dev"])).is_none());
    }

    #[test]
    fn shell_splitting() {
        assert_eq!(
            shell_words(r#"a "b c" 'd e' f\ g x&&y; z"#),
            strings(&["a", "b c", "d e", "f g", "x", "&&", "y", ";", "z"])
        );
    }

    #[test]
    fn env_pointer() {
        let p = pointer_from_env([
            ("DAGSTER_CLI_API_GRPC_MODULE_NAME", "m.defs"),
            ("DAGSTER_CLI_API_GRPC_WORKING_DIRECTORY", "/app"),
            ("OTHER", "x"),
        ]);
        assert_eq!(p.module.as_deref(), Some("m.defs"));
        assert_eq!(p.working_directory.as_deref(), Some("/app"));
        let merged = Pointer {
            python_file: Some("f.py".into()),
            ..Pointer::default()
        }
        .or(p);
        assert_eq!(merged.module, None);
        assert_eq!(merged.python_file.as_deref(), Some("f.py"));
        assert_eq!(merged.working_directory.as_deref(), Some("/app"));
    }
}
