//! The static gate: what a submission's source may not contain, checked before anything builds.
//!
//! It works on tokens (comments and string literals are already gone), so it also sees inside
//! macro bodies, where a syntax-tree walk would not. It is a policy, not the last line of
//! defence: the sandbox (`sandbox`) holds even for code the gate lets through.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;

/// One thing the gate refused, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path relative to the submission, e.g. `exercises/stage1/src/linalg.rs`.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Short rule name: `unsafe`, `forbidden-macro`, `forbidden-attribute`, `ffi`, `forbidden-api`,
    /// `std-alias`, `build-config`, `unparseable`.
    pub rule: &'static str,
    pub message: String,
}

/// Standard-library modules that reach outside the process; an exercise may allow some.
pub const SYSTEM_MODULES: [&str; 7] = ["fs", "net", "process", "env", "os", "arch", "intrinsics"];

/// Which system modules an exercise may use (later stages' service exercises allow `net`).
#[derive(Debug, Clone, Default)]
pub struct GatePolicy {
    pub allow: Vec<String>,
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
/// candle_nn as nn;` is found), `.name` a method, called as `x.name(...)` or `Type::name(...)`.
/// Comments and strings are not code and are not searched. Like the rest of the gate it reads
/// one file's tokens: it does not follow a helper written in another file.
pub fn name_uses(text: &str, names: &[String]) -> Vec<NameUse> {
    fn walk(ts: TokenStream, prev: &mut Option<char>, found: &mut Vec<NameUse>, names: &[String]) {
        for t in ts {
            match &t {
                TokenTree::Group(g) => {
                    *prev = None;
                    walk(g.stream(), prev, found, names);
                    *prev = None;
                }
                TokenTree::Ident(i) => {
                    let id = i.to_string();
                    let id = id.strip_prefix("r#").unwrap_or(&id);
                    for n in names {
                        let hit = match n.strip_prefix('.') {
                            Some(m) => m == id && matches!(prev, Some('.') | Some(':')),
                            None => n == id,
                        };
                        if hit {
                            let at = i.span().start();
                            found.push(NameUse {
                                name: n.clone(),
                                line: at.line as u32,
                                column: at.column as u32 + 1,
                                byte: i.span().byte_range().start,
                            });
                        }
                    }
                    *prev = None;
                }
                TokenTree::Punct(p) => *prev = Some(p.as_char()),
                TokenTree::Literal(_) => *prev = None,
            }
        }
    }
    let Ok(ts) = TokenStream::from_str(text) else { return Vec::new() };
    let mut found = Vec::new();
    walk(ts, &mut None, &mut found, names);
    found
}

/// The text that a function occupies, located by tokens: from the `fn` keyword to the end
/// of the body, so doc comments and attributes stay. `name` may be `Type::method`.
pub fn function_span(text: &str, name: &str) -> Result<std::ops::Range<usize>, String> {
    let tokens = tokens(text)?;
    span_in(&tokens, name).ok_or_else(|| format!("no `fn {name}` found"))
}

/// [`function_span`] of each of `names`, the file parsed once; `None` where one is not found.
pub fn function_spans(text: &str, names: &[&str]) -> Result<Vec<Option<std::ops::Range<usize>>>, String> {
    let tokens = tokens(text)?;
    Ok(names.iter().map(|n| span_in(&tokens, n)).collect())
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
    match TokenStream::from_str(text) {
        Ok(ts) => walk(file, ts, policy, &mut out),
        Err(e) => {
            let at = e.span().start();
            out.push(Violation {
                file: file.to_string(),
                line: at.line as u32,
                column: at.column as u32 + 1,
                rule: "unparseable",
                message: format!("the file does not tokenize: {e}"),
            });
        }
    }
    out
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

fn walk(file: &str, ts: TokenStream, policy: &GatePolicy, out: &mut Vec<Violation>) {
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
                    "std" | "core" | "alloc" => {
                        // `std as x` renames the root and would hide later paths from the gate.
                        if ident_at(&tokens, i + 1).as_deref() == Some("as") {
                            out.push(v(t, "std-alias", format!("renaming `{name}` is not allowed")));
                        }
                        if path_sep_at(&tokens, i + 1) {
                            match tokens.get(i + 3) {
                                Some(TokenTree::Ident(m)) => {
                                    let m = m.to_string();
                                    if SYSTEM_MODULES.contains(&m.as_str()) && !policy.allow.contains(&m) {
                                        out.push(v(
                                            t,
                                            "forbidden-api",
                                            format!("`{name}::{m}` is not available in this exercise"),
                                        ));
                                    }
                                }
                                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                                    for inner in g.stream() {
                                        match &inner {
                                            TokenTree::Ident(m) => {
                                                let m = m.to_string();
                                                if (SYSTEM_MODULES.contains(&m.as_str()) && !policy.allow.contains(&m))
                                                    || m == "self"
                                                {
                                                    out.push(v(
                                                        &inner,
                                                        "forbidden-api",
                                                        format!("`{name}::{{{m}}}` is not available in this exercise"),
                                                    ));
                                                }
                                            }
                                            TokenTree::Punct(p) if p.as_char() == '*' => {
                                                out.push(v(
                                                    &inner,
                                                    "forbidden-api",
                                                    format!("a glob import of `{name}` is not allowed"),
                                                ));
                                            }
                                            _ => {}
                                        }
                                    }
                                }
                                Some(TokenTree::Punct(p)) if p.as_char() == '*' => {
                                    out.push(v(
                                        t,
                                        "forbidden-api",
                                        format!("a glob import of `{name}` is not allowed"),
                                    ));
                                }
                                _ => {}
                            }
                        }
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
                walk(file, g.stream(), policy, out);
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
        assert_eq!(rules("use std as s;"), ["std-alias"]);
        assert_eq!(rules("use std::*;"), ["forbidden-api"]);
        assert_eq!(rules("#[no_mangle] pub fn main() {}"), ["forbidden-attribute"]);
        assert_eq!(
            rules("#[cfg_attr(all(), link_section = \".init_array\")] static X: u8 = 0;"),
            ["forbidden-attribute"]
        );
        assert_eq!(rules("macro_rules! m { () => { std::env::var(\"CI\") } }"), ["forbidden-api"]);
        assert_eq!(rules("fn f() -> bool { option_env!(\"CI\").is_some() }"), ["forbidden-macro"]);
    }

    #[test]
    fn allowed_modules_pass() {
        let p = GatePolicy { allow: vec!["net".into()] };
        assert!(scan("f.rs", "use std::net::TcpListener;", &p).is_empty());
        assert_eq!(scan("f.rs", "use std::fs::File;", &p).len(), 1);
    }
}
