//! Where each name bound by a module-level import is used: inside function
//! bodies (deferrable), in annotations, or at module level (not deferrable).
//! The recommend stage reads these to tell whether an import can move into
//! the functions that use it.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use serde::Serialize;

use super::names::{IdHasher, NameMap};
use super::source::Lines;

/// Decorators whose function signatures Dagster inspects (it resolves the
/// type hints of asset and op parameters and return values at load time).
const DAGSTER_SIGNATURE_DECORATORS: &[&str] = &[
    "asset",
    "multi_asset",
    "graph_asset",
    "graph_multi_asset",
    "op",
    "graph",
    "job",
    "asset_check",
    "multi_asset_check",
    "sensor",
    "asset_sensor",
    "multi_asset_sensor",
    "schedule",
    "resource",
    "io_manager",
    "observable_source_asset",
    "dbt_assets",
];

/// Where a name is used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UseScope {
    /// Inside the body of `function` (qualified: `Class.method`); the
    /// outermost function when nested, so an import moved there reaches it.
    Function { function: String },
    /// In a parameter or return annotation of `function` (evaluated at
    /// definition time unless `from __future__ import annotations`).
    Annotation {
        function: String,
        /// The function is a Dagster asset/op/...: Dagster resolves its type
        /// hints at load time, so the name must stay importable at module level.
        dagster_signature: bool,
    },
    /// At module level or in a class body (decorator arguments, base
    /// classes, module-level calls and assignments): runs at import.
    Module,
    /// Named in `__all__`: re-exported.
    Exported,
    /// Rebound with `global` or deleted with `del`.
    Rebound,
    /// Inside `if __name__ == "__main__":` at module level: runs only when
    /// the file is executed as a script, never when it is imported.
    Script,
}

/// Uses of one name in one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameUse {
    pub name: String,
    #[serde(flatten)]
    pub scope: UseScope,
    /// First line of a use in this scope.
    pub line: u32,
    pub count: u32,
}

/// Collects the uses of `names` (locals bound by module-level imports, each
/// mapped to its position in `names`).
///
/// `main_guards`: whether `if __name__ == "__main__":` blocks never run on
/// import (false for a `__main__.py`, which can be loaded as `__main__`).
pub fn collect(
    body: &[Stmt],
    names: &NameMap<u32>,
    index: &Lines<'_>,
    future_annotations: bool,
    main_guards: bool,
) -> Vec<NameUse> {
    if names.is_empty() {
        return Vec::new();
    }
    let mut collector = Collector {
        names,
        index,
        future_annotations,
        main_guards,
        scope_id: MODULE_SCOPE,
        scopes: vec![UseScope::Rebound, UseScope::Exported, UseScope::Module],
        class_path: Vec::new(),
        uses: HashMap::default(),
        seq: 0,
        depth: 0,
    };
    for stmt in body {
        collector.stmt(stmt);
    }
    // Equal scopes may have been interned twice (two functions of the same
    // name): merge them, keeping the line of the use seen first.
    let Collector { uses, scopes, .. } = collector;
    let mut found: Vec<(&str, usize, Use)> = uses
        .into_iter()
        .map(|(key, (name, use_))| (name, (key & u64::from(u32::MAX)) as usize, use_))
        .collect();
    found.sort_unstable_by(|a, b| (a.0, &scopes[a.1], a.2.seq).cmp(&(b.0, &scopes[b.1], b.2.seq)));
    let mut out: Vec<NameUse> = Vec::new();
    let mut last: Option<(&str, usize)> = None;
    for (name, scope_id, use_) in found {
        if let (Some((last_name, last_scope)), Some(prev)) = (last, out.last_mut()) {
            if last_name == name && scopes[last_scope] == scopes[scope_id] {
                // Sorted by order within equal keys: the first seen is kept.
                prev.count += use_.count;
                continue;
            }
        }
        last = Some((name, scope_id));
        out.push(NameUse {
            name: name.to_string(),
            scope: scopes[scope_id].clone(),
            line: use_.line,
            count: use_.count,
        });
    }
    out
}

