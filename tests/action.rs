//! The GitHub Action (action.yml → action/run.sh), run locally without
//! GitHub: a throwaway git repository with a base and a head commit, the
//! runner's `GITHUB_*` variables, the built binary, and a stub `gh` that
//! records its calls and answers the comment listing with JSON we control.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::{json, Value};

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
    stdout(&output).trim().to_string()
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Records `gh`'s arguments (one line per call) and the body it is given
/// (`--input FILE`); answers a comment listing with `$GH_STUB_COMMENTS`.
const GH_STUB: &str = r#"#!/usr/bin/env bash
set -euo pipefail
n=$(( $(wc -l < "$GH_STUB_LOG") + 1 ))
printf '%s\n' "$*" >> "$GH_STUB_LOG"
input=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--input" ]; then input="$arg"; fi
  prev="$arg"
done
if [ -n "$input" ]; then
  if [ "$input" = "-" ]; then cat > "$GH_STUB_DIR/body-$n.json"; else cp "$input" "$GH_STUB_DIR/body-$n.json"; fi
  echo '{"id": 99}'
  exit 0
fi
case "$*" in
  *"/comments"*) cat "$GH_STUB_COMMENTS" ;;
  *) echo "unexpected gh call: $*" >&2; exit 1 ;;
esac
"#;

struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    repo: PathBuf,
    base_sha: String,
    head_sha: String,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let repo = root.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["config", "user.email", "ci@example.com"]);
        git(&repo, &["config", "user.name", "CI"]);
        write(
            &repo,
            "workspace.yaml",
            "load_from:\n  - python_module:\n      module_name: pkg.definitions\n      working_directory: .\n      location_name: main\n",
        );
        write(&repo, ".github/CODEOWNERS", "* @org/team\n");
        write(&repo, "pkg/__init__.py", "");
        write(
            &repo,
            "pkg/definitions.py",
            "import dagster as dg\n\nfrom pkg.assets import a\n\ndefs = dg.Definitions(assets=[a])\n",
        );
        write(
            &repo,
            "pkg/assets.py",
            "import dagster as dg\n\n\n@dg.asset\ndef a():\n    return 1\n",
        );
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        let base_sha = git(&repo, &["rev-parse", "HEAD"]);
        // The head: libpostal at module level, and a file with a hostile name.
        write(
            &repo,
            "pkg/assets.py",
            "import dagster as dg\nfrom postal.parser import parse_address\n\n\n@dg.asset\ndef a():\n    return parse_address('x')\n",
        );
        write(
            &repo,
            "pkg/<img src=x onerror=alert(1)>.py",
            "import torch\n",
        );
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "head"]);
        let head_sha = git(&repo, &["rev-parse", "HEAD"]);

        let stub = root.join("stub");
        std::fs::create_dir_all(&stub).unwrap();
        let gh = stub.join("gh");
        std::fs::write(&gh, GH_STUB).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(root.join("gh.log"), "").unwrap();
        std::fs::write(root.join("comments.json"), "[]").unwrap();
        let event = json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "title": "$(touch /tmp/pwned) `whoami` <script>",
                "head": {"sha": head_sha, "ref": "feature/$(id)"},
                "base": {"sha": base_sha, "ref": "main"}
            }
        });
        std::fs::write(root.join("event.json"), event.to_string()).unwrap();
        Self {
            _dir: dir,
            root,
            repo,
            base_sha,
            head_sha,
        }
    }

    fn set_comments(&self, comments: &Value) {
        std::fs::write(self.root.join("comments.json"), comments.to_string()).unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("gh.log")).unwrap()
    }

    fn clear_log(&self) {
        std::fs::write(self.root.join("gh.log"), "").unwrap();
    }

    /// The bodies `gh` was given, in call order.
    fn bodies(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.root.join("stub"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("body-")
            })
            .collect();
        files.sort();
        let bodies = files
            .iter()
            .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
            .collect();
        for f in files {
            std::fs::remove_file(f).unwrap();
        }
        bodies
    }

    fn run(&self, inputs: &[(&str, &str)], event: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.root.join("stub").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(repo_root().join("action/run.sh"))
            .current_dir(&self.repo)
            .env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env(
                "DAGSTER_FOOTPRINT_BIN",
                env!("CARGO_BIN_EXE_dagster-footprint"),
            )
            .env("GITHUB_EVENT_PATH", self.root.join(event))
            .env("GITHUB_REPOSITORY", "acme/mono")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_WORKSPACE", &self.repo)
            .env("GITHUB_STEP_SUMMARY", self.root.join("summary.md"))
            .env("GITHUB_OUTPUT", self.root.join("output.txt"))
            .env("RUNNER_TEMP", self.root.join("runner"))
            .env("GH_TOKEN", "dummy")
            .env("GH_STUB_LOG", self.root.join("gh.log"))
            .env("GH_STUB_DIR", self.root.join("stub"))
            .env("GH_STUB_COMMENTS", self.root.join("comments.json"));
        for var in [
            "GITHUB_SHA",
            "GITHUB_API_URL",
            "GH_HOST",
            "INPUT_PATH",
            "INPUT_ARGS",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("INPUT_PATH", ".")
            .env("INPUT_COMMENT", "true")
            .env("INPUT_FAIL_ON_INCREASE_MIB", "")
            .env("INPUT_ARGS", "--exclude scratch --select FP001,FP002");
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        cmd.output().expect("bash runs")
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.root.join("summary.md")).unwrap_or_default()
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.root.join("output.txt")).unwrap_or_default()
    }
}

