//! The per-file fact extractor: one pass over the AST, recording imports with
//! their execution context and the calls that run at import time.

use super::names::NameMap;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, ExceptHandler, Expr, Number, Parameters, Stmt};
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};
use ruff_text_size::Ranged;

use super::facts::{
    BoundName, CallSite, EagerCall, ExecContext, ImportKind, ImportSite, LiteralArg, NoqaLine,
};
use super::source::Lines;
use crate::diagnostics::{Diagnostic, Severity};

/// How many syntax errors of one file are reported (error recovery on a binary
/// or garbage file can produce thousands).
const MAX_SYNTAX_ERRORS: usize = 10;
/// How many literal arguments of one call are kept.
const MAX_LITERAL_ARGS: usize = 4;
/// Longest literal string kept, in characters.
const MAX_LITERAL_CHARS: usize = 200;

/// What [`extract`] returns for one file.
#[derive(Debug, Default)]
pub struct Extracted {
    pub imports: Vec<ImportSite>,
    pub calls: Vec<EagerCall>,
    pub uses: Vec<super::uses::NameUse>,
    pub noqa: Vec<NoqaLine>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Extracts the facts of one file.
///
/// `module` is the file's dotted module name (when known) and `is_package`
/// whether it is an `__init__.py`; together they resolve relative imports.
pub fn extract(path: &str, source: &str, module: Option<&str>, is_package: bool) -> Extracted {
    extract_with(
        path,
        source,
        module,
        is_package,
        &super::interest::Everything,
    )
}

/// [`extract`], keeping only the calls and name uses `interest` asks for.
pub fn extract_with(
    path: &str,
    source: &str,
    module: Option<&str>,
    is_package: bool,
    interest: &dyn super::interest::Interest,
) -> Extracted {
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
    let index = Lines::new(source);
    let mut out = Extracted::default();

    for error in parsed.errors().iter().take(MAX_SYNTAX_ERRORS) {
        let (line, column) = index.line_column(error.location.start().to_usize());
        out.diagnostics.push(
            Diagnostic::new(
                path,
                Severity::Error,
                "invalid-syntax",
                error.error.to_string(),
            )
            .at(line, column),
        );
    }
    if parsed.errors().len() > MAX_SYNTAX_ERRORS {
        out.diagnostics.push(Diagnostic::new(
            path,
            Severity::Error,
            "invalid-syntax",
            format!(
                "{} more syntax errors not shown; is this really a Python file?",
                parsed.errors().len() - MAX_SYNTAX_ERRORS
            ),
        ));
    }

    for token in parsed.tokens() {
        if token.kind() == TokenKind::Comment {
            let range = token.range();
            if let Some(text) = source.get(range.start().to_usize()..range.end().to_usize()) {
                if let Some(codes) = parse_noqa(text) {
                    out.noqa.push(NoqaLine {
                        line: index.line(range.start().to_usize()),
                        codes,
                    });
                }
            }
        }
    }

    let package: Option<Vec<&str>> = module.map(|m| {
        let mut parts: Vec<&str> = m.split('.').collect();
        if !is_package {
            parts.pop();
        }
        parts
    });

    let mut extractor = Extractor {
        path,
        index: &index,
        package,
        bindings: NameMap::default(),
        segments: Vec::new(),
        callee: String::new(),
        dynamic_possible: may_import_dynamically(source),
        interest,
        future_annotations: false,
        scope: Vec::new(),
        depth: 0,
        out: &mut out,
    };
    let mut future_annotations = false;
    if let ast::Mod::Module(module) = parsed.syntax() {
        extractor.body(&module.body, ExecContext::Module);
        future_annotations = extractor.future_annotations;
    }
    if let ast::Mod::Module(module) = parsed.syntax() {
        let mut names: NameMap<u32> = NameMap::default();
        for bound in out
            .imports
            .iter()
            .filter(|i| i.function.is_none() && i.kind != ImportKind::Dynamic)
            .filter(|i| interest.uses_of(i))
            .flat_map(|i| i.bound.iter())
        {
            if names.get(&bound.local).is_none() {
                let number = u32::try_from(names.len()).unwrap_or(u32::MAX);
                names.insert(bound.local.clone(), number);
            }
        }
        if !names.is_empty() {
            out.uses = super::uses::collect(
                &module.body,
                &names,
                &index,
                future_annotations,
                main_guards_apply(path),
            );
        }
    }
    // The facts outlive the scan; the AST does not. Free the AST first, then
    // copy the facts into exact-size allocations (growth slack dropped), which
    // land in the space the AST left rather than among its holes.
    drop(parsed);
    out.compacted()
}

impl Extracted {
    /// The facts in exact-size allocations: vectors (and the few strings
    /// built with growth slack) are reallocated to their length; elements are
    /// moved, not cloned.
    fn compacted(self) -> Self {
        let mut imports = exact(self.imports);
        for import in &mut imports {
            exact_string(&mut import.module);
            import.names = exact(std::mem::take(&mut import.names));
            import.bound = exact(std::mem::take(&mut import.bound));
            for bound in &mut import.bound {
                exact_string(&mut bound.local);
                exact_string(&mut bound.target);
            }
            if let Some(function) = &mut import.function {
                exact_string(function);
            }
        }
        let mut calls = exact(self.calls);
        for call in &mut calls {
            call.args = exact(std::mem::take(&mut call.args));
            for arg in &mut call.args {
                exact_string(&mut arg.value);
            }
            call.arg_calls = exact(std::mem::take(&mut call.arg_calls));
            for s in &mut call.arg_calls {
                exact_string(s);
            }
            call.arg_strings = exact(std::mem::take(&mut call.arg_strings));
            for s in &mut call.arg_strings {
                exact_string(s);
            }
            call.keywords = exact(std::mem::take(&mut call.keywords));
            call.arg_refs = exact(std::mem::take(&mut call.arg_refs));
            for s in &mut call.arg_refs {
                exact_string(s);
            }
        }
        let mut noqa = exact(self.noqa);
        for line in &mut noqa {
            line.codes = exact(std::mem::take(&mut line.codes));
        }
        Self {
            imports,
            calls,
            uses: exact(self.uses),
            noqa,
            diagnostics: self.diagnostics.clone(),
        }
    }
}

/// `v` in an allocation of exactly its length (moved when it has slack).
fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut out = Vec::with_capacity(v.len());
    out.append(&mut v);
    out
}