/// Interned ids of the fixed scopes in [`Collector::scopes`].
const REBOUND_SCOPE: usize = 0;
const EXPORTED_SCOPE: usize = 1;
const MODULE_SCOPE: usize = 2;

/// The uses of one name in one interned scope.
#[derive(Debug, Clone, Copy)]
struct Use {
    /// Order of the first use (orders first uses across equal scopes).
    seq: u64,
    /// Line of the first use.
    line: u32,
    count: u32,
}

struct Collector<'a> {
    names: &'a NameMap<u32>,
    index: &'a Lines<'a>,
    future_annotations: bool,
    main_guards: bool,
    /// Id of the current scope in `scopes`.
    scope_id: usize,
    /// Every scope entered, by id (recording a use then clones nothing).
    scopes: Vec<UseScope>,
    class_path: Vec<&'a str>,
    /// (name number << 32 | scope id) → (name, its uses there).
    uses: HashMap<u64, (&'a str, Use), BuildHasherDefault<IdHasher>>,
    /// Uses recorded so far.
    seq: u64,
    /// Recursion depth (statements and expressions), for [`super::stack::deeper`].
    depth: u32,
}

impl<'a> Collector<'a> {
    fn scope(&self) -> &UseScope {
        &self.scopes[self.scope_id]
    }

    fn record(&mut self, name: &str, offset: usize, scope_id: usize) {
        let names: &'a NameMap<u32> = self.names;
        let Some((name, &number)) = names.get_key_value(name) else {
            return;
        };
        let seq = self.seq;
        self.seq += 1;
        let index = self.index;
        let key = (u64::from(number) << 32) | scope_id as u64;
        let entry = self.uses.entry(key).or_insert_with(|| {
            (
                name,
                Use {
                    seq,
                    line: index.line(offset),
                    count: 0,
                },
            )
        });
        entry.1.count += 1;
    }

