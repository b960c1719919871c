use super::*;

fn facts(source: &str) -> Extracted {
    extract("pkg/sub/mod.py", source, Some("pkg.sub.mod"), false)
}

fn import_contexts(source: &str) -> Vec<(String, ExecContext)> {
    facts(source)
        .imports
        .into_iter()
        .map(|i| (i.module, i.context))
        .collect()
}

fn callees(source: &str) -> Vec<String> {
    facts(source).calls.into_iter().map(|c| c.callee).collect()
}

use ExecContext::*;

#[test]
fn module_level_import() {
    assert_eq!(
        import_contexts("import torch\n"),
        vec![("torch".into(), Module)]
    );
}

#[test]
fn function_level_import_is_deferred() {
    let src = "def f():\n    import torch\n    return torch\n";
    let f = facts(src);
    assert_eq!(f.imports[0].context, Function);
    assert_eq!(f.imports[0].function.as_deref(), Some("f"));
    assert_eq!((f.imports[0].line, f.imports[0].column), (2, 5));
}

#[test]
fn method_import_records_qualified_scope() {
    let src = "class R:\n    def setup(self):\n        import boto3\n";
    let f = facts(src);
    assert_eq!(f.imports[0].context, Function);
    assert_eq!(f.imports[0].function.as_deref(), Some("R.setup"));
}

#[test]
fn type_checking_variants() {
    let src = "\
from typing import TYPE_CHECKING
import typing
import typing as t
if TYPE_CHECKING:
    import pandas
if typing.TYPE_CHECKING:
    import numpy
if t.TYPE_CHECKING:
    import scipy
else:
    import json
if not TYPE_CHECKING:
    import polars
";
    let got = import_contexts(src);
    assert!(got.contains(&("pandas".into(), TypeChecking)));
    assert!(got.contains(&("numpy".into(), TypeChecking)));
    assert!(got.contains(&("scipy".into(), TypeChecking)));
    // The else branch of `if TYPE_CHECKING` always runs.
    assert!(got.contains(&("json".into(), Module)));
    assert!(got.contains(&("polars".into(), Module)));
}