fn exact_string(s: &mut String) {
    if s.capacity() != s.len() {
        *s = s.as_str().to_owned();
    }
}

/// Parses a `# noqa` comment: `None` if it is not one, `Some([])` for a bare
/// `# noqa`, `Some(codes)` for `# noqa: FP001, FP002`.
pub fn parse_noqa(comment: &str) -> Option<Vec<String>> {
    let lower = comment.to_ascii_lowercase();
    let at = lower.find("noqa")?;
    // Only `# noqa` itself, possibly after other comment text (`# type: ignore # noqa`).
    let before = lower[..at].trim_end();
    if !before.ends_with('#') {
        return None;
    }
    let rest = &comment[at + 4..];
    let Some(list) = rest.strip_prefix(':') else {
        return (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(Vec::new);
    };
    let codes: Vec<String> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .take_while(|c| c.is_empty() || is_rule_code(c))
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    Some(codes)
}

/// `FP001`-shaped: letters, then digits.
fn is_rule_code(code: &str) -> bool {
    let digits = code.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    digits.len() < code.len() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

struct Extractor<'a, 'o> {
    path: &'a str,
    index: &'a Lines<'a>,
    /// Package of the file, for relative imports (`None` outside a package).
    package: Option<Vec<&'a str>>,
    /// Names bound by module-level imports, in source order: local → dotted target.
    bindings: NameMap<String>,
    /// Scratch for [`callee_name_into`]: reused so that the calls of every
    /// function body (checked only for dynamic imports) allocate nothing.
    segments: Vec<Segment<'a>>,
    callee: String,
    /// Whether a call in the file may be `importlib.import_module` or
    /// `__import__` (see [`may_import_dynamically`]). When not, expressions
    /// that do not run at import (function bodies, lambdas) hold nothing to
    /// record and are not walked.
    dynamic_possible: bool,
    /// Which import-time calls to record.
    interest: &'o dyn super::interest::Interest,
    /// `from __future__ import annotations` seen: annotations are not evaluated.
    future_annotations: bool,
    /// Enclosing classes and functions.
    scope: Vec<&'a str>,
    /// Recursion depth (statements and expressions), for [`super::stack::deeper`].
    depth: u32,
    out: &'o mut Extracted,
}

impl<'a> Extractor<'a, '_> {
    fn position(&self, node: &impl Ranged) -> (u32, u32) {
        self.index.line_column(node.range().start().to_usize())
    }

    fn scope_name(&self) -> Option<String> {
        (!self.scope.is_empty()).then(|| self.scope.join("."))
    }

    fn body(&mut self, body: &'a [Stmt], ctx: ExecContext) {
        for stmt in body {
            self.depth += 1;
            super::stack::deeper(self.depth, || self.stmt(stmt, ctx));
            self.depth -= 1;
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt, ctx: ExecContext) {
        match stmt {
            Stmt::Import(import) => self.import(import, ctx),
            Stmt::ImportFrom(import) => self.import_from(import, ctx),
            Stmt::FunctionDef(def) => {
                for decorator in &def.decorator_list {
                    self.expr(&decorator.expression, ctx, CallSite::Decorator);
                }
                self.parameters(&def.parameters, ctx);
                if let Some(returns) = &def.returns {
                    self.annotation(returns, ctx);
                }
                // `@definitions` functions are called by Dagster when the location
                // loads. (Code that does not run at import stays so nested.)
                let runs_at_load = ctx.runs_at_import()
                    && def
                        .decorator_list
                        .iter()
                        .any(|d| self.is_definitions_decorator(&d.expression));
                let inner = if runs_at_load {
                    ctx
                } else {
                    ctx.nest(ExecContext::Function)
                };
                self.scope.push(def.name.id.as_str());
                self.body(&def.body, inner);
                self.scope.pop();
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.expr(&decorator.expression, ctx, CallSite::Decorator);
                }
                if let Some(arguments) = &class.arguments {
                    for arg in &arguments.args {
                        self.expr(arg, ctx, CallSite::ClassBase);
                    }
                    for keyword in &arguments.keywords {
                        self.expr(&keyword.value, ctx, CallSite::ClassBase);
                    }
                }
                self.scope.push(class.name.id.as_str());
                self.body(&class.body, ctx.nest(ExecContext::ClassBody));
                self.scope.pop();
            }
            Stmt::If(stmt_if) => {
                self.expr(&stmt_if.test, ctx, CallSite::Statement);
                // `(when the test holds, when it does not)`: a guard that is
                // known at import time picks one side.
                let guard = type_checking_guard(&stmt_if.test, &self.bindings)
                    .map(|holds| (holds, ExecContext::TypeChecking))
                    .or_else(|| {
                        let guard = if main_guards_apply(self.path) {
                            main_guard(&stmt_if.test)
                        } else {
                            None
                        };
                        guard.map(|holds| (holds, ExecContext::MainGuard))
                    });
                let (body_ctx, else_ctx) = match guard {
                    Some((true, never)) => (ctx.nest(never), ctx),
                    Some((false, never)) => (ctx, ctx.nest(never)),
                    None => (
                        ctx.nest(ExecContext::Conditional),
                        ctx.nest(ExecContext::Conditional),
                    ),
                };
                self.body(&stmt_if.body, body_ctx);
                for clause in &stmt_if.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.expr(test, else_ctx, CallSite::Statement);
                    }
                    let clause_ctx = if clause.test.is_some() && guard.is_some() {
                        ctx.nest(ExecContext::Conditional)
                    } else {
                        else_ctx
                    };
                    self.body(&clause.body, clause_ctx);
                }
            }
            Stmt::Try(stmt_try) => {
                // Code that does not run at import stays so nested.
                let guards_import = ctx.runs_at_import()
                    && stmt_try.handlers.iter().any(|h| {
                        let ExceptHandler::ExceptHandler(handler) = h;
                        handler
                            .type_
                            .as_deref()
                            .is_none_or(|t| catches_import_error(t, &self.bindings))
                    });
                let body_ctx = if guards_import {
                    ctx.nest(ExecContext::TryImportError)
                } else {
                    ctx
                };
                self.body(&stmt_try.body, body_ctx);
                for handler in &stmt_try.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    self.body(&handler.body, ctx.nest(ExecContext::Conditional));
                }
                self.body(&stmt_try.orelse, body_ctx);
                self.body(&stmt_try.finalbody, ctx);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.expr(&item.context_expr, ctx, CallSite::Statement);
                }
                self.body(&with.body, ctx.nest(ExecContext::Conditional));
            }
            Stmt::For(stmt_for) => {
                self.expr(&stmt_for.iter, ctx, CallSite::Statement);
                let inner = ctx.nest(ExecContext::Conditional);
                self.body(&stmt_for.body, inner);
                self.body(&stmt_for.orelse, inner);
            }
            Stmt::While(stmt_while) => {
                self.expr(&stmt_while.test, ctx, CallSite::Statement);
                let inner = ctx.nest(ExecContext::Conditional);
                self.body(&stmt_while.body, inner);
                self.body(&stmt_while.orelse, inner);
            }
            Stmt::Match(stmt_match) => {
                self.expr(&stmt_match.subject, ctx, CallSite::Statement);
                let inner = ctx.nest(ExecContext::Conditional);
                for case in &stmt_match.cases {
                    if let Some(guard) = &case.guard {
                        self.expr(guard, inner, CallSite::Statement);
                    }
                    self.body(&case.body, inner);
                }
            }
            Stmt::Expr(stmt) => self.expr(&stmt.value, ctx, CallSite::Statement),
            Stmt::Assign(assign) => {
                self.expr(&assign.value, ctx, CallSite::Statement);
                for target in &assign.targets {
                    self.expr(target, ctx, CallSite::Statement);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.expr(value, ctx, CallSite::Statement);
                }
                // Module- and class-level annotations are evaluated (unless postponed).
                if matches!(ctx, ExecContext::Module | ExecContext::ClassBody) {
                    self.annotation(&assign.annotation, ctx);
                }
            }
            Stmt::AugAssign(assign) => {
                self.expr(&assign.value, ctx, CallSite::Statement);
            }
            Stmt::Return(ret) => {
                if let Some(value) = &ret.value {
                    self.expr(value, ctx, CallSite::Statement);
                }
            }
            Stmt::Assert(assert) => {
                self.expr(&assert.test, ctx, CallSite::Statement);
                if let Some(msg) = &assert.msg {
                    self.expr(msg, ctx, CallSite::Statement);
                }
            }
            Stmt::Raise(raise) => {
                if let Some(exc) = &raise.exc {
                    self.expr(exc, ctx, CallSite::Statement);
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.expr(target, ctx, CallSite::Statement);
                }
            }
            // Type aliases are evaluated lazily; the rest hold no calls or imports.
            Stmt::TypeAlias(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn parameters(&mut self, parameters: &'a Parameters, ctx: ExecContext) {
        for param in parameters.iter_non_variadic_params() {
            if let Some(default) = param.default() {
                self.expr(default, ctx, CallSite::Default);
            }
        }
        for param in parameters.iter() {
            if let Some(annotation) = param.annotation() {
                self.annotation(annotation, ctx);
            }
        }
    }

    fn annotation(&mut self, annotation: &'a Expr, ctx: ExecContext) {
        if !self.future_annotations {
            self.expr(annotation, ctx, CallSite::Annotation);
        }
    }

    fn is_definitions_decorator(&mut self, expr: &'a Expr) -> bool {
        let target = match expr {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        if callee_name_into(target, &self.bindings, &mut self.segments, &mut self.callee).is_none()
        {
            return false;
        }
        let name = self.callee.as_str();
        name == "dagster.definitions"
            || name.ends_with(".definitions") && name.starts_with("dagster")
    }

    fn import(&mut self, import: &'a ast::StmtImport, ctx: ExecContext) {
        let (line, column) = self.position(import);
        let ctx = if import.is_lazy {
            ctx.nest(ExecContext::Function)
        } else {
            ctx
        };
        for alias in &import.names {
            let module = alias.name.id.to_string();
            let bound = match &alias.asname {
                Some(asname) => BoundName {
                    local: asname.id.to_string(),
                    target: module.clone(),
                },
                None => {
                    let first = module.split('.').next().unwrap_or(&module).to_string();
                    BoundName {
                        local: first.clone(),
                        target: first,
                    }
                }
            };
            self.bind(&bound, ctx);
            self.out.imports.push(ImportSite {
                line,
                column,
                kind: ImportKind::Import,
                module,
                level: 0,
                resolved: true,
                names: Vec::new(),
                bound: vec![bound],
                context: ctx,
                function: self.scope_name(),
            });
        }
    }

    fn import_from(&mut self, import: &'a ast::StmtImportFrom, ctx: ExecContext) {
        let (line, column) = self.position(import);
        let ctx = if import.is_lazy {
            ctx.nest(ExecContext::Function)
        } else {
            ctx
        };
        let raw_module = import.module.as_ref().map(|m| m.id.as_str()).unwrap_or("");
        if import.level == 0 && raw_module == "__future__" {
            if import
                .names
                .iter()
                .any(|a| a.name.id.as_str() == "annotations")
            {
                self.future_annotations = true;
            }
            return;
        }
        let (module, resolved) = match self.resolve_relative(import.level, raw_module) {
            Some(module) => (module, true),
            None => (
                format!("{}{}", ".".repeat(import.level as usize), raw_module),
                false,
            ),
        };
        if !resolved {
            let (line, column) = self.position(import);
            self.out.diagnostics.push(
                Diagnostic::new(
                    self.path,
                    Severity::Warning,
                    "unresolved-relative-import",
                    format!(
                        "relative import `{module}` cannot be resolved: the file is not inside \
                         a package deep enough (no `__init__.py` above it?)"
                    ),
                )
                .at(line, column),
            );
        }
        let mut names = Vec::with_capacity(import.names.len());
        let mut bound = Vec::with_capacity(import.names.len());
        for alias in &import.names {
            let name = alias.name.id.as_str();
            names.push(name.to_string());
            if name == "*" {
                continue;
            }
            let local = alias.asname.as_ref().map_or(name, |a| a.id.as_str());
            let target = if module.is_empty() {
                name.to_string()
            } else {
                format!("{module}.{name}")
            };
            let b = BoundName {
                local: local.to_string(),
                target,
            };
            self.bind(&b, ctx);
            bound.push(b);
        }
        self.out.imports.push(ImportSite {
            line,
            column,
            kind: ImportKind::From,
            module,
            level: import.level,
            resolved,
            names,
            bound,
            context: ctx,
            function: self.scope_name(),
        });
    }

    fn bind(&mut self, bound: &BoundName, ctx: ExecContext) {
        if ctx != ExecContext::Function {
            self.bindings
                .insert(bound.local.clone(), bound.target.clone());
        }
    }

    /// Absolute module for a `from <dots><module> import ...`.
    fn resolve_relative(&self, level: u32, module: &str) -> Option<String> {
        if level == 0 {
            return Some(module.to_string());
        }
        let package = self.package.as_ref()?;
        let up = usize::try_from(level - 1).ok()?;
        if up >= package.len() {
            return None;
        }
        let mut parts: Vec<&str> = package[..package.len() - up].to_vec();
        if !module.is_empty() {
            parts.extend(module.split('.'));
        }
        Some(parts.join("."))
    }

    fn expr(&mut self, expr: &'a Expr, ctx: ExecContext, site: CallSite) {
        if !ctx.runs_at_import() && !self.dynamic_possible {
            // Only dynamic imports are recorded from code deferred past
            // import, and the file has none.
            return;
        }
        let mut walker = CallWalker {
            extractor: self,
            ctx,
            site,
        };
        walker.visit_expr(expr);
    }

    fn call(&mut self, call: &'a ast::ExprCall, ctx: ExecContext, site: CallSite) {
        // Deferred calls are only checked for dynamic imports: most cannot be
        // one, as their head alone shows.
        if !ctx.runs_at_import() && !may_be_dynamic_import(&call.func, &self.bindings) {
            return;
        }
        // Named into a reused buffer: most calls sit in function bodies and are
        // only checked for dynamic imports, which then allocates nothing.
        let Some(imported) = callee_name_into(
            &call.func,
            &self.bindings,
            &mut self.segments,
            &mut self.callee,
        ) else {
            return;
        };
        if self.callee == "importlib.import_module" || self.callee == "__import__" {
            let (line, column) = self.position(call);
            self.dynamic_import(call, ctx, line, column);
            return;
        }
        if !ctx.runs_at_import() || !self.interest.call(&self.callee) {
            return;
        }
        let callee = self.callee.clone();
        let (line, column) = self.position(call);
        let mut args = Vec::new();
        for arg in call.arguments.args.iter() {
            if args.len() >= MAX_LITERAL_ARGS {
                break;
            }
            if let Some(value) = literal(arg) {
                args.push(LiteralArg {
                    keyword: None,
                    value,
                });
            }
        }
        for keyword in &call.arguments.keywords {
            if args.len() >= MAX_LITERAL_ARGS {
                break;
            }
            if let (Some(arg), Some(value)) = (&keyword.arg, literal(&keyword.value)) {
                args.push(LiteralArg {
                    keyword: Some(arg.id.to_string()),
                    value,
                });
            }
        }
        let mut nested = NestedArgs {
            bindings: &self.bindings,
            calls: Vec::new(),
            strings: Vec::new(),
            budget: NESTED_ARGS_BUDGET,
            depth: 0,
        };
        for arg in call.arguments.args.iter() {
            nested.visit_expr(arg);
        }
        for keyword in &call.arguments.keywords {
            nested.visit_expr(&keyword.value);
        }
        let (arg_calls, arg_strings) = (nested.calls, nested.strings);
        let arg_refs: Vec<String> = call
            .arguments
            .args
            .iter()
            .chain(call.arguments.keywords.iter().map(|k| &k.value))
            .filter(|e| matches!(e, Expr::Name(_) | Expr::Attribute(_)))
            .filter_map(|e| callee_name(e, &self.bindings))
            .filter(|(_, imported)| *imported)
            .map(|(name, _)| name)
            .take(MAX_LITERAL_ARGS)
            .collect();
        self.out.calls.push(EagerCall {
            line,
            column,
            callee,
            imported,
            context: ctx,
            site,
            args,
            arg_calls,
            arg_strings,
            arg_refs,
            keywords: call
                .arguments
                .keywords
                .iter()
                .filter_map(|k| k.arg.as_ref().map(|a| a.id.to_string()))
                .collect(),
        });
    }

    fn dynamic_import(
        &mut self,
        call: &'a ast::ExprCall,
        ctx: ExecContext,
        line: u32,
        column: u32,
    ) {
        let Some(Expr::StringLiteral(name)) = call.arguments.args.first() else {
            return;
        };
        let name = name.value.to_str();
        let (module, level, resolved) = if let Some(stripped) = name.strip_prefix('.') {
            let level = 1 + stripped.chars().take_while(|&c| c == '.').count();
            let rest = stripped.trim_start_matches('.');
            // `import_module(".x", package="a.b")` resolves against the given package.
            let anchor = call
                .arguments
                .find_argument_value("package", 1)
                .and_then(|e| match e {
                    Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
                    _ => None,
                });
            let resolved = match anchor {
                Some(anchor) => {
                    let parts: Vec<&str> = anchor.split('.').collect();
                    let keep = parts.len().checked_sub(level - 1);
                    keep.filter(|&k| k > 0).map(|k| {
                        let mut p = parts[..k].join(".");
                        if !rest.is_empty() {
                            p.push('.');
                            p.push_str(rest);
                        }
                        p
                    })
                }
                None => self.resolve_relative(u32::try_from(level).unwrap_or(u32::MAX), rest),
            };
            match resolved {
                Some(m) => (m, u32::try_from(level).unwrap_or(u32::MAX), true),
                None => (
                    name.to_string(),
                    u32::try_from(level).unwrap_or(u32::MAX),
                    false,
                ),
            }
        } else {
            (name.to_string(), 0, true)
        };
        self.out.imports.push(ImportSite {
            line,
            column,
            kind: ImportKind::Dynamic,
            module,
            level,
            resolved,
            names: Vec::new(),
            bound: Vec::new(),
            context: ctx,
            function: self.scope_name(),
        });
    }
}

/// Walks an expression for calls. Lambda bodies are skipped: they run later.
struct CallWalker<'e, 'a, 'o> {
    extractor: &'e mut Extractor<'a, 'o>,
    ctx: ExecContext,
    site: CallSite,
}

