//! Dockerfiles (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`): the final
//! stage's `CMD`/`ENTRYPOINT` running `dagster api grpc ...` or `dagster
//! code-server start ...` (exec JSON form or shell form, with line
//! continuations), and `ENV DAGSTER_CLI_API_GRPC_*` variables.

use super::command::{find_dagster_command, parse_pointer_args, pointer_from_env, shell_words};
use super::declare::{Collected, Declaration};
use super::helm::apply_pointer;
use super::model::{Source, SourceKind};
use super::node::FileCtx;
use super::paths;
use crate::diagnostics::Severity;

/// Whether a file name is a Dockerfile.
pub(crate) fn is_dockerfile(name: &str) -> bool {
    name == "Dockerfile" || name.starts_with("Dockerfile.") || name.ends_with(".Dockerfile")
}

#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
    line: u32,
}

/// Logical instructions: comments dropped, continuations joined.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut escape = '\\';
    let mut out = Vec::new();
    let mut current: Option<(String, u32)> = None;
    let mut in_header = true;
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if in_header {
            if let Some(directive) = trimmed.strip_prefix('#') {
                if let Some((key, value)) = directive.split_once('=') {
                    if key.trim().eq_ignore_ascii_case("escape") && value.trim() == "`" {
                        escape = '`';
                    }
                    continue;
                }
            }
            in_header = false;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        if current.is_none() && trimmed.is_empty() {
            continue;
        }
        let (text, start) = current.get_or_insert_with(|| (String::new(), line));
        let start = *start;
        let continued = trimmed.ends_with(escape);
        if continued {
            text.push_str(&trimmed[..trimmed.len() - escape.len_utf8()]);
            text.push(' ');
            continue;
        }
        text.push_str(trimmed);
        let full = std::mem::take(text);
        current = None;
        let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((&full, ""));
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_string(),
            line: start,
        });
    }
    if let Some((text, line)) = current {
        let (keyword, args) = text.split_once(char::is_whitespace).unwrap_or((&text, ""));
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_string(),
            line,
        });
    }
    out
}

/// `CMD`/`ENTRYPOINT` arguments: the exec (JSON) form, else the shell form
/// (which Docker runs as `/bin/sh -c "<args>"`).
fn command_tokens(args: &str) -> (Vec<String>, bool) {
    if args.starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(args) {
            return (list, true);
        }
    }
    (
        vec!["/bin/sh".to_string(), "-c".to_string(), args.to_string()],
        false,
    )
}

