//! The static gate: what a submission's source may not contain, checked before anything builds.
//!
//! Two passes over each file. The token pass (comments and string literals are already gone)
//! finds `unsafe`, `extern`, the forbidden macros and attributes, also inside macro bodies. The
//! path pass parses the file with `syn` and reads paths as Rust does: every `use` tree is
//! flattened (braces at any depth, `self`, renames, globs, a leading `::`), every path of the
//! syntax tree (expressions, types, patterns, attributes, impls, macro paths) is checked, and the
//! tokens of macros, which cannot be parsed as Rust, are read conservatively. It is a policy, not
//! the last line of defence: the sandbox (`sandbox`) holds even for code the gate lets through.
//!
//! The same module reads a whole crate for exercises written from scratch ([`from_scratch`]).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// One thing the gate refused, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path relative to the submission, e.g. `exercises/stage1/src/linalg.rs`.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Short rule name: `unsafe`, `forbidden-macro`, `forbidden-attribute`, `ffi`, `forbidden-api`,
    /// `std-alias`, `build-config`, `unparseable`, `from-scratch`.
    pub rule: &'static str,
    pub message: String,
}

/// Standard-library modules that reach outside the process; an exercise may allow some.
pub const SYSTEM_MODULES: [&str; 7] = ["fs", "net", "process", "env", "os", "arch", "intrinsics"];

/// The crates whose system modules are gated: `std` and the two it re-exports, and tokio (the
/// services' runtime), whose `net`, `fs` and `process` reach outside just as std's do.
const ROOTS: [&str; 4] = ["std", "core", "alloc", "tokio"];

/// Which system modules an exercise may use (later stages' service exercises allow `net`).
#[derive(Debug, Clone, Default)]
pub struct GatePolicy {
    /// Allowed in every file.
    pub allow: Vec<String>,
    /// Allowed in one file only, by its path as the gate names it (relative to the submission:
    /// `exercises/stage6/src/registry.rs`): an exercise's `allow` in the manifest.
    pub files: Vec<(String, Vec<String>)>,
}

impl GatePolicy {
    fn forbids(&self, module: &str) -> bool {
        SYSTEM_MODULES.contains(&module) && !self.allow.iter().any(|a| a == module)
    }

    /// The policy for one file: what every file may use, and what that file alone may.
    pub fn for_file(&self, file: &str) -> GatePolicy {
        let mut allow = self.allow.clone();
        for (f, more) in &self.files {
            if f == file {
                allow.extend(more.iter().cloned());
            }
        }
        GatePolicy { allow, files: Vec::new() }
    }

    /// This policy with each exercise's `allow` granted to its file in the crate at `student_dir`.
    pub fn with_exercises(mut self, student_dir: &str, exercises: &[crate::manifest::Exercise]) -> GatePolicy {
        for e in exercises.iter().filter(|e| !e.allow.is_empty()) {
            self.files.push((format!("{}/{}", student_dir.trim_end_matches('/'), e.file), e.allow.clone()));
        }
        self
    }
}

const MACROS: [(&str, &str); 9] = [
    ("include", "reads a file at compile time"),
    ("include_str", "reads a file at compile time"),
    ("include_bytes", "reads a file at compile time"),
    ("env", "reads the build environment"),
    ("option_env", "reads the build environment"),
    ("asm", "inline assembly"),
    ("global_asm", "inline assembly"),
    ("naked_asm", "inline assembly"),
    ("compile_error", "not needed by any exercise"),
];

const ATTRIBUTES: [(&str, &str); 10] = [
    ("path", "loads a module from an arbitrary file"),
    ("link_section", "can run code before main"),
    ("no_mangle", "exports symbols that can replace the runtime's"),
    ("export_name", "exports symbols that can replace the runtime's"),
    ("link", "links foreign libraries"),
    ("link_name", "links foreign symbols"),
    ("used", "keeps symbols alive for the linker"),
    ("global_allocator", "replaces the process's allocator"),
    ("naked", "functions without a prologue"),
    ("unsafe", "unsafe attributes"),
];

/// One token of a file, flattened out of its groups, with what the from-scratch check needs to
/// know about its neighbours.
#[derive(Debug, Clone)]
struct Leaf {
    /// The identifier (without `r#`) or the punctuation character; empty for a literal.
    text: String,
    ident: bool,
    /// Byte offset in the file.
    byte: usize,
    line: u32,
    /// 1-based.
    column: u32,
    /// The punctuation right before it in the same group.
    prev: Option<char>,
    /// Inside a macro's tokens: an invocation's arguments (`m!(..)`) or a `macro_rules!` body.
    in_macro: bool,
    /// The name an item defines (`fn name`, `struct Name`, `macro_rules! name`...).
    def: bool,
    /// A field (`x.name` not followed by `(`, `::` or `!`), not a name of anything callable.
    field: bool,
    /// A path's prefix (`name::x`, not the turbofish `name::<T>`): a crate, module or type,
    /// not a function.
    prefix: bool,
    /// The segment right before it in a path (`Tensor` in `Tensor::new`), when that is a plain
    /// identifier.
    qualifier: Option<String>,
}

fn unraw(s: String) -> String {
    match s.strip_prefix("r#") {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// Every token of `ts`, in order, groups flattened.
fn leaves(ts: TokenStream) -> Vec<Leaf> {
    fn walk(ts: TokenStream, in_macro: bool, out: &mut Vec<Leaf>) {
        let toks: Vec<TokenTree> = ts.into_iter().collect();
        let ident = |i: Option<usize>| i.and_then(|i| ident_at(&toks, i)).map(unraw);
        for (i, t) in toks.iter().enumerate() {
            let before = i.checked_sub(1);
            let prev = match before.map(|j| &toks[j]) {
                Some(TokenTree::Punct(p)) => Some(p.as_char()),
                _ => None,
            };
            let at = t.span().start();
            let mut leaf = Leaf {
                text: String::new(),
                ident: false,
                byte: t.span().byte_range().start,
                line: at.line as u32,
                column: at.column as u32 + 1,
                prev,
                in_macro,
                def: false,
                field: false,
                prefix: path_sep_at(&toks, i + 1) && !punct_at(&toks, i + 3, '<'),
                qualifier: if i >= 3 && path_sep_at(&toks, i - 2) { ident(Some(i - 3)) } else { None },
            };
            match t {
                TokenTree::Group(g) => {
                    // `m!(..)` but not `#![..]`; `macro_rules! m { .. }`.
                    let invocation = i >= 1 && punct_at(&toks, i - 1, '!') && !(i >= 2 && punct_at(&toks, i - 2, '#'));
                    let rules = i >= 3
                        && matches!(toks[i - 1], TokenTree::Ident(_))
                        && punct_at(&toks, i - 2, '!')
                        && ident(Some(i - 3)).as_deref() == Some("macro_rules");
                    walk(g.stream(), in_macro || invocation || rules, out);
                }
                TokenTree::Ident(id) => {
                    leaf.text = unraw(id.to_string());
                    leaf.ident = true;
                    leaf.def = matches!(
                        ident(before).as_deref(),
                        Some("fn" | "struct" | "enum" | "union" | "trait" | "type" | "mod" | "const" | "static")
                    ) || (i >= 2
                        && punct_at(&toks, i - 1, '!')
                        && ident(Some(i - 2)).as_deref() == Some("macro_rules"));
                    let called = matches!(toks.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                        || path_sep_at(&toks, i + 1)
                        || punct_at(&toks, i + 1, '!');
                    leaf.field = prev == Some('.') && !called;
                    out.push(leaf);
                }
                TokenTree::Punct(p) => {
                    leaf.text = p.as_char().to_string();
                    out.push(leaf);
                }
                TokenTree::Literal(_) => out.push(leaf),
            }
        }
    }
    let mut out = Vec::new();
    walk(ts, false, &mut out);
    out
}

/// Whether `leaf` is a use of the `forbid` entry `name`: `name` is the identifier anywhere,
/// `.name` a method (`x.name(..)`, `Type::name`) or, inside a macro's tokens, the bare identifier
/// (`m!(x, name)` can call it).
fn names(leaf: &Leaf, name: &str) -> bool {
    if !leaf.ident {
        return false;
    }
    match name.strip_prefix('.') {
        Some(m) => leaf.text == m && (matches!(leaf.prev, Some('.') | Some(':')) || (leaf.in_macro && !leaf.def)),
        None => leaf.text == name,
    }
}

/// One place where a source file names something an exercise forbids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    /// The entry of `forbid` it matches (`candle_nn`, `.backward`).
    pub name: String,
    pub line: u32,
    pub column: u32,
    /// Byte offset in the file.
    pub byte: usize,
}

/// Every place where `text` names one of `names`, for exercises written from scratch: `name`
/// matches the identifier anywhere (a crate, a type, a function; in `use` lines too, so `use
/// candle_nn as nn;` is found), `.name` a method, called as `x.name(...)` or `Type::name(...)`,
/// or the bare identifier inside a macro's tokens (`m!(x, name)`). Comments and strings are not
/// code and are not searched. This reads one file; [`from_scratch`] follows a whole crate.
pub fn name_uses(text: &str, names: &[String]) -> Vec<NameUse> {
    let Ok(ts) = TokenStream::from_str(text) else { return Vec::new() };
    let mut found = Vec::new();
    for leaf in leaves(ts) {
        for n in names {
            if self::names(&leaf, n) {
                found.push(NameUse { name: n.clone(), line: leaf.line, column: leaf.column, byte: leaf.byte });
            }
        }
    }
    found
}

/// The text that a function occupies, located by tokens: from the `fn` keyword to the end
/// of the body, so doc comments and attributes stay. `name` may be `Type::method`.
pub fn function_span(text: &str, name: &str) -> Result<std::ops::Range<usize>, String> {
    let tokens = tokens(text)?;
    span_in(&tokens, name).ok_or_else(|| format!("no `fn {name}` found"))
}

fn tokens(text: &str) -> Result<Vec<TokenTree>, String> {
    let stream: TokenStream = text.parse().map_err(|e| format!("the file does not parse: {e:?}"))?;
    Ok(stream.into_iter().collect())
}

fn span_in(tokens: &[TokenTree], name: &str) -> Option<std::ops::Range<usize>> {
    let (ty, func) = match name.split_once("::") {
        Some((t, f)) => (Some(t.trim()), f.trim()),
        None => (None, name.trim()),
    };
    fn find_fn(tokens: &[TokenTree], func: &str) -> Option<std::ops::Range<usize>> {
        for (i, t) in tokens.iter().enumerate() {
            let TokenTree::Ident(id) = t else { continue };
            if id != "fn" || !matches!(tokens.get(i + 1), Some(TokenTree::Ident(n)) if n == func) {
                continue;
            }
            let body = tokens[i + 2..]
                .iter()
                .find(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))?;
            return Some(id.span().byte_range().start..body.span().byte_range().end);
        }
        None
    }
    let Some(ty) = ty else { return find_fn(tokens, func) };
    for (i, t) in tokens.iter().enumerate() {
        if !matches!(t, TokenTree::Ident(id) if id == "impl") {
            continue;
        }
        let rest = &tokens[i + 1..];
        let Some(pos) = rest.iter().position(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
        else {
            continue;
        };
        let names_type = rest[..pos].iter().any(|t| matches!(t, TokenTree::Ident(n) if n == ty));
        if let (true, TokenTree::Group(g)) = (names_type, &rest[pos]) {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            if let Some(r) = find_fn(&inner, func) {
                return Some(r);
            }
        }
    }
    None
}

/// Scans one source file.
pub fn scan(file: &str, text: &str, policy: &GatePolicy) -> Vec<Violation> {
    let mut out = Vec::new();
    let ts = match TokenStream::from_str(text) {
        Ok(ts) => ts,
        Err(e) => {
            let at = e.span().start();
            out.push(Violation {
                file: file.to_string(),
                line: at.line as u32,
                column: at.column as u32 + 1,
                rule: "unparseable",
                message: format!("the file does not tokenize: {e}"),
            });
            return out;
        }
    };
    walk(file, ts, &mut out);
    match syn::parse_file(text) {
        Ok(ast) => PathGate { file, policy, out: &mut out }.visit_file(&ast),
        Err(e) => {
            // rustc would refuse it too; its paths cannot be read, so it is refused here.
            let at = e.span().start();
            out.push(Violation {
                file: file.to_string(),
                line: at.line as u32,
                column: at.column as u32 + 1,
                rule: "unparseable",
                message: format!("the file does not parse as Rust: {e}"),
            });
        }
    }
    out.sort_by_key(|v| (v.line, v.column));
    out.dedup_by(|a, b| (a.line, a.column, a.rule) == (b.line, b.column, b.rule));
    out
}

/// The path pass of [`scan`], over the syntax tree.
struct PathGate<'a> {
    file: &'a str,
    policy: &'a GatePolicy,
    out: &'a mut Vec<Violation>,
}

/// One path of a flattened `use` tree: `use std::{io, fs as f};` is `std::io` and `std::fs as f`.
struct FlatUse {
    /// The segments, `self` resolved (`a::{self}` is `a`); a leading `::` is dropped.
    segs: Vec<syn::Ident>,
    kind: UseKind,
}

enum UseKind {
    Name,
    Rename(syn::Ident),
    Glob,
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<syn::Ident>, out: &mut Vec<FlatUse>) {
    let with = |prefix: &Vec<syn::Ident>, last: &syn::Ident| {
        let mut segs = prefix.clone();
        if last != "self" {
            segs.push(last.clone());
        }
        segs
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.clone());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(FlatUse { segs: with(prefix, &n.ident), kind: UseKind::Name }),
        syn::UseTree::Rename(r) => {
            out.push(FlatUse { segs: with(prefix, &r.ident), kind: UseKind::Rename(r.rename.clone()) })
        }
        syn::UseTree::Glob(_) => out.push(FlatUse { segs: prefix.clone(), kind: UseKind::Glob }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix, out);
            }
        }
    }
}