    fn in_scope(&mut self, scope: UseScope, f: impl FnOnce(&mut Self)) {
        let saved_id = std::mem::replace(&mut self.scope_id, self.scopes.len());
        self.scopes.push(scope);
        f(self);
        self.scope_id = saved_id;
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        self.depth += 1;
        super::stack::deeper(self.depth, || self.stmt_inner(stmt));
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                let in_function = matches!(self.scope(), UseScope::Function { .. });
                let dagster_signature = def.decorator_list.iter().any(|d| {
                    let target = match &d.expression {
                        Expr::Call(call) => &*call.func,
                        other => other,
                    };
                    let last = match target {
                        Expr::Name(n) => n.id.as_str(),
                        Expr::Attribute(a) => a.attr.id.as_str(),
                        _ => "",
                    };
                    DAGSTER_SIGNATURE_DECORATORS.contains(&last)
                });
                // Defaults run at definition time, in the enclosing scope.
                for param in def.parameters.iter_non_variadic_params() {
                    if let Some(default) = param.default() {
                        self.visit_expr(default);
                    }
                }
                let annotations = || {
                    def.parameters
                        .iter()
                        .filter_map(|p| p.annotation())
                        .chain(def.returns.as_deref())
                };
                if in_function {
                    // A nested function: its annotations and body belong to
                    // the enclosing function's scope.
                    for annotation in annotations() {
                        self.annotation(annotation);
                    }
                    for s in &def.body {
                        self.stmt(s);
                    }
                    return;
                }
                let mut qualified = String::new();
                for part in &self.class_path {
                    qualified.push_str(part);
                    qualified.push('.');
                }
                qualified.push_str(def.name.id.as_str());
                if annotations().next().is_some() {
                    self.in_scope(
                        UseScope::Annotation {
                            function: qualified.clone(),
                            dagster_signature,
                        },
                        |c| {
                            for annotation in annotations() {
                                c.annotation(annotation);
                            }
                        },
                    );
                }
                self.in_scope(
                    UseScope::Function {
                        function: qualified,
                    },
                    |c| {
                        for s in &def.body {
                            c.stmt(s);
                        }
                    },
                );
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &class.arguments {
                    for arg in arguments.args.iter() {
                        self.visit_expr(arg);
                    }
                    for keyword in &arguments.keywords {
                        self.visit_expr(&keyword.value);
                    }
                }
                let nested = matches!(self.scope(), UseScope::Function { .. });
                if !nested {
                    self.class_path.push(class.name.id.as_str());
                }
                for s in &class.body {
                    self.stmt(s);
                }
                if !nested {
                    self.class_path.pop();
                }
            }
            Stmt::Global(global) => {
                for name in &global.names {
                    self.record(
                        name.id.as_str(),
                        name.range.start().to_usize(),
                        REBOUND_SCOPE,
                    );
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    if let Expr::Name(name) = target {
                        self.record(
                            name.id.as_str(),
                            name.range.start().to_usize(),
                            REBOUND_SCOPE,
                        );
                    } else {
                        self.visit_expr(target);
                    }
                }
            }
            Stmt::Assign(assign)
                if matches!(self.scope(), UseScope::Module)
                    && assign
                        .targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == "__all__")) =>
            {
                self.exported(&assign.value);
            }
            Stmt::AugAssign(assign) if matches!(&*assign.target, Expr::Name(n) if n.id.as_str() == "__all__") =>
            {
                self.exported(&assign.value);
            }
            Stmt::If(stmt_if)
                if self.main_guards
                    && matches!(self.scope(), UseScope::Module)
                    && super::extract::main_guard(&stmt_if.test).is_some() =>
            {
                // The side that runs only as a script, and the side that
                // runs on import.
                let script_first = super::extract::main_guard(&stmt_if.test) == Some(true);
                self.visit_expr(&stmt_if.test);
                let body = |c: &mut Self, stmts: &'a [Stmt], script: bool| {
                    if script {
                        c.in_scope(UseScope::Script, |c| {
                            for s in stmts {
                                c.stmt(s);
                            }
                        });
                    } else {
                        for s in stmts {
                            c.stmt(s);
                        }
                    }
                };
                body(self, &stmt_if.body, script_first);
                for clause in &stmt_if.elif_else_clauses {
                    // An `elif` is a condition of its own: module level.
                    let script = clause.test.is_none() && !script_first;
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    body(self, &clause.body, script);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
                if matches!(self.scope(), UseScope::Module) {
                    self.annotation(&assign.annotation);
                }
            }
            _ => {
                // Every other statement: visit its expressions and nested bodies.
                walk_stmt_shallow(self, stmt);
            }
        }
    }

    fn exported(&mut self, value: &'a Expr) {
        let elements: &[Expr] = match value {
            Expr::List(list) => &list.elts,
            Expr::Tuple(tuple) => &tuple.elts,
            _ => return,
        };
        for element in elements {
            if let Expr::StringLiteral(s) = element {
                self.record(s.value.to_str(), s.range.start().to_usize(), EXPORTED_SCOPE);
            }
        }
    }

    /// An annotation: names in it, and in string annotations, identifiers.
    fn annotation(&mut self, expr: &'a Expr) {
        if self.future_annotations
            && !matches!(
                self.scope(),
                UseScope::Annotation {
                    dagster_signature: true,
                    ..
                }
            )
        {
            // Postponed: never evaluated unless something resolves type hints.
            return;
        }
        if let Expr::StringLiteral(s) = expr {
            let offset = s.range.start().to_usize();
            let text = s.value.to_str();
            for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !word.is_empty() {
                    self.record(word, offset, self.scope_id);
                }
            }
            return;
        }
        self.visit_expr(expr);
    }
}

