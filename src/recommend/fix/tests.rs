use super::*;
use crate::scan::extract::extract;

fn facts(source: &str) -> FileFacts {
    let e = extract("app/assets.py", source, Some("app.assets"), false);
    FileFacts {
        path: "app/assets.py".into(),
        module: Some("app.assets".into()),
        imports: e.imports,
        calls: e.calls,
        uses: e.uses,
        ..FileFacts::default()
    }
}

fn fix(source: &str, lines: &[u32]) -> (String, Vec<Skipped>) {
    rewrite(source, &facts(source), lines)
}

fn assert_parses(text: &str) {
    let parsed = parse_unchecked(text, ParseOptions::from(Mode::Module));
    assert!(parsed.errors().is_empty(), "{:?}\n{text}", parsed.errors());
}

#[test]
fn moves_into_the_using_function_after_the_docstring() {
    let src = "\
\"\"\"Assets.\"\"\"

import dagster as dg
from postal.parser import parse_address


@dg.asset
def parsed(raw: list[str]) -> list[dict]:
    \"\"\"Parse.\"\"\"
    return [dict(parse_address(r)) for r in raw]
";
    let (out, skipped) = fix(src, &[4]);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(
        out,
        "\
\"\"\"Assets.\"\"\"

import dagster as dg


@dg.asset
def parsed(raw: list[str]) -> list[dict]:
    \"\"\"Parse.\"\"\"
    from postal.parser import parse_address

    return [dict(parse_address(r)) for r in raw]
"
    );
    assert_parses(&out);
    // Idempotent: nothing is at module level any more.
    let (again, skipped) = fix(&out, &[4]);
    assert_eq!(again, out);
    assert_eq!(skipped.len(), 1);
}

#[test]
fn aliases_and_names_split_across_functions() {
    let src = "\
import pandas as pd
from sklearn.linear_model import LinearRegression, Ridge as R

# a comment that stays


def fit():
    return LinearRegression()


def ridge():
    return R(), pd.DataFrame()


class Trainer:
    def train(self):
        return pd.Series()
";
    let (out, skipped) = fix(src, &[1, 2]);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(out.starts_with("# a comment that stays"), "{out}");
    assert!(out.contains("def fit():\n    from sklearn.linear_model import LinearRegression\n\n    return LinearRegression()"), "{out}");
    assert!(out.contains("def ridge():\n    import pandas as pd\n    from sklearn.linear_model import Ridge as R\n\n"), "{out}");
    assert!(
        out.contains(
            "    def train(self):\n        import pandas as pd\n\n        return pd.Series()"
        ),
        "{out}"
    );
    assert_parses(&out);
}

#[test]
fn trailing_comment_moves_with_the_import() {
    let src = "import torch  # GPU scoring only\n\n\ndef score():\n    return torch.zeros(1)\n";
    let (out, _) = fix(src, &[1]);
    assert_eq!(
        out,
        "def score():\n    import torch  # GPU scoring only\n\n    return torch.zeros(1)\n"
    );
}

#[test]
fn decorated_functions_and_crlf() {
    let src = "import dagster as dg\r\nimport torch\r\n\r\n\r\n@dg.asset(group_name=\"ml\")\r\ndef score():\r\n    return torch.zeros(1)\r\n";
    let (out, skipped) = fix(src, &[2]);
    assert!(skipped.is_empty());
    assert!(
        out.contains("def score():\r\n    import torch\r\n\r\n    return"),
        "{out:?}"
    );
    assert_parses(&out);
}

#[test]
fn unsafe_cases_are_left_alone() {
    let cases = [
        (
            "import pandas as pd\nFRAME = pd.DataFrame()\ndef f():\n    return pd\n",
            "outside function bodies",
        ),
        (
            "import pandas as pd\n__all__ = ['pd']\ndef f():\n    return pd\n",
            "outside function bodies",
        ),
        (
            "import pandas as pd\ndef f(x: pd.DataFrame):\n    return x\n",
            "outside function bodies",
        ),
        (
            "import torch\ndef f(): return torch\n",
            "body on the `def` line",
        ),
        (
            "import torch; import os\ndef f():\n    return torch, os\n",
            "shares its line",
        ),
    ];
    for (src, reason) in cases {
        let (out, skipped) = fix(src, &[1]);
        assert_eq!(out, src, "changed: {src}");
        assert!(
            skipped.iter().any(|s| s.reason.contains(reason)),
            "{src}: {skipped:?}"
        );
    }
}

#[test]
fn unified_diff_has_git_headers() {
    let src = "import torch\n\n\ndef f():\n    return torch\n";
    let (fixed, _) = fix(src, &[1]);
    let f = FileFix {
        path: "app/assets.py".into(),
        lines: vec![1],
        original: src.into(),
        fixed,
    };
    let diff = f.unified_diff();
    assert!(
        diff.starts_with("--- a/app/assets.py\n+++ b/app/assets.py\n"),
        "{diff}"
    );
    assert!(diff.contains("-import torch\n"));
    assert!(diff.contains("+    import torch\n"));
}