fn ident_text(id: &syn::Ident) -> String {
    unraw(id.to_string())
}

impl PathGate<'_> {
    fn push(&mut self, line: u32, column: u32, rule: &'static str, message: String) {
        self.out.push(Violation { file: self.file.to_string(), line, column, rule, message });
    }

    fn push_at(&mut self, span: proc_macro2::Span, rule: &'static str, message: String) {
        let at = span.start();
        self.push(at.line as u32, at.column as u32 + 1, rule, message);
    }

    /// `std::fs` anywhere in a path (`::std::fs`, `crate::std::fs` after a `use std;`...).
    fn segments(&mut self, segs: &[syn::Ident]) {
        for w in segs.windows(2) {
            let (root, m) = (ident_text(&w[0]), ident_text(&w[1]));
            if ROOTS.contains(&root.as_str()) && self.policy.forbids(&m) {
                self.push_at(w[0].span(), "forbidden-api", format!("`{root}::{m}` is not available in this exercise"));
            }
        }
    }

    /// The tokens of a macro (an invocation's, a `macro_rules!` body, an attribute's arguments),
    /// which are not Rust syntax yet: read conservatively.
    fn macro_tokens(&mut self, ts: TokenStream) {
        let before = self.out.len();
        self.macro_level(ts.clone());
        if self.out.len() > before {
            return;
        }
        // A path put together from separate arguments: `m!(std, fs)`.
        let all = leaves(ts);
        let root = all.iter().find(|l| l.ident && ROOTS.contains(&l.text.as_str()));
        let bare = all.iter().find(|l| l.ident && l.prev != Some(':') && self.policy.forbids(&l.text));
        if let (Some(r), Some(m)) = (root, bare) {
            let message = format!(
                "`{}` and `{}` in one macro's tokens: a path into `{}` put together by a macro is not allowed",
                r.text, m.text, r.text
            );
            self.push(m.line, m.column, "forbidden-api", message);
        }
    }

    fn macro_level(&mut self, ts: TokenStream) {
        let toks: Vec<TokenTree> = ts.into_iter().collect();
        // What a brace group after `x::` holds that matters: a forbidden module, `self`, `*`, `$`.
        let braced = |t: Option<&TokenTree>, policy: &GatePolicy| -> Option<String> {
            let Some(TokenTree::Group(g)) = t else { return None };
            if g.delimiter() != Delimiter::Brace {
                return None;
            }
            leaves(g.stream()).into_iter().find_map(|l| {
                let hit = (l.ident && (policy.forbids(&l.text) || l.text == "self")) || l.text == "*" || l.text == "$";
                hit.then_some(l.text)
            })
        };
        for (i, t) in toks.iter().enumerate() {
            match t {
                TokenTree::Group(g) => self.macro_level(g.stream()),
                TokenTree::Ident(id) => {
                    let name = unraw(id.to_string());
                    let span = id.span();
                    if ROOTS.contains(&name.as_str()) {
                        if ident_at(&toks, i + 1).as_deref() == Some("as") {
                            self.push_at(span, "std-alias", format!("renaming `{name}` is not allowed"));
                        }
                        if path_sep_at(&toks, i + 1) {
                            match toks.get(i + 3) {
                                Some(TokenTree::Ident(m)) if self.policy.forbids(&unraw(m.to_string())) => self.push_at(
                                    span,
                                    "forbidden-api",
                                    format!("`{name}::{}` is not available in this exercise", unraw(m.to_string())),
                                ),
                                Some(TokenTree::Punct(p)) if p.as_char() == '*' => {
                                    self.push_at(span, "std-alias", format!("a glob import of `{name}` is not allowed"))
                                }
                                Some(TokenTree::Punct(p)) if p.as_char() == '$' => self.push_at(
                                    span,
                                    "forbidden-api",
                                    format!("`{name}::$..`: a path into `{name}` built from a macro's arguments is not allowed"),
                                ),
                                next => match braced(next, self.policy).as_deref() {
                                    Some(m @ ("self" | "*")) => self.push_at(
                                        span,
                                        "std-alias",
                                        format!("`{name}::{{{m}}}` in a macro is not allowed (it can rename or glob-import `{name}`)"),
                                    ),
                                    Some(m) => self.push_at(
                                        span,
                                        "forbidden-api",
                                        format!("`{name}::{{{m}}}` is not available in this exercise"),
                                    ),
                                    None => {}
                                },
                            }
                        }
                    }
                    // `use $x..;` in a macro body: an import of whatever the caller passes.
                    if name == "use" {
                        let end = toks[i..].iter().position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'));
                        let tree: TokenStream =
                            toks[i + 1..i + end.unwrap_or(toks.len() - i)].iter().cloned().collect();
                        let dollars = leaves(tree);
                        let from_args = dollars
                            .iter()
                            .enumerate()
                            .any(|(k, l)| l.text == "$" && dollars.get(k + 1).is_none_or(|n| n.text != "crate"));
                        if from_args {
                            self.push_at(
                                span,
                                "forbidden-api",
                                "a `use` of a path built from a macro's arguments is not allowed".into(),
                            );
                        }
                    }
                }
                TokenTree::Punct(p) if p.as_char() == '$' => {
                    // `$x::fs`, `$x::$y`, `$x::{..}`: a path built from the macro's arguments.
                    let Some(x) = ident_at(&toks, i + 1) else { continue };
                    if !path_sep_at(&toks, i + 2) {
                        continue;
                    }
                    let what = match toks.get(i + 4) {
                        Some(TokenTree::Ident(m)) if self.policy.forbids(&unraw(m.to_string())) => {
                            Some(format!("`${x}::{}`", unraw(m.to_string())))
                        }
                        Some(TokenTree::Punct(q)) if q.as_char() == '$' => Some(format!("`${x}::$..`")),
                        next => braced(next, self.policy).map(|m| format!("`${x}::{{{m}}}`")),
                    };
                    if let Some(what) = what {
                        self.push_at(
                            p.span(),
                            "forbidden-api",
                            format!("{what}: a path built from a macro's arguments is not allowed"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for PathGate<'_> {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<syn::Ident> = p.segments.iter().map(|s| s.ident.clone()).collect();
        self.segments(&segs);
        visit::visit_path(self, p);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        for a in &u.attrs {
            self.visit_attribute(a);
        }
        self.visit_visibility(&u.vis);
        let mut flat = Vec::new();
        flatten_use(&u.tree, &mut Vec::new(), &mut flat);
        for f in flat {
            if let Some(last) = f.segs.last() {
                let name = ident_text(last);
                if ROOTS.contains(&name.as_str()) {
                    match &f.kind {
                        UseKind::Rename(to) => self.push_at(
                            last.span(),
                            "std-alias",
                            format!("renaming `{name}` is not allowed (`{name}` as `{to}` would hide later paths)"),
                        ),
                        UseKind::Glob => {
                            self.push_at(last.span(), "std-alias", format!("a glob import of `{name}` is not allowed"))
                        }
                        UseKind::Name => {}
                    }
                }
            }
            self.segments(&f.segs);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        visit::visit_macro(self, m);
        self.macro_tokens(m.tokens.clone());
    }

    fn visit_meta_list(&mut self, l: &'ast syn::MetaList) {
        visit::visit_meta_list(self, l);
        self.macro_tokens(l.tokens.clone());
    }
}

fn ident_at(tokens: &[TokenTree], i: usize) -> Option<String> {
    match tokens.get(i) {
        Some(TokenTree::Ident(id)) => Some(id.to_string()),
        _ => None,
    }
}

fn punct_at(tokens: &[TokenTree], i: usize, c: char) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// `::` at position i (two `:` puncts).
fn path_sep_at(tokens: &[TokenTree], i: usize) -> bool {
    punct_at(tokens, i, ':') && punct_at(tokens, i + 1, ':')
}

/// The token rules: `unsafe`, `extern`, forbidden macros and attributes, also inside macros.
fn walk(file: &str, ts: TokenStream, out: &mut Vec<Violation>) {
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    let v = |t: &TokenTree, rule: &'static str, message: String| {
        let at = t.span().start();
        Violation { file: file.to_string(), line: at.line as u32, column: at.column as u32 + 1, rule, message }
    };
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(id) => {
                let name = id.to_string();
                let name = name.trim_start_matches("r#");
                match name {
                    "unsafe" => out.push(v(t, "unsafe", "`unsafe` code is not allowed in exercises".into())),
                    "extern" => {
                        let what = match tokens.get(i + 1) {
                            Some(TokenTree::Ident(n)) if n == "crate" => "`extern crate`",
                            _ => "`extern` (foreign functions)",
                        };
                        out.push(v(t, "ffi", format!("{what} is not allowed in exercises")));
                    }
                    _ => {
                        if punct_at(&tokens, i + 1, '!') {
                            if let Some((_, why)) = MACROS.iter().find(|(m, _)| *m == name) {
                                out.push(v(t, "forbidden-macro", format!("`{name}!` is not allowed ({why})")));
                            }
                        }
                    }
                }
            }
            TokenTree::Group(g) => {
                // An attribute: `#` (or `#!`) followed by a bracket group.
                let is_attr = g.delimiter() == Delimiter::Bracket
                    && i > 0
                    && (punct_at(&tokens, i - 1, '#')
                        || (i > 1 && punct_at(&tokens, i - 1, '!') && punct_at(&tokens, i - 2, '#')));
                if is_attr {
                    for name in attribute_names(g.stream()) {
                        if let Some((_, why)) = ATTRIBUTES.iter().find(|(a, _)| *a == name) {
                            out.push(v(t, "forbidden-attribute", format!("`#[{name}]` is not allowed ({why})")));
                        }
                    }
                }
                walk(file, g.stream(), out);
            }
            _ => {}
        }
    }
}

/// Attribute names in an attribute body, including inside `cfg_attr(...)`.
fn attribute_names(ts: TokenStream) -> Vec<String> {
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    let mut names = Vec::new();
    if let Some(TokenTree::Ident(first)) = tokens.first() {
        let first = first.to_string();
        if first == "cfg_attr" {
            if let Some(TokenTree::Group(g)) = tokens.get(1) {
                // cfg_attr(predicate, attr1, attr2...): every item after the first comma.
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut after_comma = false;
                let mut depth_items = Vec::new();
                for t in inner {
                    match &t {
                        TokenTree::Punct(p) if p.as_char() == ',' => {
                            if after_comma && !depth_items.is_empty() {
                                names.extend(attribute_names(depth_items.drain(..).collect()));
                            }
                            after_comma = true;
                        }
                        _ if after_comma => depth_items.push(t),
                        _ => {}
                    }
                }
                if !depth_items.is_empty() {
                    names.extend(attribute_names(depth_items.into_iter().collect()));
                }
            }
        } else {
            names.push(first);
        }
    }
    names
}

/// One `.rs` file of a student's crate.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the crate, as the manifest's `file` gives it: `src/backprop.rs`.
    pub path: String,
    pub text: String,
}

/// Every `.rs` file under `crate_dir/src`, in name order; symbolic links are not followed (the
/// gate refuses them anyway).
pub fn crate_sources(crate_dir: &Path) -> Vec<SourceFile> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<SourceFile>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{rel}/{name}");
            if ft.is_dir() {
                walk(&e.path(), &rel, out);
            } else if ft.is_file() && name.ends_with(".rs") {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    out.push(SourceFile { path: rel, text });
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&crate_dir.join("src"), "src", &mut out);
    out
}

/// What a node of the crate index is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A function or method with a body.
    Fn,
    /// A struct, enum, union, type alias, const, static, trait, or an impl's associated item.
    Item,
    /// A `macro_rules!` definition.
    Macro,
    /// A macro invoked where items go, or a macro of the crate's own invoked inside a body: what
    /// it defines (a function, a trait impl) is not known until it is expanded.
    MacroCall,
    /// `impl Trait for Type`: its methods can run without being named (operators, `?`, `Drop`,
    /// `Deref`, formatting), whenever a value of the type exists.
    TraitImpl,
    /// One path of a `use` tree.
    Use,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Fn => "helper",
            Kind::Item => "item",
            Kind::Macro => "macro",
            Kind::MacroCall => "macro invocation",
            Kind::TraitImpl => "trait impl",
            Kind::Use => "import",
        }
    }
}