impl<'a> Visitor<'a> for CallWalker<'_, 'a, '_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.extractor.depth += 1;
        super::stack::deeper(self.extractor.depth, || match expr {
            Expr::Call(call) => {
                self.extractor.call(call, self.ctx, self.site);
                visitor::walk_expr(self, expr);
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for param in parameters.iter_non_variadic_params() {
                        if let Some(default) = param.default() {
                            self.visit_expr(default);
                        }
                    }
                }
                // Deferred: dynamic imports in the body still count, calls do not.
                if !self.extractor.dynamic_possible {
                    return;
                }
                let ctx = self.ctx;
                self.ctx = ctx.nest(ExecContext::Function);
                self.visit_expr(&lambda.body);
                self.ctx = ctx;
            }
            _ => visitor::walk_expr(self, expr),
        });
        self.extractor.depth -= 1;
    }
}

/// Whether some call in `source` may be named `importlib.import_module` or
/// `__import__`: either name needs its last part spelled out in the file (an
/// import binding it, or the call itself), unless identifiers are written
/// with non-ASCII characters (which Python normalizes, NFKC).
fn may_import_dynamically(source: &str) -> bool {
    !source.is_ascii() || source.contains("import_module") || source.contains("__import__")
}

/// The callee names recognised as dynamic imports.
const DYNAMIC_IMPORTS: [&str; 2] = ["importlib.import_module", "__import__"];