#[test]
fn main_guard_never_runs_on_import() {
    let src = "\
import dagster as dg
if __name__ == \"__main__\":
    import torch
    client = boto3.client(\"s3\")
else:
    import json
if '__main__' == __name__:
    import polars
if __name__ != \"__main__\":
    import numpy
else:
    import scipy
if __name__ == \"__main__\" and DEBUG:
    import pandas
if __name__ == \"app\":
    import sklearn
";
    let got = import_contexts(src);
    assert!(got.contains(&("torch".into(), MainGuard)), "{got:?}");
    assert!(got.contains(&("polars".into(), MainGuard)), "{got:?}");
    assert!(got.contains(&("scipy".into(), MainGuard)), "{got:?}");
    // The other side of the guard always runs on import.
    assert!(got.contains(&("json".into(), Module)), "{got:?}");
    assert!(got.contains(&("numpy".into(), Module)), "{got:?}");
    // Anything less certain stays a condition.
    assert!(got.contains(&("pandas".into(), Conditional)), "{got:?}");
    assert!(got.contains(&("sklearn".into(), Conditional)), "{got:?}");
    // A `__main__.py` can be loaded as `__main__` (`-f __main__.py`): may run.
    let main_py = extract("pkg/__main__.py", src, Some("pkg.__main__"), false);
    assert!(main_py
        .imports
        .iter()
        .any(|i| i.module == "torch" && i.context == Conditional));
    // Nor do its calls.
    let calls = extract("m.py", src, Some("m"), false).calls;
    assert!(
        !calls
            .iter()
            .any(|c| c.callee == "boto3.client" && c.context.runs_at_import()),
        "{calls:?}"
    );
}

#[test]
fn function_under_type_checking_never_runs() {
    let src = "if TYPE_CHECKING:\n    def f():\n        import torch\n";
    assert_eq!(import_contexts(src), vec![("torch".into(), TypeChecking)]);
}

#[test]
fn try_import_error_variants() {
    let src = "\
try:
    import ujson
except ImportError:
    import json
try:
    import orjson
except (ValueError, ModuleNotFoundError):
    pass
try:
    import yaml
except KeyError:
    pass
";
    let got = import_contexts(src);
    assert_eq!(
        got,
        vec![
            ("ujson".into(), TryImportError),
            ("json".into(), Conditional),
            ("orjson".into(), TryImportError),
            // Not guarded against a failed import: it runs.
            ("yaml".into(), Module),
        ]
    );
}

#[test]
fn other_blocks_are_conditional() {
    let src = "\
import os
if os.getenv('ENV') == 'PROD':
    import snowflake.connector
for x in []:
    import a
while False:
    import b
with open('x') as f:
    import c
match os.name:
    case 'nt':
        import d
";
    let got = import_contexts(src);
    for name in ["snowflake.connector", "a", "b", "c", "d"] {
        assert!(
            got.contains(&(name.to_string(), Conditional)),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn class_body_import_runs() {
    let got = import_contexts("class A:\n    import torch\n");
    assert_eq!(got, vec![("torch".into(), ClassBody)]);
}

#[test]
fn nesting_takes_the_weaker_context() {
    let src = "if x:\n    class A:\n        import torch\ntry:\n    if y:\n        import z\nexcept ImportError:\n    pass\n";
    let got = import_contexts(src);
    assert_eq!(
        got,
        vec![("torch".into(), Conditional), ("z".into(), Conditional)]
    );
}

#[test]
fn lazy_import_is_deferred() {
    let got = import_contexts("lazy import torch\nlazy from pandas import DataFrame\n");
    assert_eq!(
        got,
        vec![("torch".into(), Function), ("pandas".into(), Function)]
    );
}

#[test]
fn bound_names() {
    let f = facts("import a.b.c\nimport a.b as ab\nfrom x.y import z as w, v\n");
    let bound: Vec<(String, String)> = f
        .imports
        .iter()
        .flat_map(|i| i.bound.iter().map(|b| (b.local.clone(), b.target.clone())))
        .collect();
    assert_eq!(
        bound,
        vec![
            ("a".into(), "a".into()),
            ("ab".into(), "a.b".into()),
            ("w".into(), "x.y.z".into()),
            ("v".into(), "x.y.v".into()),
        ]
    );
}

#[test]
fn relative_imports_at_several_depths() {
    // File pkg/sub/mod.py is in package pkg.sub.
    let f =
        facts("from . import x\nfrom .m import *\nfrom .. import y\nfrom ..other.deep import z\n");
    let got: Vec<(String, u32, bool)> = f
        .imports
        .iter()
        .map(|i| (i.module.clone(), i.level, i.resolved))
        .collect();
    assert_eq!(
        got,
        vec![
            ("pkg.sub".into(), 1, true),
            ("pkg.sub.m".into(), 1, true),
            ("pkg".into(), 2, true),
            ("pkg.other.deep".into(), 2, true),
        ]
    );
    assert!(f.imports[1].is_star());
    assert!(f.imports[1].bound.is_empty());
}

#[test]
fn relative_import_from_package_init() {
    let f = extract(
        "pkg/sub/__init__.py",
        "from . import x\nfrom ...a import b\n",
        Some("pkg.sub"),
        true,
    );
    assert_eq!(f.imports[0].module, "pkg.sub");
    // Three dots from pkg.sub (a package) goes above the top-level package.
    assert!(!f.imports[1].resolved);
    assert_eq!(f.imports[1].module, "...a");
    assert_eq!(f.diagnostics[0].kind, "unresolved-relative-import");
}

#[test]
fn relative_import_at_depth_three() {
    let f = extract("a/b/c/d.py", "from ...x import y\n", Some("a.b.c.d"), false);
    assert_eq!(f.imports[0].module, "a.x");
}

#[test]
fn relative_import_outside_package() {
    let f = extract("script.py", "from . import x\n", None, false);
    assert!(!f.imports[0].resolved);
}

#[test]
fn dynamic_imports_with_literals() {
    let src = "\
import importlib
from importlib import import_module
importlib.import_module('torch')
import_module('.plugins', package='pkg.sub')
__import__('spacy')
def f():
    importlib.import_module('tensorflow')
name = 'x'
importlib.import_module(name)
";
    let f = facts(src);
    let dynamic: Vec<(String, ExecContext)> = f
        .imports
        .iter()
        .filter(|i| i.kind == ImportKind::Dynamic)
        .map(|i| (i.module.clone(), i.context))
        .collect();
    assert_eq!(
        dynamic,
        vec![
            ("torch".into(), Module),
            ("pkg.sub.plugins".into(), Module),
            ("spacy".into(), Module),
            ("tensorflow".into(), Function),
        ]
    );
}

#[test]
fn deferred_dynamic_imports_through_aliases_and_chains() {
    let src = "\
import importlib as il
import importlib as IL
from importlib import import_module as im
import builtins
def f():
    im('a')
    il.import_module('b')
    IL.x().import_module('c')
    importlib.import_module()('d')
    (lambda: __import__('e'))
    builtins.__import__('no')
    il.other('no')
    import_module('no')
g = lambda: im('f')
";
    let dynamic: Vec<(String, ExecContext)> = facts(src)
        .imports
        .into_iter()
        .filter(|i| i.kind == ImportKind::Dynamic)
        .map(|i| (i.module, i.context))
        .collect();
    let expected: Vec<(String, ExecContext)> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|m| ((*m).to_string(), Function))
        .collect();
    assert_eq!(dynamic, expected);
}

#[test]
fn files_without_dynamic_imports_skip_deferred_code() {
    assert!(!may_import_dynamically(
        "import os\ndef f():\n    os.getcwd()\n"
    ));
    assert!(may_import_dynamically(
        "from importlib import import_module as i\n"
    ));
    assert!(may_import_dynamically("__import__('x')\n"));
    // Non-ASCII identifiers are normalized (NFKC): assume the worst.
    assert!(may_import_dynamically("ｉmport_module = 1\n"));
}

#[test]
fn aliased_calls_resolve_through_imports() {
    let src = "\
import boto3 as b
from sqlalchemy import create_engine as ce
s3 = b.client('s3')
engine = ce('sqlite://')
";
    assert_eq!(
        callees(src),
        vec!["boto3.client", "sqlalchemy.create_engine"]
    );
}

#[test]
fn chained_builder_calls() {
    let src = "\
from pyspark.sql import SparkSession
import boto3
spark = SparkSession.builder.appName('x').master('local').getOrCreate()
s3 = boto3.Session(profile_name='p').client('s3')
";
    let got = callees(src);
    assert!(
        got.contains(&"pyspark.sql.SparkSession.builder.getOrCreate".to_string()),
        "{got:?}"
    );
    assert!(got.contains(&"boto3.Session.client".to_string()), "{got:?}");
    assert!(got.contains(&"boto3.Session".to_string()), "{got:?}");
}

#[test]
fn literal_arguments_are_kept() {
    let f = facts("import spacy\nnlp = spacy.load('en_core_web_lg', disable=['ner'], n=3)\n");
    let call = &f.calls[0];
    assert_eq!(call.callee, "spacy.load");
    assert_eq!(
        call.args,
        vec![
            LiteralArg {
                keyword: None,
                value: "en_core_web_lg".into()
            },
            LiteralArg {
                keyword: Some("n".into()),
                value: "3".into()
            },
        ]
    );
}

#[test]
fn calls_in_function_bodies_are_not_recorded() {
    let src =
        "import boto3\ndef f():\n    return boto3.client('s3')\nx = lambda: boto3.client('s3')\n";
    assert!(callees(src).is_empty());
}

#[test]
fn decorators_defaults_bases_and_annotations_run_at_import() {
    let src = "\
import dagster as dg
import boto3
from x import make_base, Cfg

@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date='2024-01-01'))
def a(client=boto3.client('s3')) -> dg.Output:
    pass

class R(make_base()):
    cfg = Cfg()
";
    let f = facts(src);
    let got: Vec<(String, CallSite, ExecContext)> = f
        .calls
        .iter()
        .map(|c| (c.callee.clone(), c.site, c.context))
        .collect();
    assert!(got.contains(&("dagster.asset".into(), CallSite::Decorator, Module)));
    assert!(got.contains(&(
        "dagster.DailyPartitionsDefinition".into(),
        CallSite::Decorator,
        Module
    )));
    assert!(got.contains(&("boto3.client".into(), CallSite::Default, Module)));
    assert!(got.contains(&("x.make_base".into(), CallSite::ClassBase, Module)));
    assert!(got.contains(&("x.Cfg".into(), CallSite::Statement, ClassBody)));
}

#[test]
fn conditional_client_is_conditional() {
    let src = "import os\nfrom databricks.sdk import WorkspaceClient\nif os.getenv('ENV') == 'PROD':\n    client = WorkspaceClient()\n";
    let f = facts(src);
    let ws = f
        .calls
        .iter()
        .find(|c| c.callee == "databricks.sdk.WorkspaceClient")
        .unwrap();
    assert_eq!(ws.context, Conditional);
    let getenv = f.calls.iter().find(|c| c.callee == "os.getenv").unwrap();
    assert_eq!(getenv.context, Module);
}

#[test]
fn definitions_function_body_runs_at_load() {
    let src = "\
import dagster as dg
@dg.definitions
def defs():
    import torch
    return dg.Definitions()
";
    let f = facts(src);
    assert_eq!(f.imports[1].context, Module);
    assert!(f.calls.iter().any(|c| c.callee == "dagster.Definitions"));
}

#[test]
fn syntax_errors_are_diagnostics_and_facts_survive() {
    let src = "import pandas\n\ndef broken(:\n    pass\n\nimport torch\n";
    let f = facts(src);
    assert!(f
        .diagnostics
        .iter()
        .any(|d| d.kind == "invalid-syntax" && d.line == Some(3)));
    let modules: Vec<&str> = f.imports.iter().map(|i| i.module.as_str()).collect();
    assert!(modules.contains(&"pandas"));
    assert!(modules.contains(&"torch"));
}

#[test]
fn python_312_and_314_syntax_parse() {
    let src = "x = f\"{\"nested\"}\"\ny = t\"hello {x}\"\ntype Alias = list[int]\nimport torch\n";
    let f = facts(src);
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    assert_eq!(f.imports.len(), 1);
}

#[test]
fn noqa_comments() {
    assert_eq!(parse_noqa("# noqa"), Some(vec![]));
    assert_eq!(
        parse_noqa("# NOQA: fp001, FP002"),
        Some(vec!["FP001".into(), "FP002".into()])
    );
    assert_eq!(
        parse_noqa("# noqa:FP001 because heavy"),
        Some(vec!["FP001".into()])
    );
    assert_eq!(parse_noqa("# type: ignore  # noqa"), Some(vec![]));
    assert_eq!(parse_noqa("# this is not noqa-ish"), None);
    assert_eq!(parse_noqa("# noqanope"), None);
    let f = facts("import torch  # noqa: FP001\nx = '# noqa'\n");
    assert_eq!(
        f.noqa,
        vec![NoqaLine {
            line: 1,
            codes: vec!["FP001".into()]
        }]
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 3_000;
    let src = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let f = facts(&src);
    assert!(f.imports.is_empty());
    let mut nested = String::new();
    for i in 0..1_000 {
        nested.push_str(&" ".repeat(i));
        nested.push_str("if x:\n");
    }
    nested.push_str(&" ".repeat(1_000));
    nested.push_str("import torch\n");
    let f = facts(&nested);
    assert_eq!(f.imports[0].context, Conditional);
}

#[test]
fn nested_argument_calls_and_strings() {
    let src = "\
import json
from pathlib import Path
manifest = json.loads((Path(__file__).parent / 'target' / 'manifest.json').read_text())
";
    let f = facts(src);
    let loads = f.calls.iter().find(|c| c.callee == "json.loads").unwrap();
    assert_eq!(
        loads.arg_calls,
        vec!["pathlib.Path.parent.read_text", "pathlib.Path"]
    );
    assert_eq!(loads.arg_strings, vec!["target", "manifest.json"]);
}