#[derive(Debug)]
struct Node {
    file: usize,
    kind: Kind,
    /// The name it defines (`Fn`, `Item`, `Macro`).
    name: String,
    /// A method's type (`impl Graph`) or trait.
    owner: Option<String>,
    /// How a message names it: `mse_grad`, `Graph::backward`, `m!`, `use candle_core::Var as V`.
    label: String,
    /// Reachable code that names one of these reaches the node.
    keys: Vec<String>,
    range: Range<usize>,
    /// `Use`: the byte offsets of its path's segments, which are all of its code.
    segs: Vec<usize>,
    /// `Use`: a glob import (`use a::*`), reached with anything of its file.
    glob: bool,
    /// `MacroCall` inside a body: kept only if the macro is one of the crate's `macro_rules!`.
    in_body: bool,
}

struct Indexed {
    path: String,
    leaves: Vec<Leaf>,
}

/// Every function, item, macro, trait impl and import of a crate, by the names that reach it.
struct CrateIndex {
    files: Vec<Indexed>,
    nodes: Vec<Node>,
    by_key: HashMap<String, Vec<usize>>,
    globs: Vec<Vec<usize>>,
    /// The traits the crate defines (their default methods can be called on any type).
    traits: HashSet<String>,
}

fn in_range<'l>(leaves: &'l [Leaf], r: &Range<usize>) -> &'l [Leaf] {
    let a = leaves.partition_point(|l| l.byte < r.start);
    let b = leaves.partition_point(|l| l.byte < r.end);
    &leaves[a..b.max(a)]
}

struct Indexer<'a> {
    file: usize,
    leaves: &'a [Leaf],
    nodes: &'a mut Vec<Node>,
    owners: Vec<String>,
    traits: &'a mut HashSet<String>,
}