/// Whether [`callee_name`] of `func` may be one of [`DYNAMIC_IMPORTS`]. The
/// name starts with the target of its first segment (or the segment itself
/// when unbound), followed by whole `.`-separated segments: unless that
/// target is one of the names or a dotted prefix of one, it is not.
fn may_be_dynamic_import(func: &Expr, bindings: &NameMap<String>) -> bool {
    let mut expr = func;
    // As `segments`, which names nothing deeper than this.
    for _ in 0..=64 {
        match expr {
            Expr::Attribute(attr) => expr = &attr.value,
            Expr::Call(call) => expr = &call.func,
            Expr::BinOp(binop) if binop.op == ast::Operator::Div => expr = &binop.left,
            Expr::Name(name) => {
                let head = name.id.as_str();
                let target = bindings.get(head).map_or(head, String::as_str);
                return DYNAMIC_IMPORTS.iter().any(|full| {
                    full.strip_prefix(target)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                });
            }
            // `?` or no name at all.
            _ => return false,
        }
    }
    false
}

/// Collects the callees and string literals nested in a call's arguments.
///
/// Visits at most [`NESTED_ARGS_BUDGET`] nodes per call: otherwise
/// `f(f(f(...)))` nested thousands deep would be walked once per level.
struct NestedArgs<'b> {
    bindings: &'b NameMap<String>,
    calls: Vec<String>,
    strings: Vec<String>,
    budget: usize,
    /// Recursion depth, for [`super::stack::deeper`].
    depth: u32,
}

