//! Pairs of submissions whose code is suspiciously alike, for the instructor to review (never a
//! penalty by itself).
//!
//! Each submission's `.rs` files are reduced to normalised tokens (comments and layout dropped,
//! every identifier `I`, every literal `L`, keywords and punctuation kept), so renaming
//! variables, reformatting or rewording comments changes nothing. Runs of `K` tokens are hashed
//! and winnowed (Schleimer, Wilkerson and Aiken, 2003: the minimum hash of every window of `W`
//! hashes), which keeps a fingerprint of every shared run of at least `K + W - 1` tokens.
//! Fingerprints of the course's starter code are removed first: every student shares those.

use crate::db::SourceFile;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Tokens per hashed run.
pub const K: usize = 12;
/// Window of the winnowing.
pub const W: usize = 8;
/// Submissions with fewer fingerprints than this (beyond the starter code) are not compared:
/// too little of their own code to say anything.
pub const MIN_FINGERPRINTS: usize = 10;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "dyn",
];

/// The normalised tokens of Rust source text.
pub fn tokens(src: &str) -> Vec<String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = b.len();
    while i < n {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && i + 1 < n && b[i + 1] == '/' {
            while i < n && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && i + 1 < n && b[i + 1] == '*' {
            let mut depth = 0;
            while i < n {
                if b[i] == '/' && i + 1 < n && b[i + 1] == '*' {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && i + 1 < n && b[i + 1] == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'b' || c == 'r') && i + 1 < n && (b[i + 1] == '"' || b[i + 1] == '#')) {
            // Strings, byte strings, raw strings.
            let mut j = i;
            if b[j] == 'b' {
                j += 1;
            }
            let raw = j < n && b[j] == 'r';
            if raw {
                j += 1;
            }
            let mut hashes = 0;
            while j < n && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            if j >= n || b[j] != '"' {
                // `r#ident` or a stray `b`: an identifier.
                out.push("I".into());
                i = j.max(i + 1);
                while i < n && (b[i].is_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                continue;
            }
            j += 1;
            while j < n {
                if !raw && b[j] == '\\' {
                    j += 2;
                    continue;
                }
                if b[j] == '"' && (0..hashes).all(|h| j + 1 + h < n && b[j + 1 + h] == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push("L".into());
            i = j;
        } else if c == '\'' {
            // A char literal ('a', '\n') or a lifetime ('a).
            if i + 2 < n && b[i + 1] == '\\' {
                let mut j = i + 2;
                while j < n && b[j] != '\'' {
                    j += 1;
                }
                out.push("L".into());
                i = j + 1;
            } else if i + 2 < n && b[i + 2] == '\'' {
                out.push("L".into());
                i += 3;
            } else {
                let mut j = i + 1;
                while j < n && (b[j].is_alphanumeric() || b[j] == '_') {
                    j += 1;
                }
                out.push("'I".into());
                i = j;
            }
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < n
                && (b[j].is_alphanumeric() || b[j] == '_' || (b[j] == '.' && j + 1 < n && b[j + 1].is_ascii_digit()))
            {
                j += 1;
            }
            out.push("L".into());
            i = j;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < n && (b[j].is_alphanumeric() || b[j] == '_') {
                j += 1;
            }
            let word: String = b[i..j].iter().collect();
            out.push(if KEYWORDS.contains(&word.as_str()) { word } else { "I".into() });
            i = j;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

fn hash_run(run: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in run {
        for byte in t.bytes().chain([0xff]) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The winnowed fingerprints of some source files.
pub fn fingerprints(files: &[SourceFile]) -> HashSet<u64> {
    let mut out = HashSet::new();
    for f in files {
        let t = tokens(&f.text);
        if t.len() < K {
            continue;
        }
        let hashes: Vec<u64> = t.windows(K).map(hash_run).collect();
        if hashes.len() <= W {
            out.extend(hashes.iter().min());
            continue;
        }
        for win in hashes.windows(W) {
            out.insert(*win.iter().min().expect("window is not empty"));
        }
    }
    out
}

/// One suspicious pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// Shared fingerprints over all fingerprints of the two (Jaccard), 0..=1.
    pub similarity: f64,
    /// Shared fingerprints over `a`'s, and over `b`'s: how much of each is in the other.
    pub a_in_b: f64,
    pub b_in_a: f64,
    pub shared: usize,
}

/// The class's similarity report.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarityReport {
    pub threshold: f64,
    pub compared: usize,
    /// Students with too little code of their own to compare.
    pub skipped: Vec<String>,
    /// Pairs at or above the threshold, most similar first.
    pub pairs: Vec<Pair>,
}

/// Compares every pair of `submissions`, after removing the fingerprints of `starter`.
pub fn compare(
    submissions: &BTreeMap<String, Vec<SourceFile>>,
    starter: &[SourceFile],
    threshold: f64,
) -> SimilarityReport {
    let ignore = fingerprints(starter);
    let mut prints: Vec<(&String, HashSet<u64>)> = Vec::new();
    let mut skipped = Vec::new();
    for (s, files) in submissions {
        let fp: HashSet<u64> = fingerprints(files).difference(&ignore).copied().collect();
        if fp.len() < MIN_FINGERPRINTS {
            skipped.push(s.clone());
        } else {
            prints.push((s, fp));
        }
    }
    // An inverted index keeps this near-linear for a class whose code mostly differs.
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, (_, fp)) in prints.iter().enumerate() {
        for h in fp {
            index.entry(*h).or_default().push(i);
        }
    }
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    for owners in index.values() {
        for (x, &i) in owners.iter().enumerate() {
            for &j in &owners[x + 1..] {
                *shared.entry((i, j)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<Pair> = shared
        .into_iter()
        .filter_map(|((i, j), common)| {
            let (na, nb) = (prints[i].1.len() as f64, prints[j].1.len() as f64);
            let c = common as f64;
            let similarity = c / (na + nb - c);
            (similarity >= threshold).then(|| Pair {
                a: prints[i].0.clone(),
                b: prints[j].0.clone(),
                similarity,
                a_in_b: c / na,
                b_in_a: c / nb,
                shared: common,
            })
        })
        .collect();
    pairs.sort_by(|x, y| y.similarity.total_cmp(&x.similarity).then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b))));
    SimilarityReport { threshold, compared: prints.len(), skipped, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<SourceFile> {
        vec![SourceFile { path: "lib.rs".into(), text: text.into() }]
    }

    const A: &str = r#"
        /// Sum of products.
        pub fn dot(a: &[f64], b: &[f64]) -> f64 {
            let mut total = 0.0;
            for i in 0..a.len() { total += a[i] * b[i]; }
            total
        }
        pub fn norm(v: &[f64]) -> f64 { dot(v, v).sqrt() }
        pub fn scale(v: &mut [f64], k: f64) { for x in v.iter_mut() { *x *= k; } }
        pub fn add(a: &[f64], b: &[f64]) -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x + y).collect() }
    "#;

    #[test]
    fn renaming_and_comments_do_not_hide_a_copy() {
        let renamed = A
            .replace("total", "acc")
            .replace("dot", "inner")
            .replace("/// Sum of products.", "// my own work, honest")
            .replace("    ", "\t");
        assert_eq!(tokens(A), tokens(&renamed));
        let other = r#"
            pub fn dot(a: &[f64], b: &[f64]) -> f64 { a.iter().zip(b.iter()).fold(0.0, |s, (x, y)| s + x * y) }
            pub fn norm(v: &[f64]) -> f64 { v.iter().map(|x| x * x).sum::<f64>().sqrt() }
            pub fn scale(v: &mut [f64], k: f64) { v.iter_mut().for_each(|x| *x = *x * k) }
            pub fn add(a: &[f64], b: &[f64]) -> Vec<f64> { let mut o = Vec::new(); for i in 0..a.len() { o.push(a[i] + b[i]); } o }
        "#;
        let mut subs = BTreeMap::new();
        subs.insert("ann".to_string(), file(A));
        subs.insert("ben".to_string(), file(&renamed));
        subs.insert("cat".to_string(), file(other));
        let r = compare(&subs, &[], 0.5);
        assert_eq!(r.pairs.len(), 1, "{:?}", r.pairs);
        assert_eq!((r.pairs[0].a.as_str(), r.pairs[0].b.as_str()), ("ann", "ben"));
        assert!(r.pairs[0].similarity > 0.99);
        // The starter code removed, two students who only kept it share nothing.
        let mut subs = BTreeMap::new();
        subs.insert("x".to_string(), file(A));
        subs.insert("y".to_string(), file(A));
        let r = compare(&subs, &file(A), 0.5);
        assert!(r.pairs.is_empty() && r.skipped.len() == 2);
    }

    #[test]
    fn literals_lifetimes_and_raw_strings() {
        let t = tokens(r##"fn f<'a>(x: &'a str) -> char { let s = r#"a "quoted" b"#; 'c' } // 1.5"##);
        assert!(t.contains(&"'I".to_string()));
        assert_eq!(t.iter().filter(|x| *x == "L").count(), 2);
    }
}