impl Indexer<'_> {
    fn add(&mut self, kind: Kind, name: String, label: String, keys: Vec<String>, range: Range<usize>) {
        let owner = if kind == Kind::Fn { self.owners.last().cloned() } else { None };
        self.nodes.push(Node {
            file: self.file,
            kind,
            name,
            owner,
            label,
            keys,
            range,
            segs: Vec::new(),
            glob: false,
            in_body: false,
        });
    }

    fn item(&mut self, ident: &syn::Ident, range: Range<usize>) {
        let name = ident_text(ident);
        self.add(Kind::Item, name.clone(), name.clone(), vec![name], range);
    }

    fn function(&mut self, ident: &syn::Ident, range: Range<usize>) {
        let name = ident_text(ident);
        let label = match self.owners.last() {
            Some(o) => format!("{o}::{name}"),
            None => name.clone(),
        };
        self.add(Kind::Fn, name.clone(), label, vec![name], range);
    }

    fn idents(&self, r: Range<usize>) -> Vec<String> {
        in_range(self.leaves, &r).iter().filter(|l| l.ident).map(|l| l.text.clone()).collect()
    }

    fn macro_call(&mut self, mac: &syn::Macro, range: Range<usize>) {
        let name = mac.path.segments.last().map(|s| ident_text(&s.ident)).unwrap_or_default();
        let mut keys: Vec<String> =
            leaves(mac.tokens.clone()).into_iter().filter(|l| l.ident).map(|l| l.text).collect();
        keys.push(name.clone());
        keys.sort();
        keys.dedup();
        self.add(Kind::MacroCall, name.clone(), format!("{name}!(..)"), keys, range);
    }
}

impl<'ast> Visit<'ast> for Indexer<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = std::mem::take(&mut self.owners);
        self.function(&f.sig.ident, f.span().byte_range());
        visit::visit_item_fn(self, f);
        self.owners = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.function(&f.sig.ident, f.span().byte_range());
        let saved = std::mem::take(&mut self.owners);
        visit::visit_impl_item_fn(self, f);
        self.owners = saved;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if f.default.is_some() {
            self.function(&f.sig.ident, f.span().byte_range());
        }
        let saved = std::mem::take(&mut self.owners);
        visit::visit_trait_item_fn(self, f);
        self.owners = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let ty_range = i.self_ty.span().byte_range();
        let self_name = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| ident_text(&s.ident)),
            _ => None,
        }
        .or_else(|| self.idents(ty_range.clone()).pop())
        .unwrap_or_else(|| "_".into());
        if let Some((_, path, _)) = &i.trait_ {
            // Reached when reachable code names the type, or a type among the trait's arguments
            // (`impl From<Mine> for Tensor`); only the crate's own types count (see `CrateIndex::new`).
            let mut keys = self.idents(ty_range);
            for s in &path.segments {
                if !s.arguments.is_empty() {
                    keys.extend(self.idents(s.arguments.span().byte_range()));
                }
            }
            keys.sort();
            keys.dedup();
            let tr = path.segments.last().map(|s| ident_text(&s.ident)).unwrap_or_default();
            self.add(Kind::TraitImpl, tr.clone(), format!("impl {tr} for {self_name}"), keys, i.span().byte_range());
        }
        self.owners.push(self_name);
        visit::visit_item_impl(self, i);
        self.owners.pop();
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.traits.insert(ident_text(&t.ident));
        self.item(&t.ident, t.span().byte_range());
        self.owners.push(ident_text(&t.ident));
        visit::visit_item_trait(self, t);
        self.owners.pop();
    }

    fn visit_impl_item_const(&mut self, c: &'ast syn::ImplItemConst) {
        self.item(&c.ident, c.span().byte_range());
        visit::visit_impl_item_const(self, c);
    }

    fn visit_impl_item_type(&mut self, t: &'ast syn::ImplItemType) {
        self.item(&t.ident, t.span().byte_range());
        visit::visit_impl_item_type(self, t);
    }

    fn visit_impl_item_macro(&mut self, m: &'ast syn::ImplItemMacro) {
        self.macro_call(&m.mac, m.span().byte_range());
    }

    fn visit_trait_item_const(&mut self, c: &'ast syn::TraitItemConst) {
        self.item(&c.ident, c.span().byte_range());
        visit::visit_trait_item_const(self, c);
    }

    fn visit_trait_item_type(&mut self, t: &'ast syn::TraitItemType) {
        self.item(&t.ident, t.span().byte_range());
        visit::visit_trait_item_type(self, t);
    }

    fn visit_trait_item_macro(&mut self, m: &'ast syn::TraitItemMacro) {
        self.macro_call(&m.mac, m.span().byte_range());
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.item(&s.ident, s.span().byte_range());
        visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        self.item(&e.ident, e.span().byte_range());
        visit::visit_item_enum(self, e);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        self.item(&u.ident, u.span().byte_range());
        visit::visit_item_union(self, u);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        self.item(&t.ident, t.span().byte_range());
        visit::visit_item_type(self, t);
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        self.item(&c.ident, c.span().byte_range());
        visit::visit_item_const(self, c);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.item(&s.ident, s.span().byte_range());
        visit::visit_item_static(self, s);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        match &m.ident {
            Some(name) if m.mac.path.is_ident("macro_rules") => {
                let name = ident_text(name);
                self.add(Kind::Macro, name.clone(), format!("{name}!"), vec![name], m.span().byte_range());
            }
            _ => self.macro_call(&m.mac, m.span().byte_range()),
        }
    }

    // A macro of the crate's own invoked in a body can define items there (a trait impl holds
    // for the whole crate): see `CrateIndex::new`.
    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.macro_call(&m.mac, m.span().byte_range());
        if let Some(n) = self.nodes.last_mut() {
            n.in_body = true;
        }
    }

    fn visit_expr_macro(&mut self, m: &'ast syn::ExprMacro) {
        self.macro_call(&m.mac, m.span().byte_range());
        if let Some(n) = self.nodes.last_mut() {
            n.in_body = true;
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut flat = Vec::new();
        flatten_use(&u.tree, &mut Vec::new(), &mut flat);
        for f in flat {
            let path: Vec<String> = f.segs.iter().map(ident_text).collect();
            let (key, tail) = match &f.kind {
                UseKind::Name => (path.last().cloned(), String::new()),
                UseKind::Rename(to) => (Some(ident_text(to)), format!(" as {}", ident_text(to))),
                UseKind::Glob => (None, "::*".into()),
            };
            self.nodes.push(Node {
                file: self.file,
                kind: Kind::Use,
                name: String::new(),
                owner: None,
                label: format!("use {}{tail}", path.join("::")),
                keys: key.into_iter().collect(),
                range: u.span().byte_range(),
                segs: f.segs.iter().map(|s| s.span().byte_range().start).collect(),
                glob: matches!(f.kind, UseKind::Glob),
                in_body: false,
            });
        }
    }
}

impl CrateIndex {
    fn new(files: &[SourceFile]) -> CrateIndex {
        let mut index = CrateIndex {
            files: Vec::new(),
            nodes: Vec::new(),
            by_key: HashMap::new(),
            globs: Vec::new(),
            traits: HashSet::new(),
        };
        for (i, f) in files.iter().enumerate() {
            let leaves = TokenStream::from_str(&f.text).map(leaves).unwrap_or_default();
            if let Ok(ast) = syn::parse_file(&f.text) {
                Indexer {
                    file: i,
                    leaves: &leaves,
                    nodes: &mut index.nodes,
                    owners: Vec::new(),
                    traits: &mut index.traits,
                }
                .visit_file(&ast);
            }
            index.files.push(Indexed { path: f.path.clone(), leaves });
            index.globs.push(Vec::new());
        }
        // A trait impl is reached by the crate's own types it names (a value of one of them can
        // run its methods unnamed), or else, for a blanket impl, by the trait's name.
        let items: HashSet<String> =
            index.nodes.iter().filter(|n| n.kind == Kind::Item).map(|n| n.name.clone()).collect();
        for n in index.nodes.iter_mut().filter(|n| n.kind == Kind::TraitImpl) {
            n.keys.retain(|k| items.contains(k));
            if n.keys.is_empty() {
                n.keys.push(n.name.clone());
            }
        }
        // `println!`, `vec!`... in a body define nothing; the crate's own macros may.
        let macros: HashSet<String> =
            index.nodes.iter().filter(|n| n.kind == Kind::Macro).map(|n| n.name.clone()).collect();
        for n in index.nodes.iter_mut().filter(|n| n.in_body && !macros.contains(&n.name)) {
            n.keys.clear();
        }
        for (i, n) in index.nodes.iter().enumerate() {
            for k in &n.keys {
                index.by_key.entry(k.clone()).or_default().push(i);
            }
            if n.glob {
                index.globs[n.file].push(i);
            }
        }
        index
    }

    /// A node's code: its tokens, or for an import the segments of its path.
    fn code(&self, i: usize) -> Vec<&Leaf> {
        let n = &self.nodes[i];
        let leaves = &self.files[n.file].leaves;
        if n.kind == Kind::Use {
            n.segs.iter().filter_map(|b| leaves.binary_search_by_key(b, |l| l.byte).ok().map(|k| &leaves[k])).collect()
        } else {
            in_range(leaves, &n.range).iter().collect()
        }
    }

