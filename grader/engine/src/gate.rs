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