/// `ENV A=1 B="x y"` and the legacy `ENV A 1`.
fn env_pairs(args: &str) -> Vec<(String, String)> {
    let words = shell_words(args);
    if words.first().is_some_and(|w| !w.contains('=')) {
        let mut it = args.splitn(2, char::is_whitespace);
        let key = it.next().unwrap_or_default().to_string();
        let value = it.next().unwrap_or_default().trim();
        let value = shell_words(value).join(" ");
        return vec![(key, value)];
    }
    words
        .into_iter()
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Reads a Dockerfile's code-server command.
pub(crate) fn read(path: &str, text: &str, ctx: &mut FileCtx<'_>, out: &mut Collected) {
    let mut cmd: Option<(Vec<String>, bool, u32)> = None;
    let mut entrypoint: Option<(Vec<String>, bool, u32)> = None;
    let mut env: Vec<(String, String, u32)> = Vec::new();
    let mut workdir: Option<String> = None;
    for inst in instructions(text) {
        match inst.keyword.as_str() {
            // A new stage starts from scratch (the final stage is what runs).
            "FROM" => {
                cmd = None;
                entrypoint = None;
                env.clear();
                workdir = None;
            }
            "CMD" | "ENTRYPOINT" => {
                let (tokens, exec) = command_tokens(&inst.args);
                if !exec && inst.args.starts_with('[') {
                    ctx.report(
                        inst.line,
                        Severity::Warning,
                        "invalid-declaration",
                        format!(
                            "{} starts with `[` but is not a JSON array of strings (single quotes?); Docker runs it as a shell command",
                            inst.keyword
                        ),
                    );
                }
                if inst.keyword == "CMD" {
                    cmd = Some((tokens, exec, inst.line));
                } else {
                    entrypoint = Some((tokens, exec, inst.line));
                }
            }
            "ENV" => {
                for (k, v) in env_pairs(&inst.args) {
                    env.retain(|(key, _, _)| key != &k);
                    env.push((k, v, inst.line));
                }
            }
            "WORKDIR" => {
                let dir = inst.args.trim().trim_matches('"').to_string();
                workdir = Some(if dir.starts_with('/') {
                    dir
                } else {
                    format!("{}/{}", workdir.unwrap_or_default(), dir)
                });
            }
            _ => {}
        }
    }
    // An exec-form ENTRYPOINT takes CMD as its arguments; a shell-form one ignores CMD.
    let (tokens, line) = match (&entrypoint, &cmd) {
        (Some((ep, true, ep_line)), Some((c, exec, c_line))) => {
            let mut all = ep.clone();
            all.extend(if *exec {
                c.clone()
            } else {
                shell_words(&c[2..].join(" "))
            });
            let line = if find_dagster_command(ep).is_some() {
                *ep_line
            } else {
                *c_line
            };
            (all, line)
        }
        (Some((ep, _, line)), _) => (ep.clone(), *line),
        (None, Some((c, _, line))) => (c.clone(), *line),
        (None, None) => (Vec::new(), 0),
    };
    let found = find_dagster_command(&tokens);
    let env_vars: Vec<(&str, &str)> = env
        .iter()
        .map(|(k, v, _)| (k.as_str(), v.as_str()))
        .collect();
    let env_pointer = pointer_from_env(env_vars);
    let env_line = env
        .iter()
        .find(|(k, _, _)| k.starts_with("DAGSTER_CLI_API_GRPC_"))
        .map(|(_, _, line)| *line);
    let base = paths::parent(path);
    let (mode, args) = match found {
        Some((mode, args)) => (Some(mode), args),
        None if env_pointer.has_target() => (None, Vec::new()),
        None => return,
    };
    let (pointer, problems) = parse_pointer_args(&args);
    for problem in problems {
        ctx.report(line, Severity::Error, "invalid-declaration", problem);
    }
    let from_env = !pointer.has_target() && env_pointer.has_target();
    let mut pointer = pointer.or(env_pointer);
    if pointer.working_directory.is_none() {
        pointer.working_directory = workdir;
    }
    let (kind, decl_line) = if from_env {
        (SourceKind::EnvVar, env_line.unwrap_or(line))
    } else {
        (SourceKind::Dockerfile, line)
    };
    let mut decl = Declaration::new(Source::new(path, decl_line, kind), &base);
    if from_env && mode.is_some() {
        decl.extra_sources
            .push(Source::new(path, line, SourceKind::Dockerfile));
    }
    decl.server_mode = mode;
    apply_pointer(&mut decl, &pointer, line, ctx);
    if decl.target.is_none() {
        ctx.report(
            line,
            Severity::Warning,
            "invalid-declaration",
            "the code server is started without a code pointer (`-m`, `-f`, `--package-name`); what it loads is unknown",
        );
        return;
    }
    out.declarations.push(decl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::locations::declare::{Target, WorkDir};
    use crate::discover::locations::model::ServerMode;

    fn run(text: &str) -> (Collected, Vec<crate::diagnostics::Diagnostic>) {
        let mut diags = Vec::new();
        let mut out = Collected::default();
        let mut ctx = FileCtx::new("p/Dockerfile", &mut diags);
        read("p/Dockerfile", text, &mut ctx, &mut out);
        (out, diags)
    }

    #[test]
    fn exec_form() {
        let (c, diags) = run("FROM python:3.12-slim\nWORKDIR /opt/dagster/app\nCOPY . .\nEXPOSE 4000\nCMD [\"dagster\", \"api\", \"grpc\", \"-h\", \"0.0.0.0\", \"-p\", \"4000\", \"--module-name\", \"etl.definitions\"]\n");
        assert!(diags.is_empty(), "{diags:?}");
        let d = &c.declarations[0];
        assert_eq!(d.target, Some(Target::Module("etl.definitions".into())));
        assert_eq!(d.server_mode, Some(ServerMode::ApiGrpc));
        assert_eq!(
            d.working_dir,
            Some(WorkDir::Image("/opt/dagster/app".into()))
        );
        assert_eq!(d.source.line, 5);
        assert_eq!(d.source.kind, SourceKind::Dockerfile);
    }

    #[test]
    fn shell_form_with_continuations_and_entrypoint() {
        let (c, _) = run("FROM x AS build\nCMD dagster api grpc -m wrong\nFROM python:3.12\n# comment\nENTRYPOINT [\"dagster\"]\nCMD code-server start \\\n    -h 0.0.0.0 \\\n    # inline comment line\n    --package-name etl\n");
        let d = &c.declarations[0];
        assert_eq!(d.target, Some(Target::Package("etl".into())));
        assert_eq!(d.server_mode, Some(ServerMode::CodeServer));
        // The flags are on the CMD line (the ENTRYPOINT only says `dagster`).
        assert_eq!(d.source.line, 6);

        let (c, _) =
            run("FROM x\nCMD exec dagster api grpc \\\n  --python-file=jobs/defs.py -d jobs\n");
        let d = &c.declarations[0];
        assert_eq!(d.target, Some(Target::PythonFile("jobs/defs.py".into())));
        assert_eq!(d.working_dir, Some(WorkDir::Image("/jobs".into())));
        assert_eq!(d.source.line, 2);
    }

    #[test]
    fn env_vars() {
        let (c, _) = run("FROM x\nENV DAGSTER_CLI_API_GRPC_MODULE_NAME=env_pkg.defs \\\n    OTHER=1\nENV DAGSTER_CLI_API_GRPC_ATTRIBUTE defs\nCMD [\"dagster\", \"api\", \"grpc\", \"-h\", \"0.0.0.0\"]\n");
        let d = &c.declarations[0];
        assert_eq!(d.target, Some(Target::Module("env_pkg.defs".into())));
        assert_eq!(d.attribute.as_deref(), Some("defs"));
        assert_eq!(d.source.kind, SourceKind::EnvVar);
        assert_eq!(d.source.line, 2);
        assert_eq!(d.extra_sources[0].line, 5);
    }

    #[test]
    fn not_a_code_server() {
        let (c, diags) = run("FROM x\nCMD [\"dagster-webserver\", \"-w\", \"workspace.yaml\"]\n");
        assert!(c.declarations.is_empty() && diags.is_empty());
        let (c, diags) = run("FROM x\nCMD [\"dagster\", \"api\", \"grpc\", \"-p\", \"4000\"]\n");
        assert!(c.declarations.is_empty());
        assert_eq!(diags.len(), 1);
        assert!(is_dockerfile("Dockerfile.prod") && is_dockerfile("etl.Dockerfile"));
        assert!(!is_dockerfile("Dockerfile-old") && !is_dockerfile("dockerfile.md"));
    }
}
