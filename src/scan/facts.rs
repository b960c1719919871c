//! What one Python file does at import time, as plain data.
//!
//! Computed once per file by [`super::extract`]; later stages (graph,
//! estimate, recommend) read these and never re-parse.

use serde::Serialize;

use crate::diagnostics::Diagnostic;

/// When a statement runs, relative to `import` of its module.
///
/// Ordered from "certainly runs" to "never runs"; nesting takes the later
/// (weaker) of the two, e.g. a class body inside `if TYPE_CHECKING:` never runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecContext {
    /// Top-level statement: runs when the module is imported.
    Module,
    /// Inside a class body at module level: runs at import.
    ClassBody,
    /// Inside `try:` guarded by `except ImportError` / `ModuleNotFoundError`
    /// (or a bare / `Exception` handler): runs if the package is installed.
    TryImportError,
    /// Under another module-level `if`, `while`, `for`, `with`, `match`, or in
    /// an exception handler: may run.
    Conditional,
    /// Inside a function body: deferred until the function is called.
    Function,
    /// Under `if TYPE_CHECKING:`: never runs.
    TypeChecking,
    /// Under `if __name__ == "__main__":`: runs only when the file is run as
    /// a script, never when it is imported (Dagster imports every module,
    /// even one named with `-f`, under its module name).
    MainGuard,
}

impl ExecContext {
    /// Whether code in this context can run when the module is imported.
    pub fn runs_at_import(self) -> bool {
        matches!(
            self,
            Self::Module | Self::ClassBody | Self::TryImportError | Self::Conditional
        )
    }

    /// The context of code nested in `inner` inside code in `self`.
    #[must_use]
    pub fn nest(self, inner: Self) -> Self {
        self.max(inner)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Module => "module",
            Self::ClassBody => "class_body",
            Self::TryImportError => "try_import_error",
            Self::Conditional => "conditional",
            Self::Function => "function",
            Self::TypeChecking => "type_checking",
            Self::MainGuard => "main_guard",
        }
    }
}

/// How an import was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// `import a.b` / `import a.b as c`
    Import,
    /// `from a import b` / `from . import x` / `from .m import *`
    From,
    /// `importlib.import_module("x")` / `__import__("x")` with a literal argument.
    Dynamic,
}

/// A name bound by an import.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BoundName {
    /// The local name (the alias if any).
    pub local: String,
    /// What it refers to, as an absolute dotted name (`import a.b` binds `a` to `a`;
    /// `from a import b as c` binds `c` to `a.b`).
    pub target: String,
}

/// One import statement (or one module of a multi-module `import a, b`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ImportSite {
    /// 1-based line and column (characters) of the statement.
    pub line: u32,
    pub column: u32,
    pub kind: ImportKind,
    /// Absolute dotted module imported: `a.b` for `import a.b` and for
    /// `from a.b import c`; relative imports are resolved against the file's package.
    /// When a relative import cannot be resolved, the raw text (`..x`).
    pub module: String,
    /// Leading dots of a relative import (0 for absolute).
    pub level: u32,
    /// `false` when a relative import could not be resolved (file outside a package,
    /// or more dots than package depth).
    pub resolved: bool,
    /// Names after `from ... import` (empty for `import`); `*` for star imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Names this import binds in its scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bound: Vec<BoundName>,
    pub context: ExecContext,
    /// Qualified name of the enclosing function or class (`Resource.setup`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

impl ImportSite {
    pub fn is_star(&self) -> bool {
        self.names.iter().any(|n| n == "*")
    }

    /// The first `Some` of `f` over [`Self::candidate_modules`], in the same
    /// order, without allocating a string per candidate (one buffer for the
    /// `module.name` forms).
    pub fn find_candidate<T>(&self, mut f: impl FnMut(&str) -> Option<T>) -> Option<T> {
        if let Some(found) = f(&self.module) {
            return Some(found);
        }
        if self.kind != ImportKind::From {
            return None;
        }
        let mut dotted = String::with_capacity(self.module.len() + 16);
        self.names
            .iter()
            .filter(|n| n.as_str() != "*")
            .find_map(|n| {
                dotted.clear();
                dotted.push_str(&self.module);
                dotted.push('.');
                dotted.push_str(n);
                f(&dotted)
            })
    }