fn assert_comment_is_safe(body: &str, head_sha: &str) {
    assert!(body.starts_with("<!-- dagster-footprint -->\n"), "{body}");
    assert!(
        body.contains("| Location | Owner | Before MiB | After MiB | Δ MiB |"),
        "{body}"
    );
    assert!(body.contains("| main | @&#8203;org/team |"), "{body}");
    assert!(
        !body.contains("<img"),
        "hostile file name rendered as HTML:\n{body}"
    );
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;.py"),
        "{body}"
    );
    assert!(!body.contains("@org/team"), "mention left active:\n{body}");
    assert!(
        body.contains(&format!(
            "(https://github.com/acme/mono/blob/{head_sha}/pkg/assets.py#L2)"
        )),
        "{body}"
    );
    assert!(body.contains("Verdict:** ⚠️ Idle memory up"), "{body}");
}

#[test]
fn the_action_comments_then_updates_its_comment() {
    if !have("git") || !have("jq") {
        eprintln!("SKIPPED: the action needs git and jq (.ci/run installs jq when missing)");
        return;
    }
    let sb = Sandbox::new();

    // First run: no comment yet → POST.
    let first = sb.run(&[], "event.json");
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&first),
        stderr(&first)
    );
    let log = sb.log();
    assert!(
        log.contains("api --paginate repos/acme/mono/issues/7/comments?per_page=100"),
        "{log}"
    );
    assert!(
        log.contains("api --method POST repos/acme/mono/issues/7/comments --input "),
        "{log}"
    );
    assert!(!log.contains("PATCH"), "{log}");
    let bodies = sb.bodies();
    assert_eq!(bodies.len(), 1);
    let body = bodies[0]["body"].as_str().unwrap();
    assert_comment_is_safe(body, &sb.head_sha);

    // Annotations for the new findings only, escaped as workflow commands.
    let annotations = stdout(&first);
    assert!(
        annotations.contains("::warning file=pkg/assets.py,line=2,col=1,title=FP001::"),
        "{annotations}"
    );
    assert!(
        annotations.contains(
            "::notice file=pkg/<img src=x onerror=alert(1)>.py,line=1,col=1,title=FP001::"
        ),
        "{annotations}"
    );
    // The step summary holds the same table; outputs are set.
    let summary = sb.summary();
    assert!(summary.contains("| main | @&#8203;org/team |"), "{summary}");
    assert!(!summary.contains("<img"));
    let outputs = sb.outputs();
    assert!(outputs.contains("exceeded=false"), "{outputs}");
    assert!(
        outputs.contains("report=") && outputs.contains("diff="),
        "{outputs}"
    );
    let delta: f64 = outputs
        .lines()
        .find_map(|l| l.strip_prefix("delta-mib="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(delta > 1000.0, "libpostal: {delta}");
    // The base worktree is gone again; nothing from the payload ran.
    assert_eq!(git(&sb.repo, &["worktree", "list"]).lines().count(), 1);
    assert_eq!(git(&sb.repo, &["status", "--porcelain"]), "");
    assert_ne!(sb.base_sha, sb.head_sha);

    // Second run: our comment exists (after a spoofed one by someone else) → PATCH it.
    sb.clear_log();
    sb.set_comments(&json!([
        {"id": 13, "body": "<!-- dagster-footprint -->\nspoofed", "user": {"login": "mallory"}},
        {"id": 5, "body": "LGTM", "user": {"login": "github-actions[bot]"}},
        {"id": 4242, "body": "<!-- dagster-footprint -->\nold", "user": {"login": "github-actions[bot]"}}
    ]));
    let second = sb.run(&[], "event.json");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let log = sb.log();
    assert!(
        log.contains("api --method PATCH repos/acme/mono/issues/comments/4242 --input "),
        "{log}"
    );
    assert!(!log.contains("POST"), "{log}");
    let bodies = sb.bodies();
    assert_eq!(bodies.len(), 1);
    assert_comment_is_safe(bodies[0]["body"].as_str().unwrap(), &sb.head_sha);

    // Past fail-on-increase-mib: the job fails (after writing the summary); no comment asked.
    sb.clear_log();
    let failed = sb.run(
        &[
            ("INPUT_FAIL_ON_INCREASE_MIB", "100"),
            ("INPUT_COMMENT", "false"),
        ],
        "event.json",
    );
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        stdout(&failed).contains(
            "::error title=dagster-footprint::code-location pods grew by more than 100 MiB: main"
        ),
        "{}",
        stdout(&failed)
    );
    assert!(sb.log().is_empty(), "comment=false: no gh call");
    assert!(sb.outputs().contains("exceeded=true"));
    let within = sb.run(
        &[
            ("INPUT_FAIL_ON_INCREASE_MIB", "100000"),
            ("INPUT_COMMENT", "false"),
        ],
        "event.json",
    );
    assert_eq!(within.status.code(), Some(0), "{}", stderr(&within));

    // Bad inputs are refused, not interpolated.
    let bad = sb.run(
        &[("INPUT_FAIL_ON_INCREASE_MIB", "1; touch pwned")],
        "event.json",
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(!sb.repo.join("pwned").exists());

    // No pull request (a push): the head alone, no comment.
    std::fs::write(sb.root.join("push.json"), r#"{"ref": "refs/heads/main"}"#).unwrap();
    std::fs::write(sb.root.join("summary.md"), "").unwrap();
    sb.clear_log();
    let push = sb.run(&[], "push.json");
    assert_eq!(push.status.code(), Some(0), "{}", stderr(&push));
    assert!(sb.log().is_empty());
    let summary = sb.summary();
    assert!(
        summary.starts_with("<!-- dagster-footprint -->\n### dagster-footprint\n"),
        "{summary}"
    );
    assert!(
        summary.contains("| main | @&#8203;org/team | api grpc |"),
        "{summary}"
    );
}

#[test]
fn action_yml_is_composite_and_keeps_inputs_out_of_scripts() {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    let action = &docs[0];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for input in ["path", "fail-on-increase-mib", "comment", "args"] {
        assert!(!action["inputs"][input].is_badvalue(), "input {input}");
    }
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let mut scripts = String::new();
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "expression inside a run script: {run}"
            );
            scripts.push_str(run);
        }
    }
    assert!(scripts.contains("cargo install --path \"$GITHUB_ACTION_PATH\" --locked"));
    assert!(scripts.contains("action/run.sh"));
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    let paths = cache["with"]["path"].as_str().unwrap();
    assert!(
        paths.contains("~/.cargo") && paths.contains("target"),
        "{paths}"
    );
    // Every input reaches the script through env.
    let env = &steps.last().unwrap()["env"];
    for var in [
        "INPUT_PATH",
        "INPUT_FAIL_ON_INCREASE_MIB",
        "INPUT_COMMENT",
        "INPUT_ARGS",
        "GH_TOKEN",
    ] {
        assert!(env[var].as_str().is_some(), "{var}");
    }
    // The pre-commit hook points at the tool.
    let hooks = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks = yaml_rust2::YamlLoader::load_from_str(&hooks).unwrap();
    let hook = &hooks[0][0];
    assert_eq!(hook["id"].as_str(), Some("dagster-footprint"));
    assert!(hook["entry"]
        .as_str()
        .unwrap()
        .starts_with("dagster-footprint scan"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
}