/// Nodes of a call's arguments visited for nested calls and strings.
const NESTED_ARGS_BUDGET: usize = 256;

impl<'a> Visitor<'a> for NestedArgs<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        self.depth += 1;
        super::stack::deeper(self.depth, || {
            match expr {
                Expr::Call(call) if self.calls.len() < MAX_LITERAL_ARGS => {
                    if let Some((callee, _)) = callee_name(&call.func, self.bindings) {
                        self.calls.push(callee);
                    }
                }
                Expr::StringLiteral(s) if self.strings.len() < MAX_LITERAL_ARGS => {
                    self.strings
                        .push(s.value.to_str().chars().take(MAX_LITERAL_CHARS).collect());
                }
                Expr::Lambda(_) => return,
                _ => {}
            }
            visitor::walk_expr(self, expr);
        });
        self.depth -= 1;
    }
}

/// A literal argument rendered as text.
fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().chars().take(MAX_LITERAL_CHARS).collect()),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => Some(i.to_string()),
            Number::Float(f) => Some(f.to_string()),
            Number::Complex { .. } => None,
        },
        Expr::BooleanLiteral(b) => Some(if b.value { "True" } else { "False" }.to_string()),
        Expr::NoneLiteral(_) => Some("None".to_string()),
        _ => None,
    }
}

