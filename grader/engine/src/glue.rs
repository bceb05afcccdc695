//! The glue's declarations, read from its sources: what each exercise's probe line says.
//!
//! A stage's glue crate (`grader/probes/<stage>/src/*.rs`) declares every exercise it answers
//! in a `probe_runtime::glue!` block, one line each:
//! `"stage1.linalg.dot" => |a: &[f64], b: &[f64]| linalg::dot(a, b);`, with `=> (name, ...)`
//! after the call where the output's parts are judged by name. That line is the only place an
//! exercise's input parts and output names are written. The grader reads these lines when it
//! starts (with `syn`, without building anything) and checks them against the manifest and the
//! hidden suites: see [`crate::manifest::Course::load`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use syn::parse::{Parse, ParseStream};
use syn::visit::Visit;

/// One line of a `glue!` block.
#[derive(Debug, Clone, PartialEq)]
pub struct GlueLine {
    pub id: String,
    /// The closure's parameters: the input parts, in the order the suite sends them.
    pub inputs: Vec<String>,
    /// The names after `=>`: the output's parts, judged by name (empty: not declared).
    pub outputs: Vec<String>,
    /// Every function, method and path the line's body names, and what the helpers of the same
    /// file that it calls name in turn: where the manifest's `function` must appear.
    pub calls: BTreeSet<String>,
    /// Where the line is, for messages (`grader/probes/stage1/src/linalg.rs:12`).
    pub at: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct GlueError {
    pub path: PathBuf,
    pub message: String,
}

/// The glue lines of the crate whose sources are under `src`, in file order. `root` only
/// shortens paths in messages.
pub fn read(root: &Path, src: &Path) -> Result<Vec<GlueLine>, GlueError> {
    let mut files = Vec::new();
    collect(src, &mut files).map_err(|e| GlueError { path: src.to_path_buf(), message: e.to_string() })?;
    files.sort();
    let mut lines = Vec::new();
    for path in files {
        let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let err = |message: String| GlueError { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
        let file = syn::parse_file(&text).map_err(|e| err(format!("does not parse: {e}")))?;
        for item in &file.items {
            let syn::Item::Macro(m) = item else { continue };
            if m.mac.path.segments.last().is_none_or(|s| s.ident != "glue") {
                continue;
            }
            let block: Block = m
                .mac
                .parse_body()
                .map_err(|e| err(format!("line {}: a glue! block that does not parse: {e}", e.span().start().line)))?;
            for l in block.lines {
                let mut calls = Names::default();
                calls.visit_expr(&l.body);
                let calls = with_helpers(calls.0, &file);
                lines.push(GlueLine {
                    id: l.id.value(),
                    inputs: l.inputs,
                    outputs: l.outputs,
                    calls,
                    at: format!("{shown}:{}", l.id.span().start().line),
                });
            }
        }
    }
    Ok(lines)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let t = entry.file_type()?;
        if t.is_dir() {
            collect(&entry.path(), out)?;
        } else if t.is_file() && entry.path().extension().is_some_and(|e| e == "rs") {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// `names`, plus what the file's own functions among them name (to any depth).
fn with_helpers(mut names: BTreeSet<String>, file: &syn::File) -> BTreeSet<String> {
    let mut todo: Vec<String> = names.iter().cloned().collect();
    while let Some(n) = todo.pop() {
        for f in functions(&file.items) {
            if f.sig.ident == n {
                let mut inner = Names::default();
                inner.visit_block(&f.block);
                for m in inner.0 {
                    if names.insert(m.clone()) {
                        todo.push(m);
                    }
                }
            }
        }
    }
    names
}

/// The file's free functions and the methods of its impls (an `Arg` impl that builds a spec).
fn functions(items: &[syn::Item]) -> Vec<syn::ItemFn> {
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Item::Fn(f) => out.push(f.clone()),
            syn::Item::Impl(i) => {
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        out.push(syn::ItemFn {
                            attrs: vec![],
                            vis: syn::Visibility::Inherited,
                            sig: f.sig.clone(),
                            block: Box::new(f.block.clone()),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The last segment of every path and the name of every method a piece of code names.
#[derive(Default)]
struct Names(BTreeSet<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        if let Some(s) = p.segments.last() {
            self.0.insert(s.ident.to_string());
        }
        syn::visit::visit_path(self, p);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.0.insert(m.method.to_string());
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// `Marker; "id" => |a: T, ...| body [=> (out, ...)]; ...`
struct Block {
    lines: Vec<Line>,
}

struct Line {
    id: syn::LitStr,
    inputs: Vec<String>,
    outputs: Vec<String>,
    body: syn::Expr,
}

impl Parse for Block {
    fn parse(input: ParseStream) -> syn::Result<Block> {
        input.parse::<syn::Type>()?;
        input.parse::<syn::Token![;]>()?;
        let mut lines = Vec::new();
        while !input.is_empty() {
            let id: syn::LitStr = input.parse()?;
            input.parse::<syn::Token![=>]>()?;
            let closure: syn::ExprClosure = input.parse()?;
            let mut inputs = Vec::new();
            for p in &closure.inputs {
                match p {
                    syn::Pat::Type(t) => match &*t.pat {
                        syn::Pat::Ident(i) => inputs.push(i.ident.to_string()),
                        other => return Err(syn::Error::new_spanned(other, "an input part is a plain name")),
                    },
                    other => return Err(syn::Error::new_spanned(other, "an input part needs a type: `name: Type`")),
                }
            }
            let mut outputs = Vec::new();
            if input.peek(syn::Token![=>]) {
                input.parse::<syn::Token![=>]>()?;
                let content;
                syn::parenthesized!(content in input);
                let names = content.parse_terminated(syn::Ident::parse, syn::Token![,])?;
                outputs = names.into_iter().map(|i| i.to_string()).collect();
            }
            input.parse::<syn::Token![;]>()?;
            lines.push(Line { id, inputs, outputs, body: *closure.body });
        }
        Ok(Block { lines })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
    }

    fn lines_of(src: &str) -> Result<Vec<GlueLine>, GlueError> {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("m.rs"), src).unwrap();
        read(t.path(), t.path())
    }

    #[test]
    fn stage1_glue_declares_its_exercises_with_named_parts() {
        let lines = read(&root(), &root().join("grader/probes/stage1/src")).unwrap();
        let dot = lines.iter().find(|l| l.id == "stage1.linalg.dot").unwrap();
        assert_eq!(dot.inputs, ["a", "b"]);
        assert!(dot.outputs.is_empty());
        assert!(dot.calls.contains("dot"), "{:?}", dot.calls);
        assert_eq!(dot.at, format!("grader/probes/stage1/src/linalg.rs:{}", dot_line()));
        let ids: BTreeSet<&str> = lines.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids.len(), lines.len(), "an id declared twice");
    }

    fn dot_line() -> usize {
        let text = std::fs::read_to_string(root().join("grader/probes/stage1/src/linalg.rs")).unwrap();
        text.lines().position(|l| l.contains("\"stage1.linalg.dot\"")).unwrap() + 1
    }

    #[test]
    fn outputs_and_helpers_are_read() {
        let lines = lines_of(
            r#"
            probe_runtime::glue! { M;
                "s.m.a" => |x: &[f64]| helper(x) => (value, grad);
                "s.m.b" => |x: f64, n: usize| { m::other(x).thing(n) };
            }
            fn helper(x: &[f64]) -> (f64, f64) { (m::deep(x), 0.0) }
            "#,
        )
        .unwrap();
        assert_eq!(lines[0].outputs, ["value", "grad"]);
        assert!(lines[0].calls.contains("helper") && lines[0].calls.contains("deep"), "{:?}", lines[0].calls);
        assert_eq!(lines[1].inputs, ["x", "n"]);
        assert!(lines[1].calls.contains("other") && lines[1].calls.contains("thing"));
        assert!(!lines[1].calls.contains("deep"));
    }

    #[test]
    fn a_malformed_line_is_an_error_with_its_place() {
        let e = lines_of("probe_runtime::glue! { M;\n \"s.m.a\" => |x| f(x);\n }").unwrap_err();
        assert!(e.message.contains("line 2") && e.message.contains("name: Type"), "{e}");
    }
}