/// Visits a statement's expressions and bodies with the collector (the
/// statement kinds not handled specially).
fn walk_stmt_shallow<'a>(collector: &mut Collector<'a>, stmt: &'a Stmt) {
    // The generic walker visits nested statements through `visit_stmt`, which
    // routes back to `Collector::stmt` for functions and classes.
    visitor::walk_stmt(collector, stmt);
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.stmt(stmt);
    }

    fn visit_annotation(&mut self, expr: &'a Expr) {
        self.annotation(expr);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.depth += 1;
        super::stack::deeper(self.depth, || match expr {
            Expr::Name(name) if name.ctx == ast::ExprContext::Load => {
                self.record(
                    name.id.as_str(),
                    name.range.start().to_usize(),
                    self.scope_id,
                );
            }
            Expr::Lambda(lambda) => {
                // A lambda body runs later, but there is no statement to put an
                // import in: count it where the lambda is.
                visitor::walk_expr(self, &lambda.body);
            }
            _ => visitor::walk_expr(self, expr),
        });
        self.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::extract::extract;

    fn uses(source: &str) -> Vec<(String, UseScope)> {
        extract("m.py", source, Some("m"), false)
            .uses
            .into_iter()
            .map(|u| (u.name, u.scope))
            .collect()
    }

    fn f(name: &str) -> UseScope {
        UseScope::Function {
            function: name.to_string(),
        }
    }

    #[test]
    fn function_bodies_methods_and_nested_functions() {
        let src = "\
import pandas as pd
import torch

def load():
    return pd.DataFrame()

class Scorer:
    def score(self):
        def inner():
            return torch.zeros(1)
        return inner()
";
        assert_eq!(
            uses(src),
            vec![
                ("pd".into(), f("load")),
                ("torch".into(), f("Scorer.score"))
            ]
        );
    }

    #[test]
    fn module_level_uses() {
        let src = "\
import dagster as dg
import pandas as pd
from x import Base

FRAME = pd.DataFrame()

@dg.asset(io_manager_key=pd.__name__)
def a():
    pass

class M(Base):
    pass
";
        let got = uses(src);
        assert!(got.contains(&("pd".into(), UseScope::Module)));
        assert!(got.contains(&("dg".into(), UseScope::Module)));
        assert!(got.contains(&("Base".into(), UseScope::Module)));
    }

    #[test]
    fn annotations_and_dagster_signatures() {
        let src = "\
import dagster as dg
import pandas as pd

def helper(frame: pd.DataFrame) -> int:
    return 1

@dg.asset
def orders() -> pd.DataFrame:
    return None

@dg.asset
def quoted(x: 'pd.Series') -> int:
    return 1
";
        let got = uses(src);
        assert!(got.contains(&(
            "pd".into(),
            UseScope::Annotation {
                function: "helper".into(),
                dagster_signature: false
            }
        )));
        assert!(got.contains(&(
            "pd".into(),
            UseScope::Annotation {
                function: "orders".into(),
                dagster_signature: true
            }
        )));
        assert!(got.contains(&(
            "pd".into(),
            UseScope::Annotation {
                function: "quoted".into(),
                dagster_signature: true
            }
        )));
    }

    #[test]
    fn postponed_annotations_on_plain_functions_are_not_uses() {
        let src = "from __future__ import annotations\nimport pandas as pd\ndef helper(frame: pd.DataFrame) -> int:\n    return 1\n";
        assert!(uses(src).is_empty());
    }

    #[test]
    fn exports_globals_and_deletes() {
        let src = "\
import numpy as np
import scipy
import torch
__all__ = ['np']
def f():
    global scipy
    scipy = None
del torch
";
        let got = uses(src);
        assert!(got.contains(&("np".into(), UseScope::Exported)));
        assert!(got.contains(&("scipy".into(), UseScope::Rebound)));
        assert!(got.contains(&("torch".into(), UseScope::Rebound)));
    }
}