    /// Dotted names this import may load: the module itself, and for
    /// `from m import n` also `m.n` (which is a submodule when one exists).
    pub fn candidate_modules(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.module.clone()).chain(
            self.names
                .iter()
                .filter(|n| n.as_str() != "*" && self.kind == ImportKind::From)
                .map(|n| format!("{}.{}", self.module, n)),
        )
    }
}

/// Where an import-time call sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallSite {
    /// A module-level (or class-body) expression or assignment.
    Statement,
    /// A decorator expression or its arguments.
    Decorator,
    /// A default argument value (evaluated when `def` runs).
    Default,
    /// A base class or class keyword.
    ClassBase,
    /// An annotation evaluated at definition time.
    Annotation,
}

/// A literal argument kept for matching and messages (`spacy.load("en_core_web_lg")`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LiteralArg {
    /// Keyword name, `None` for positional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Literal value rendered as text (strings unquoted, numbers as written, `True`/`False`/`None`).
    pub value: String,
}

/// A call that runs when the module is imported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EagerCall {
    pub line: u32,
    pub column: u32,
    /// Callee as a dotted name resolved through import aliases
    /// (`b.client` after `import boto3 as b` is `boto3.client`).
    /// Calls inside a chain are transparent; builder-style lowercase methods called
    /// on a class chain are dropped (`SparkSession.builder.appName("x").getOrCreate()`
    /// is `pyspark.sql.SparkSession.builder.getOrCreate`). See docs/decisions.
    pub callee: String,
    /// `true` when the first segment of the callee came from an import.
    pub imported: bool,
    pub context: ExecContext,
    pub site: CallSite,
    /// Literal arguments (strings, numbers, booleans), at most a few.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<LiteralArg>,
    /// Callees of calls nested anywhere in the arguments
    /// (`json.loads(Path(p).read_text())` has `pathlib.Path.read_text`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arg_calls: Vec<String>,
    /// String literals anywhere in the arguments, at most a few
    /// (`Path(__file__).parent / "target" / "manifest.json"` has `target`, `manifest.json`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arg_strings: Vec<String>,
    /// Names of the keyword arguments passed (whatever their values).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Names passed as arguments, resolved through imports, at most a few
    /// (`load_defs(my_project.defs)` has `my_project.defs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arg_refs: Vec<String>,
}

/// Everything extracted from one Python file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileFacts {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// Dotted module name derived from the `__init__.py` chain above the file
    /// (`None` for a file whose name is not a valid identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// `true` for `__init__.py`.
    pub is_package: bool,
    pub size_bytes: u64,
    pub imports: Vec<ImportSite>,
    pub calls: Vec<EagerCall>,
    /// Where names bound by module-level imports are used (for lazy-load advice).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<super::uses::NameUse>,
    /// Lines carrying `# noqa` (empty list = bare `# noqa`), for suppression.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub noqa: Vec<NoqaLine>,
    /// Syntax errors and read problems in this file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// A `# noqa` comment: bare (all codes) or with a list of codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoqaLine {
    pub line: u32,
    /// Empty for a bare `# noqa`.
    pub codes: Vec<String>,
}

impl FileFacts {
    /// Whether a finding with `code` on `line` is suppressed by `# noqa`.
    pub fn is_suppressed(&self, line: u32, code: &str) -> bool {
        self.noqa
            .iter()
            .any(|n| n.line == line && (n.codes.is_empty() || n.codes.iter().any(|c| c == code)))
    }
}

#[cfg(test)]
mod tests {
    /// `find_candidate` visits exactly `candidate_modules`, in order.
    #[test]
    fn find_candidate_visits_the_candidate_modules_in_order() {
        let file = crate::scan::facts_for_test(
            "app/m.py",
            "app.m",
            "import a.b\nimport c as d\nfrom e import f, g as h\nfrom i import *\nfrom . import j\nfrom .k import l\n",
        );
        assert!(file.imports.len() >= 6);
        for import in &file.imports {
            let mut seen = Vec::new();
            let none: Option<()> = import.find_candidate(|m| {
                seen.push(m.to_string());
                None
            });
            assert!(none.is_none());
            assert_eq!(
                seen,
                import.candidate_modules().collect::<Vec<_>>(),
                "{import:?}"
            );
            let second = import.candidate_modules().nth(1);
            if let Some(second) = second {
                let found = import.find_candidate(|m| (m == second).then(|| m.to_string()));
                assert_eq!(found.as_deref(), Some(second.as_str()));
            }
        }
    }
}