/// One segment of a dotted callee, and whether it was called in the chain.
struct Segment<'a> {
    name: &'a str,
    called: bool,
}

fn segments<'a>(expr: &'a Expr, out: &mut Vec<Segment<'a>>, depth: usize) -> bool {
    // Bounded: absurd chains are not worth naming.
    if depth > 64 {
        return false;
    }
    match expr {
        Expr::Name(name) => {
            out.push(Segment {
                name: name.id.as_str(),
                called: false,
            });
            true
        }
        Expr::Attribute(attr) => {
            if !segments(&attr.value, out, depth + 1) {
                return false;
            }
            out.push(Segment {
                name: attr.attr.id.as_str(),
                called: false,
            });
            true
        }
        Expr::Call(call) => {
            if !segments(&call.func, out, depth + 1) {
                return false;
            }
            if let Some(last) = out.last_mut() {
                last.called = true;
            }
            true
        }
        // `Path(x) / "a"` is still a Path: follow the left operand.
        Expr::BinOp(binop) if binop.op == ast::Operator::Div => {
            segments(&binop.left, out, depth + 1)
        }
        // A receiver we cannot name (`items[0].load()`): keep the method chain.
        Expr::Subscript(_) | Expr::StringLiteral(_) | Expr::List(_) | Expr::Dict(_) => {
            out.push(Segment {
                name: "?",
                called: false,
            });
            true
        }
        _ => false,
    }
}