    /// The functions `functions` (`a, Type::b`) of `file`.
    fn functions(&self, file: usize, functions: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for f in functions.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let (ty, name) = match f.split_once("::") {
                Some((t, n)) => (Some(t.trim()), n.trim()),
                None => (None, f),
            };
            let of = |typed: bool| {
                self.nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.file == file && n.kind == Kind::Fn && n.name == name)
                    .filter(move |(_, n)| !typed || n.owner.as_deref() == ty)
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>()
            };
            let found = of(ty.is_some());
            out.extend(if found.is_empty() { of(false) } else { found });
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `name` is the crate's own: a module (a file's name), an item, function or trait it
    /// defines, or an
    /// import of one of them (`use crate::a::B as name`, `use super::..`, `use a::..` with `a`
    /// one of its modules). An import of another crate's item (`use candle_core::Tensor`) is not.
    fn is_local(&self, name: &str) -> bool {
        let module = |m: &str| {
            self.files.iter().any(|f| {
                let path = f.path.trim_end_matches(".rs");
                path.split('/').any(|seg| seg == m)
            })
        };
        let own = |first: &str| {
            matches!(first, "crate" | "self" | "super")
                || module(first)
                || self.by_key.get(first).into_iter().flatten().any(|&j| self.nodes[j].kind != Kind::Use)
        };
        if module(name) {
            return true;
        }
        self.by_key.get(name).into_iter().flatten().any(|&j| {
            let n = &self.nodes[j];
            match n.kind {
                Kind::Use => n.glob || n.label.trim_start_matches("use ").split("::").next().is_none_or(own),
                _ => true,
            }
        })
    }

    /// Everything reachable from `roots`, each with the node it was reached from (`None` for a
    /// root). A node is reached when reached code names one of its keys: a function by its name
    /// (called, `Self::f`, `.f(..)`, passed as a value, or inside a macro's tokens), a macro by
    /// its name, an item by its name, an import by the name it brings in, a trait impl by its type.
    /// A path's prefix (`a::b::f`: `a`, `b`) names no function.
    fn reach(&self, roots: &[usize]) -> (Vec<Option<Option<usize>>>, Vec<usize>) {
        let mut from: Vec<Option<Option<usize>>> = vec![None; self.nodes.len()];
        // Names used as a path's prefix (`a::`) reach no function: a crate, a module or a type.
        let mut named: HashSet<&str> = HashSet::new();
        let mut prefixes: HashSet<&str> = HashSet::new();
        let mut qualified: HashSet<(&str, &str)> = HashSet::new();
        let mut in_file: HashSet<(usize, &str, bool)> = HashSet::new();
        let mut files: HashSet<usize> = HashSet::new();
        let mut queue = VecDeque::new();
        let mut order = Vec::new();
        for &r in roots {
            if from[r].is_none() {
                from[r] = Some(None);
                queue.push_back(r);
            }
        }
        while let Some(i) = queue.pop_front() {
            order.push(i);
            let mut next: Vec<usize> = Vec::new();
            if files.insert(self.nodes[i].file) {
                next.extend(&self.globs[self.nodes[i].file]);
            }
            for leaf in self.code(i) {
                if !leaf.ident || leaf.def || leaf.field {
                    continue;
                }
                let fns = !leaf.prefix;
                // `Tensor::new` where the crate defines and imports nothing called `Tensor`: a
                // function of another crate's type, or a method the crate adds to that type
                // (`impl X for Tensor`, or a default method of one of its traits); not every
                // `new` of the crate. A qualifier the crate does define (a type, a module, an
                // alias) is followed as before, whatever it names.
                let foreign = leaf
                    .qualifier
                    .as_deref()
                    .filter(|q| !matches!(*q, "Self" | "self" | "crate" | "super") && !self.is_local(q));
                // A bare name (not a method, not in a macro's tokens) that its own file defines
                // or imports means that file's: `Linear` in a file with `struct Linear` is not
                // another file's `use candle_nn::Linear`. Every definition of the name in that
                // file is followed (a block's own `use` included).
                let file = self.nodes[i].file;
                let own_file = foreign.is_none()
                    && leaf.qualifier.is_none()
                    && !leaf.in_macro
                    && leaf.prev != Some('.')
                    && self.by_key.get(&leaf.text).is_some_and(|v| v.iter().any(|&j| self.nodes[j].file == file));
                let seen = match foreign {
                    _ if own_file => in_file.insert((file, &leaf.text, fns)),
                    Some(q) => qualified.insert((q, &leaf.text)),
                    None if fns => named.insert(&leaf.text),
                    None => prefixes.insert(&leaf.text),
                };
                if seen {
                    let keyed = self.by_key.get(&leaf.text).into_iter().flatten();
                    next.extend(keyed.filter(|&&j| {
                        let n = &self.nodes[j];
                        if own_file && n.file != file {
                            return false;
                        }
                        match foreign {
                            _ if n.kind != Kind::Fn => true,
                            // Not a method of another of the crate's own types: those come
                            // from inherent impls or trait impls for that type, which
                            // `q::name` cannot call. A blanket impl's (`impl<T> X for T`) can.
                            Some(q) => n.owner.as_deref().is_some_and(|o| {
                                o == q
                                    || self.traits.contains(o)
                                    || !self
                                        .by_key
                                        .get(o)
                                        .into_iter()
                                        .flatten()
                                        .any(|&k| self.nodes[k].kind == Kind::Item)
                            }),
                            None => fns,
                        }
                    }));
                }
            }
            for j in next {
                if from[j].is_none() {
                    from[j] = Some(Some(i));
                    queue.push_back(j);
                }
            }
        }
        (from, order)
    }
}

/// The uses of what exercises written from scratch forbid (`forbid` in the manifest), per id of
/// the `selected` exercises, over the whole crate (`files`, paths as in the manifest's `file`):
///
/// - a use inside the exercise's own functions counts against it;
/// - a use in its file outside every exercise's function (an import, a helper: `stage_exercises`
///   say whose functions are whose) counts against each exercise of the file that forbids it;
/// - a use in code reached from its functions counts against it, wherever it is: functions and
///   methods called by name (`f(..)`, `a::f(..)`, `Self::f`, `.f(..)`, a function passed as a
///   value, a name inside a macro's tokens), macros invoked (their `macro_rules!` body), items and
///   imports named (`use candle_core::Var as V;` is reached by naming `V`), trait impls of the
///   types named (their methods run unnamed: operators, `?`, `Drop`), macros invoked where items
///   go (by any name in their tokens), glob imports of a file reached. Names are not resolved to
///   one definition: every definition of a name is followed, so nothing can hide behind a second
///   function of the same name.
///
/// Inside a macro's tokens, `.name` also matches the bare identifier (`m!(loss, backward)`). The
/// first use of each name in each of the three places is reported.
pub fn from_scratch(
    files: &[SourceFile],
    stage_exercises: &[crate::manifest::Exercise],
    selected: &[&crate::manifest::Exercise],
) -> HashMap<String, Vec<Violation>> {
    let mut out = HashMap::new();
    if selected.iter().all(|e| e.forbid.is_empty()) {
        return out;
    }
    let index = CrateIndex::new(files);
    for ex in selected.iter().filter(|e| !e.forbid.is_empty()) {
        let Some(file) = index.files.iter().position(|f| f.path == ex.file) else { continue };
        let roots = index.functions(file, &ex.function);
        let own: Vec<Range<usize>> = roots.iter().map(|&r| index.nodes[r].range.clone()).collect();
        // Every exercise of the file, graded now or not, owns its functions.
        let owned: Vec<Range<usize>> = stage_exercises
            .iter()
            .filter(|e| e.file == ex.file)
            .flat_map(|e| index.functions(file, &e.function))
            .map(|r| index.nodes[r].range.clone())
            .collect();
        let inside = |rs: &[Range<usize>], b: usize| rs.iter().any(|r| r.contains(&b));
        let without = ex.forbid.join(", ");
        let mut seen: HashSet<(String, u8)> = HashSet::new();
        let mut found = Vec::new();
        let mut hit = |leaf: &Leaf, name: &String, place: u8, path: &str, message: String| {
            if seen.insert((name.clone(), place)) {
                found.push(Violation {
                    file: path.to_string(),
                    line: leaf.line,
                    column: leaf.column,
                    rule: "from-scratch",
                    message,
                });
            }
        };
        // In its own functions, and in its file outside every exercise's function.
        let path = index.files[file].path.as_str();
        for leaf in &index.files[file].leaves {
            let place = if inside(&own, leaf.byte) {
                ""
            } else if !inside(&owned, leaf.byte) {
                " (outside any exercise's function, so it counts against each that forbids it)"
            } else {
                continue;
            };
            for n in ex.forbid.iter().filter(|n| names(leaf, n)) {
                let message =
                    format!("`{n}` is not allowed here{place}: {} is written from scratch, without {without}", ex.id);
                hit(leaf, n, if place.is_empty() { 0 } else { 1 }, path, message);
            }
        }
        // In what its functions reach.
        // Nearest first, so that the first use reported is the one fewest steps away.
        let (from, order) = index.reach(&roots);
        for i in order {
            let via = &from[i];
            let node = &index.nodes[i];
            for leaf in index.code(i) {
                if node.file == file && (inside(&own, leaf.byte) || !inside(&owned, leaf.byte)) {
                    continue; // counted above
                }
                for n in ex.forbid.iter().filter(|n| names(leaf, n)) {
                    let mut chain = vec![node.label.clone()];
                    let mut at = *via;
                    while let Some(Some(p)) = at {
                        chain.push(index.nodes[p].label.clone());
                        at = from[p];
                    }
                    chain.reverse();
                    let where_ = &index.files[node.file].path;
                    let message = format!(
                        "`{n}` reached from {} through {} `{}` in {where_} ({}): {} is written from scratch, without {without}",
                        ex.id,
                        node.kind.what(),
                        node.label,
                        chain.join(" → "),
                        ex.id
                    );
                    hit(leaf, n, 2, where_, message);
                }
            }
        }
        if !found.is_empty() {
            out.insert(ex.id.clone(), found);
        }
    }
    out
}