/// The dotted name of a callee resolved through import bindings, and whether
/// its first segment came from an import.
///
/// Calls inside the chain are transparent; a lowercase method called inside a
/// chain that already passed a capitalised name (a class) is a builder step and
/// dropped: `SparkSession.builder.appName("x").getOrCreate` is
/// `SparkSession.builder.getOrCreate`, while `boto3.Session().client` keeps
/// `Session`.
pub(crate) fn callee_name(func: &Expr, bindings: &NameMap<String>) -> Option<(String, bool)> {
    let mut name = String::new();
    let imported = callee_name_into(func, bindings, &mut Vec::new(), &mut name)?;
    Some((name, imported))
}

/// [`callee_name`] into `name` (cleared first), with `segments` as scratch:
/// no allocation once both have grown. Returns whether the first segment came
/// from an import.
fn callee_name_into<'e>(
    func: &'e Expr,
    bindings: &NameMap<String>,
    segments_buf: &mut Vec<Segment<'e>>,
    name: &mut String,
) -> Option<bool> {
    segments_buf.clear();
    name.clear();
    if !segments(func, segments_buf, 0) {
        return None;
    }
    let mut seen_class = false;
    let mut imported = None;
    for seg in segments_buf.iter() {
        let is_class = seg.name.starts_with(|c: char| c.is_ascii_uppercase());
        if seg.called && !is_class && seen_class {
            continue;
        }
        seen_class |= is_class;
        if imported.is_none() {
            // The first segment resolves through the import bindings.
            let (head, from_import) = match bindings.get(seg.name) {
                Some(target) => (target.as_str(), true),
                None => (seg.name, false),
            };
            name.push_str(head);
            imported = Some(from_import);
        } else {
            name.push('.');
            name.push_str(seg.name);
        }
    }
    imported
}