/// The uses of what exercises written from scratch forbid (`forbid` in the manifest), per
/// exercise id of `exercises`, over the whole crate of the submission (every `src/**/*.rs`, read
/// and parsed once): in the exercise's own functions, in its file outside every exercise's
/// function (an import, a helper), and in whatever its functions reach, in any file (helpers
/// called, macros invoked, items and imports named): see [`crate::gate::from_scratch`].
pub fn not_from_scratch(
    stage: &crate::manifest::Stage,
    exercises: &[&crate::manifest::Exercise],
    submission: &Path,
) -> HashMap<String, Vec<grader_report::Violation>> {
    if exercises.iter().all(|e| e.forbid.is_empty()) {
        return HashMap::new();
    }
    let files = crate::gate::crate_sources(&submission.join(&stage.student_dir));
    crate::gate::from_scratch(&files, &stage.exercises, exercises)
        .into_iter()
        .map(|(id, found)| {
            let found = found
                .into_iter()
                .map(|v| grader_report::Violation {
                    file: format!("{}/{}", stage.student_dir, v.file),
                    line: v.line,
                    column: v.column,
                    rule: v.rule.into(),
                    message: v.message,
                })
                .collect();
            (id, found)
        })
        .collect()
}

/// A refusal of the intake or the gate, as the report shows it.
pub fn reported(v: crate::gate::Violation) -> grader_report::Violation {
    grader_report::Violation {
        file: v.file,
        line: v.line,
        column: v.column,
        rule: v.rule.to_string(),
        message: v.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_scratch_names_are_found_where_they_are_used() {
        let names = vec!["candle_nn".to_string(), ".backward".to_string(), "Var".to_string()];
        let at = |src: &str| -> Vec<(String, u32)> {
            name_uses(src, &names).into_iter().map(|u| (u.name, u.line)).collect()
        };
        assert!(at("pub fn softmax(x: &Tensor) -> Result<Tensor> {\n    let e = x.exp()?;\n    e.backward_pass()\n}")
            .is_empty());
        assert_eq!(
            at("use crate::candle_nn as nn;\nfn f() { candle_nn::ops::softmax(x, 1) }"),
            [("candle_nn".to_string(), 1), ("candle_nn".to_string(), 2)]
        );
        assert_eq!(at("fn f() {\n    let g = loss.backward()?;\n}"), [(".backward".to_string(), 2)]);
        assert_eq!(at("fn f() {\n    Tensor::backward(&loss)\n}"), [(".backward".to_string(), 2)]);
        // A function of one's own called `backward` is fine; so is the word in a string or comment.
        assert!(at("fn backward(g: &G) {}\n// candle_nn\nconst S: &str = \"Var\";").is_empty());
        assert_eq!(at("macro_rules! m { () => { candle_core::Var::new(1.0) } }"), [("Var".to_string(), 1)]);
        let text = "fn f() {\n  candle_nn::SGD::new()\n}";
        let u = &name_uses(text, &names)[0];
        assert_eq!((u.line, u.column, &text[u.byte..u.byte + 9]), (2, 3, "candle_nn"));
        // Inside a macro's tokens a method can be passed by its bare name.
        assert_eq!(at("fn f() {\n    m!(out, backward)\n}"), [(".backward".to_string(), 2)]);
        assert_eq!(at("macro_rules! m { ($x:ident) => { $x.backward() }; }"), [(".backward".to_string(), 1)]);
        assert!(at("macro_rules! m { () => { fn backward() {} }; }").is_empty());
    }

    #[test]
    fn functions_are_found_by_name_and_by_method() {
        let text =
            "/// Adds.\npub fn add(a: f64) -> f64 {\n    a\n}\nimpl M {\n    pub fn scale(&self) -> f64 { 1.0 }\n}\n";
        let r = function_span(text, "add").unwrap();
        assert!(text[r.clone()].starts_with("fn add(") && text[r].ends_with("a\n}"));
        assert!(text[function_span(text, "M::scale").unwrap()].starts_with("fn scale(&self)"));
        assert!(function_span(text, "missing").is_err());
    }

    fn rules(src: &str) -> Vec<&'static str> {
        scan("f.rs", src, &GatePolicy::default()).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn clean_code_passes() {
        let src = r#"
            use std::collections::HashMap;
            /// unsafe in a comment, std::fs in a doc
            pub fn f(x: &[f64]) -> f64 { let s = "std::fs::read unsafe include_str!"; x.iter().sum::<f64>() + s.len() as f64 }
            #[derive(Debug)] #[inline] #[allow(dead_code)] struct A;
        "#;
        assert!(rules(src).is_empty(), "{:?}", scan("f.rs", src, &GatePolicy::default()));
    }

    #[test]
    fn each_forbidden_thing_is_found_with_its_line() {
        let v = scan("f.rs", "fn a() {}\nfn b() { unsafe { } }\n", &GatePolicy::default());
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].rule, v[0].line), ("unsafe", 2));
        assert_eq!(rules("const S: &str = include_str!(\"../tests/x.rs\");"), ["forbidden-macro"]);
        assert_eq!(rules("#[path = \"/etc/passwd\"] mod m;"), ["forbidden-attribute"]);
        assert_eq!(rules("extern \"C\" { fn getpid() -> i32; }"), ["ffi"]);
        assert_eq!(rules("fn f() { std::process::exit(0) }"), ["forbidden-api"]);
        assert_eq!(rules("use std::{fs, io};"), ["forbidden-api"]);
        assert_eq!(rules("use ::std::net::TcpStream;"), ["forbidden-api"]);
        // tokio's system modules are gated as std's are; its others are not.
        assert_eq!(rules("async fn f() { tokio::net::TcpStream::connect(\"1.1.1.1:80\").await; }"), ["forbidden-api"]);
        assert_eq!(rules("use tokio::{fs, sync::Mutex};"), ["forbidden-api"]);
        assert!(rules("use tokio::sync::watch; fn f() { tokio::spawn(async {}); }").is_empty());
        assert_eq!(rules("use std as s;"), ["std-alias"]);
        assert_eq!(rules("use std::*;"), ["std-alias"]);
        assert_eq!(rules("#[no_mangle] pub fn main() {}"), ["forbidden-attribute"]);
        assert_eq!(
            rules("#[cfg_attr(all(), link_section = \".init_array\")] static X: u8 = 0;"),
            ["forbidden-attribute"]
        );
        assert_eq!(rules("macro_rules! m { () => { std::env::var(\"CI\") } }"), ["forbidden-api"]);
        assert_eq!(rules("fn f() -> bool { option_env!(\"CI\").is_some() }"), ["forbidden-macro"]);
    }

    #[test]
    fn an_exercise_allowance_holds_in_its_file_only() {
        let p = GatePolicy { allow: Vec::new(), files: vec![("ex/src/registry.rs".into(), vec!["fs".into()])] };
        let code = "use std::fs;\nfn f() { let _ = fs::read(\"x\"); let _ = std::env::args(); }";
        let rules = |file: &str| -> Vec<&str> { scan(file, code, &p.for_file(file)).iter().map(|v| v.rule).collect() };
        assert_eq!(rules("ex/src/registry.rs"), ["forbidden-api"], "env stays forbidden");
        assert_eq!(rules("ex/src/other.rs"), ["forbidden-api", "forbidden-api"]);
        assert_eq!(rules("ex/src/registry.rs.bak"), ["forbidden-api", "forbidden-api"]);
    }

    #[test]
    fn allowed_modules_pass() {
        let p = GatePolicy { allow: vec!["net".into()], ..Default::default() };
        assert!(scan("f.rs", "use std::net::TcpListener;", &p).is_empty());
        assert_eq!(scan("f.rs", "use std::fs::File;", &p).len(), 1);
    }

    #[test]
    fn paths_are_read_as_rust_reads_them() {
        // Use trees at any depth, `self`, renames, globs, a leading `::`, the three roots.
        assert_eq!(rules("use std::{self as s};\nfn f() { let _ = s::fs::read(\"/etc/hostname\"); }"), ["std-alias"]);
        assert_eq!(rules("use std::{{self as s}};"), ["std-alias"]);
        assert_eq!(rules("use ::core as c;"), ["std-alias"]);
        assert_eq!(rules("pub use alloc as a;"), ["std-alias"]);
        assert_eq!(rules("use ::{std as s};"), ["std-alias"]);
        assert_eq!(rules("use core::*;"), ["std-alias"]);
        assert_eq!(rules("use std::{io, {fs as f}};"), ["forbidden-api"]);
        assert_eq!(rules("use core::{arch::{x86_64 as a}, fmt};"), ["forbidden-api"]);
        assert_eq!(rules("use std::{io::{self, Read}, os::unix::*};"), ["forbidden-api"]);
        assert_eq!(rules("use std::{env::{self as e}};"), ["forbidden-api"]);
        // Paths anywhere in the syntax tree: types, patterns, impls, attributes, through an import.
        assert_eq!(rules("fn f() -> Option<std::process::Child> { None }"), ["forbidden-api"]);
        assert_eq!(rules("fn f(x: Vec<::core::intrinsics::X>) {}"), ["forbidden-api"]);
        assert_eq!(rules("fn f(e: E) { if let std::env::VarError::NotPresent = e {} }"), ["forbidden-api"]);
        assert_eq!(rules("impl std::os::unix::process::CommandExt for X {}"), ["forbidden-api"]);
        assert_eq!(rules("#[std::env::var] fn f() {}"), ["forbidden-api"]);
        assert_eq!(rules("use std;\nfn f() { crate::std::env::args(); }"), ["forbidden-api"]);
        assert_eq!(rules("fn f() { <std::fs::File>::open(\"x\"); }"), ["forbidden-api"]);
        let v = scan(
            "f.rs",
            "use std::io;\nuse std::{\n    collections::HashMap,\n    net::TcpStream,\n};",
            &GatePolicy::default(),
        );
        assert_eq!((v.len(), v[0].line), (1, 2), "{v:?}");
        // Honest paths pass.
        let honest = "use std::{collections::{HashMap, BTreeMap as M}, io::{self, Write as _}, fmt};\n\
                      use core::f64::consts::PI;\nuse std::{self};\n\
                      fn f(m: &M<u8, u8>) -> f64 { let h: HashMap<u8, u8> = HashMap::new(); PI + h.len() as f64 }";
        assert!(rules(honest).is_empty(), "{:?}", scan("f.rs", honest, &GatePolicy::default()));
    }

    #[test]
    fn macro_tokens_are_read_conservatively() {
        // A path built from a macro's arguments.
        assert_eq!(
            rules("macro_rules! m { ($r:ident) => { $r::fs::read(\"x\") }; }\nfn f() { m!(std); }"),
            ["forbidden-api"]
        );
        assert_eq!(rules("macro_rules! m { ($r:ident, $m:ident) => { $r::$m::read(\"x\") }; }"), ["forbidden-api"]);
        assert_eq!(rules("macro_rules! m { ($m:ident) => { ::std::$m::read(\"x\") }; }"), ["forbidden-api"]);
        assert_eq!(rules("macro_rules! m { ($r:ident) => { $r::{fs::read}(\"x\") }; }"), ["forbidden-api"]);
        assert_eq!(rules("macro_rules! m { ($r:ident) => { use $r as s; }; }"), ["forbidden-api"]);
        assert_eq!(rules("macro_rules! m { ($r:ident) => { use {$r::*}; }; }"), ["forbidden-api"]);
        // A root and a system module passed separately.
        assert_eq!(rules("fn f() { m!(std, fs); }"), ["forbidden-api"]);
        assert_eq!(rules("fn f() { m!(core, [x, arch]); }"), ["forbidden-api"]);
        // Renames and globs of a root, and system modules, in any macro's tokens.
        assert_eq!(rules("fn f() { m!(::std::{self as s}); }"), ["std-alias"]);
        assert_eq!(rules("m! { use std as s; }"), ["std-alias"]);
        assert_eq!(rules("m! { use std::*; }"), ["std-alias"]);
        assert_eq!(rules("fn f() { println!(\"{:?}\", std::env::args()); }"), ["forbidden-api"]);
        assert_eq!(rules("m! { use alloc::{fs}; }"), ["forbidden-api"]);
        assert_eq!(rules("#[cfg_attr(all(), doc = std::env::args())] fn f() {}"), ["forbidden-api"]);
        // Honest macros pass.
        let honest = "macro_rules! sq { ($x:expr) => { ($x as f64) * ($x as f64) }; }\n\
                      macro_rules! make { ($t:ident) => { $t::new() }; }\n\
                      fn f() { let v = vec![1.0, std::f64::consts::PI]; let s = make!(String);\n\
                      println!(\"{} {} {}\", sq!(2), v.len(), s); assert!(v[0] < std::f64::MAX, \"{}\", std::f64::EPSILON); }";
        assert!(rules(honest).is_empty(), "{:?}", scan("f.rs", honest, &GatePolicy::default()));
        let p = GatePolicy { allow: vec!["net".into()], ..Default::default() };
        assert!(scan("f.rs", "fn f() { m!(std, net); n!(std::net::TcpStream); }", &p).is_empty());
    }

    #[test]
    fn a_file_that_does_not_parse_is_refused_with_its_line() {
        let v = scan("f.rs", "fn f() {\n    let = 3;\n}\n", &GatePolicy::default());
        assert_eq!((v.len(), v[0].rule, v[0].line), (1, "unparseable", 2), "{v:?}");
        let v = scan("f.rs", "fn f() {\n    let s = \"open;\n}\n", &GatePolicy::default());
        assert_eq!(v[0].rule, "unparseable");
    }

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn course() -> &'static crate::manifest::Course {
        static C: std::sync::OnceLock<crate::manifest::Course> = std::sync::OnceLock::new();
        C.get_or_init(|| crate::manifest::Course::load(&root(), &grader_suites::all()).expect("the manifest loads"))
    }

    #[test]
    fn every_stub_and_solution_passes_the_gate() {
        let mut scanned = 0;
        for top in ["exercises", "solutions", "projects"] {
            let Ok(crates) = std::fs::read_dir(root().join(top)) else { continue };
            for krate in crates.flatten() {
                // Its stage's exercises may allow a system module in their own files.
                let dir = format!("{top}/{}", krate.file_name().to_string_lossy());
                let stage = course().stages.iter().find(|s| s.student_dir == dir || s.solution_dir == dir);
                let policy = stage
                    .map_or_else(GatePolicy::default, |s| GatePolicy::default().with_exercises(&dir, &s.exercises));
                for f in crate_sources(&krate.path()) {
                    let v = scan(&f.path, &f.text, &policy.for_file(&format!("{dir}/{}", f.path)));
                    assert!(v.is_empty(), "{}/{}: {v:#?}", krate.path().display(), f.path);
                    assert!(syn::parse_file(&f.text).is_ok());
                    scanned += 1;
                }
            }
        }
        assert!(scanned > 10, "only {scanned} files found");
    }

    /// A fixture of `tests/fixtures` assembled in memory as the harness assembles it on disk:
    /// the stage, the crate's files, the selection and what it expects.
    struct Fixture {
        stage: &'static crate::manifest::Stage,
        files: Vec<SourceFile>,
        selection: String,
        allow: Vec<String>,
        violations: Vec<String>,
        violation_file: Option<String>,
    }

    fn fixture(name: &str) -> Option<Fixture> {
        let path = root().join(format!("grader/engine/tests/fixtures/{name}.toml"));
        let t: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let s = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let list = |t: &toml::Table, k: &str| -> Vec<toml::Value> {
            t.get(k).and_then(|v| v.as_array()).cloned().unwrap_or_default()
        };
        let stage = course().stage(&s(&t, "stage").unwrap_or("stage1".into())).unwrap();
        let base = match s(&t, "base").as_deref() {
            Some("reference") => root().join(&stage.solution_dir),
            _ => root().join(&stage.student_dir),
        };
        if !base.is_dir() {
            return None; // the student edition has no reference solutions
        }
        let mut files = crate_sources(&base);
        for e in list(&t, "edit") {
            let e = e.as_table().unwrap();
            let (file, find) = (s(e, "file").unwrap(), s(e, "find").unwrap());
            // Edits of the build configuration are the intake's business.
            let Some(f) = files.iter_mut().find(|f| f.path == file) else { continue };
            let all = e.get("all").and_then(|v| v.as_bool()).unwrap_or(false);
            let n = f.text.matches(&find).count();
            assert!(if all { n > 0 } else { n == 1 }, "{name}: `{find}` in {file}: {n} times");
            f.text = match (s(e, "replace"), s(e, "insert_after")) {
                (Some(r), None) if all => f.text.replace(&find, &r),
                (Some(r), None) => f.text.replacen(&find, &r, 1),
                (None, Some(ins)) => f.text.replacen(&find, &format!("{find}\n{ins}"), 1),
                _ => panic!("{name}: an edit needs one of replace / insert_after"),
            };
        }
        for f in list(&t, "file") {
            let f = f.as_table().unwrap();
            let p = s(f, "path").unwrap();
            let Some(path) = p.strip_prefix(&format!("{}/", stage.student_dir)) else { continue };
            if path.starts_with("src/") && path.ends_with(".rs") {
                files.push(SourceFile { path: path.to_string(), text: s(f, "text").unwrap() });
            }
        }
        let expect = t["expect"].as_table().unwrap();
        Some(Fixture {
            stage,
            files,
            selection: s(&t, "selection").unwrap(),
            allow: list(&t, "allow").iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            violations: list(expect, "violations").iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            violation_file: s(expect, "violation_file"),
        })
    }

    /// Every fixture gets from the gate the verdict it declares: the rules it expects of the gate,
    /// and nothing at all where it tests something else (the sandbox, the intake, from scratch).
    #[test]
    fn gate_fixtures_are_refused_here_as_in_the_harness() {
        const GATE: [&str; 7] =
            ["unsafe", "ffi", "forbidden-macro", "forbidden-attribute", "forbidden-api", "std-alias", "unparseable"];
        let mut names: Vec<String> = std::fs::read_dir(root().join("grader/engine/tests/fixtures"))
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".toml").map(str::to_string))
            .collect();
        names.sort();
        for name in ["gate_nested_use", "gate_macro_path", "fork_bomb", "net_gate"] {
            assert!(names.iter().any(|n| n == name), "{name}");
        }
        for name in &names {
            let Some(fx) = fixture(name) else { continue };
            let policy = GatePolicy { allow: fx.allow.clone(), ..Default::default() }
                .with_exercises(&fx.stage.student_dir, &fx.stage.exercises);
            let v: Vec<Violation> = fx
                .files
                .iter()
                .flat_map(|f| {
                    let file = format!("{}/{}", fx.stage.student_dir, f.path);
                    scan(&file, &f.text, &policy.for_file(&file))
                })
                .collect();
            let wanted: Vec<&String> = fx.violations.iter().filter(|r| GATE.contains(&r.as_str())).collect();
            if wanted.is_empty() {
                assert!(v.is_empty(), "{name}: the gate refuses it: {v:#?}");
                continue;
            }
            for rule in wanted {
                assert!(v.iter().any(|x| x.rule == rule), "{name}: no `{rule}` in {v:#?}");
            }
            if let Some(file) = &fx.violation_file {
                assert!(v.iter().any(|x| &x.file == file), "{name}: nothing in {file}: {v:#?}");
            }
        }
    }

    #[test]
    fn from_scratch_fixtures_are_found_here_as_in_the_harness() {
        for name in ["scratch_macro", "scratch_helper", "not_from_scratch", "not_from_scratch_import"] {
            let Some(fx) = fixture(name) else { continue };
            let selected = course().select(&fx.selection);
            assert!(!selected.is_empty(), "{name}");
            // The gate lets them through: only the from-scratch check refuses them.
            for f in &fx.files {
                assert!(scan(&f.path, &f.text, &GatePolicy::default()).is_empty(), "{name}: {}", f.path);
            }
            let found = from_scratch(&fx.files, &fx.stage.exercises, &selected);
            for ex in &selected {
                let v = found.get(&ex.id).unwrap_or_else(|| panic!("{name}: {} not refused", ex.id));
                assert!(v.iter().all(|x| x.rule == "from-scratch" && x.line > 0), "{v:#?}");
                if let Some(file) = &fx.violation_file {
                    let shown = |x: &Violation| format!("{}/{}", fx.stage.student_dir, x.file);
                    assert!(v.iter().any(|x| &shown(x) == file), "{name}: nothing in {file}: {v:#?}");
                }
            }
            if name == "scratch_helper" {
                let v = &found["stage3.backprop.mse"];
                assert!(
                    v.iter().all(|x| x.message.contains("through helper `mse_and_grad` in src/helpers.rs")),
                    "{v:#?}"
                );
                assert_eq!(v.len(), 2, "`Var` and `.backward`: {v:#?}");
            }
        }
    }

    #[test]
    fn honest_code_is_written_from_scratch() {
        for stage in &course().stages {
            let all: Vec<&crate::manifest::Exercise> = stage.exercises.iter().collect();
            for dir in [&stage.solution_dir, &stage.student_dir] {
                let files = crate_sources(&root().join(dir));
                let found = from_scratch(&files, &stage.exercises, &all);
                assert!(found.is_empty(), "{dir}: {found:#?}");
            }
        }
    }

    /// The reference's Stage 3 crate with `mse_loss_grad`'s computation replaced by `body` and
    /// `extra` added as `src/helpers.rs`: what the from-scratch check finds against it.
    fn scratch(body: &str, extra: &str) -> Option<Vec<Violation>> {
        let stage = course().stage("stage3").unwrap();
        let mut files = crate_sources(&root().join(&stage.solution_dir));
        if files.is_empty() {
            return None;
        }
        let f = files.iter_mut().find(|f| f.path == "src/backprop.rs").unwrap();
        let find = "    let diff = (pred - target)?;";
        assert_eq!(f.text.matches(find).count(), 1);
        f.text = f.text.replacen(find, &format!("{body}\n{find}"), 1);
        files.push(SourceFile { path: "src/helpers.rs".into(), text: extra.into() });
        let selected = course().select("stage3.backprop.mse");
        let mut found = from_scratch(&files, &stage.exercises, &selected);
        Some(found.remove("stage3.backprop.mse").unwrap_or_default())
    }

    /// As [`scratch`], with `item` appended to the file `file` of the crate.
    fn scratch_in(file: &str, item: &str, body: &str, extra: &str) -> Option<Vec<Violation>> {
        let stage = course().stage("stage3").unwrap();
        let mut files = crate_sources(&root().join(&stage.solution_dir));
        if files.is_empty() {
            return None;
        }
        files.iter_mut().find(|f| f.path == file).unwrap().text.push_str(&format!("\n{item}\n"));
        let f = files.iter_mut().find(|f| f.path == "src/backprop.rs").unwrap();
        let find = "    let diff = (pred - target)?;";
        f.text = f.text.replacen(find, &format!("{body}\n{find}"), 1);
        files.push(SourceFile { path: "src/helpers.rs".into(), text: extra.into() });
        let selected = course().select("stage3.backprop.mse");
        let mut found = from_scratch(&files, &stage.exercises, &selected);
        Some(found.remove("stage3.backprop.mse").unwrap_or_default())
    }

    #[test]
    fn from_scratch_follows_what_the_exercise_reaches() {
        let cases = [
            // A renamed import of a helper.
            ("    let _ = h(pred);", "use candle_core::Tensor;\npub fn g(t: &Tensor) { let _ = t.backward(); }", "`.backward`"),
            // A method of a type of one's own, called by name.
            ("    let _ = crate::helpers::A.go(pred);", "pub struct A;\nimpl A { pub fn go(&self, t: &candle_core::Tensor) { let _ = t.backward(); } }", "`.backward`"),
            // A `Drop` that runs unnamed.
            ("    let _g = crate::helpers::Guard(pred.clone());", "pub struct Guard(pub candle_core::Tensor);\nimpl Drop for Guard { fn drop(&mut self) { let _ = self.0.backward(); } }", "impl Drop for Guard"),
            // A type alias of a forbidden type.
            ("    let _v = crate::helpers::W::from_tensor(pred)?;", "pub type W = candle_core::Var;", "`Var`"),
            // An import that renames a forbidden type.
            ("    let _v = crate::helpers::V::from_tensor(pred)?;", "pub use candle_core::Var as V;", "use candle_core::Var as V"),
            // A function defined by a macro.
            ("    crate::helpers::sneaky(pred)?;", "macro_rules! def { ($n:ident) => { pub fn $n(t: &candle_core::Tensor) -> candle_core::Result<()> { t.backward().map(|_| ()) } }; }\ndef!(sneaky);", "def!"),
            // A trait impl made by a macro invoked in the body of a function nobody calls.
            ("    let _g = crate::helpers::Quiet(pred.clone());", "pub struct Quiet(pub candle_core::Tensor);\nmacro_rules! on_drop { ($t:ident) => { impl Drop for $t { fn drop(&mut self) { let _ = self.0.backward(); } } }; }\nfn never() { on_drop!(Quiet); }", "on_drop!"),
            // A function passed as a value, then a macro of another file with the method's bare name.
            ("    let f = crate::helpers::k; f(pred);", "macro_rules! call { ($x:expr, $m:ident) => { $x.$m() }; }\npub fn k(t: &candle_core::Tensor) { let _ = call!(t, backward); }", "`.backward`"),
        ];
        for (body, extra, says) in cases {
            let body = if body.contains("h(pred)") {
                format!("    use crate::helpers::g as h;\n{body}")
            } else {
                body.to_string()
            };
            let Some(v) = scratch(&body, extra) else { return };
            assert!(!v.is_empty(), "not found: {body} / {extra}");
            assert!(v.iter().any(|x| x.message.contains(says) && x.file == "src/helpers.rs"), "{says}: {v:#?}");
        }
        // The honest crate, and an honest helper of another file, are not refused.
        for body in ["", "    let _ = crate::helpers::twice(1.0);"] {
            let v = scratch(body, "pub fn twice(x: f64) -> f64 { 2.0 * x }");
            assert!(v.as_ref().is_none_or(|v| v.is_empty()), "{v:#?}");
        }
        // `Tensor::new` is candle's, not every `new` of the crate: a constructor of one's own type
        // that uses what the exercise forbids is not reached through it.
        let own_new = "pub struct Mk;\nimpl Mk { pub fn new(t: &candle_core::Tensor) { let _ = t.backward(); } }";
        let v = scratch("    let _ = Tensor::new(&[1f64], &candle_core::Device::Cpu);", own_new);
        assert!(v.as_ref().is_none_or(|v| v.is_empty()), "{v:#?}");
        // But a name the crate makes its own, or a method it adds to candle's type, still is.
        let attacks = [
            ("    use crate::helpers::Mk as Tensor;\n    let _ = Tensor::new(pred);", own_new),
            (
                "    use crate::helpers::Make;\n    let _ = Tensor::new(pred);",
                "pub trait Make { fn new(t: &candle_core::Tensor) { let _ = t.backward(); } }\nimpl Make for candle_core::Tensor {}",
            ),
            (
                "    let _ = Tensor::new(pred);",
                "pub trait Make { fn new(t: &candle_core::Tensor); }\nimpl<T> Make for T { fn new(t: &candle_core::Tensor) { let _ = t.backward(); } }",
            ),
            (
                "    let _ = Tensor::made(pred);",
                "pub trait Made { fn made(t: &candle_core::Tensor); }\nimpl Made for candle_core::Tensor { fn made(t: &candle_core::Tensor) { let _ = t.backward(); } }",
            ),
        ];
        // A type of the exercise's own file is not another file's import of the same name...
        let v = scratch_in(
            "src/backprop.rs",
            "pub struct Linear;\npub fn uses_it(_: &Linear) {}",
            "    crate::backprop::uses_it(&Linear);",
            "use candle_nn::Linear as _Unused;\npub use candle_nn::Linear;",
        );
        assert!(v.as_ref().is_none_or(|v| v.is_empty()), "{v:#?}");
        // ...but a file that imports the forbidden name itself, in a block, is followed.
        let v = scratch_in(
            "src/backprop.rs",
            "pub fn sneaky() { use candle_core::Var as Linear; let _ = Linear::zeros(1, candle_core::DType::F32, &candle_core::Device::Cpu); }",
            "    sneaky();",
            "",
        );
        assert!(
            v.is_none_or(|v| v.iter().any(|x| x.message.contains("`Var`"))),
            "a block's own import was not followed"
        );
        for (body, extra) in attacks {
            let Some(v) = scratch(body, extra) else { return };
            assert!(v.iter().any(|x| x.message.contains("`.backward`")), "not found: {body} / {extra}: {v:#?}");
        }
    }
}