/// `Some(true)` for `TYPE_CHECKING` / `typing.TYPE_CHECKING`, `Some(false)` for
/// `not TYPE_CHECKING`, `None` for anything else.
fn type_checking_guard(test: &Expr, bindings: &NameMap<String>) -> Option<bool> {
    match test {
        Expr::UnaryOp(op) if op.op == ast::UnaryOp::Not => {
            type_checking_guard(&op.operand, bindings).map(|b| !b)
        }
        Expr::Name(name) if name.id.as_str() == "TYPE_CHECKING" => Some(true),
        Expr::Attribute(_) => {
            let (name, _) = callee_name(test, bindings)?;
            matches!(
                name.as_str(),
                "typing.TYPE_CHECKING" | "typing_extensions.TYPE_CHECKING"
            )
            .then_some(true)
        }
        _ => None,
    }
}

/// Whether `if __name__ == "__main__":` in the file at `path` never runs on
/// import: always, except in a `__main__.py` (`dagster api grpc -f
/// __main__.py` names the module `__main__`).
fn main_guards_apply(path: &str) -> bool {
    path.rsplit('/').next() != Some("__main__.py")
}

/// `Some(true)` for `__name__ == "__main__"` (either way round), `Some(false)`
/// for `!=`: code that runs only when the file is executed as a script.
pub(super) fn main_guard(test: &Expr) -> Option<bool> {
    let Expr::Compare(compare) = test else {
        return None;
    };
    let ([op], [right]) = (&*compare.ops, &*compare.comparators) else {
        return None;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    let left = &*compare.left;
    if !((is_name(left) && is_main(right)) || (is_main(left) && is_name(right))) {
        return None;
    }
    match op {
        ast::CmpOp::Eq => Some(true),
        ast::CmpOp::NotEq => Some(false),
        _ => None,
    }
}

/// Whether an `except` clause type catches a failed import.
fn catches_import_error(expr: &Expr, bindings: &NameMap<String>) -> bool {
    match expr {
        Expr::Tuple(tuple) => tuple.elts.iter().any(|e| catches_import_error(e, bindings)),
        _ => callee_name(expr, bindings).is_some_and(|(name, _)| {
            let name = name.strip_prefix("builtins.").unwrap_or(&name);
            matches!(
                name,
                "ImportError" | "ModuleNotFoundError" | "Exception" | "BaseException"
            )
        }),
    }
}

#[cfg(test)]
mod tests;
