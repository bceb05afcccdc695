//! Containerising a model service: a linter for the rules a production Dockerfile follows.
//!
//! No container engine runs on the grading machine, and none is needed to see what makes an
//! image fit for production: a **pinned base image** (a tag or a digest, never `latest`: the
//! same Dockerfile must build the same image next month), a **multi-stage build** (compilers and
//! sources stay in the build stage; the final image holds the binary and the model), a
//! **non-root user** (a compromised process must not own the container), a **health check**
//! (the orchestrator must know when to restart it), and `COPY` rather than `ADD` for local files
//! (`ADD` also unpacks archives and fetches URLs). These are the checks of linters such as
//! hadolint; [`lint`] applies them.

/// One problem: the line it is reported at (1-based, the first line of an instruction that
/// continues with `\`) and the rule's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub line: usize,
    pub rule: &'static str,
}

/// One instruction: its first line, its keyword in upper case, its arguments.
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (start, mut acc) = current.take().unwrap_or((i + 1, String::new()));
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        if !acc.is_empty() {
            acc.push(' ');
        }
        acc.push_str(body.trim());
        if continues {
            current = Some((start, acc));
        } else {
            out.push(split(start, &acc));
        }
    }
    if let Some((start, acc)) = current {
        out.push(split(start, &acc));
    }
    out
}

fn split(line: usize, text: &str) -> Instruction {
    let mut parts = text.splitn(2, char::is_whitespace);
    let keyword = parts.next().unwrap_or("").to_ascii_uppercase();
    Instruction { line, keyword, args: parts.next().unwrap_or("").trim().to_string() }
}

/// The problems of a Dockerfile, sorted by line, then by rule name.
///
/// Reading: lines are trimmed; blank lines and lines starting with `#` are skipped (also inside
/// a continued instruction); a line ending with `\` continues on the next. An instruction's
/// keyword is its first word, in any case; the rest are its arguments.
///
/// Rules (the stage an instruction belongs to starts at the last `FROM` before it):
///
/// - `no-from` (line 1): no `FROM` at all. Nothing else is checked then.
/// - `unpinned-base` (at the `FROM`): the image — the first argument not starting with `--` —
///   has no tag and no digest (`rust`), or its tag is `latest` (`rust:latest`). A tag is what
///   follows the last `:` after the last `/` (`registry:5000/rust` has none); a digest is
///   `@sha256:...`. Not a finding: `scratch`, and the name of an earlier stage (`FROM build`
///   after `FROM rust:1.83 AS build`; stage names compare case-insensitively).
/// - `single-stage` (at the first `FROM`): fewer than two `FROM`s.
/// - `root-user`: the final stage has no `USER` (reported at its `FROM`), or its last `USER` is
///   `root` or `0`, alone or with a group (`root:root`, `0:0`; reported at that `USER`).
/// - `no-healthcheck` (at the final stage's `FROM`): the final stage has no `HEALTHCHECK`, or
///   its last one is `HEALTHCHECK NONE`.
/// - `add-local` (at the `ADD`): an `ADD` whose sources are not all URLs (`http://`,
///   `https://`); flags (`--chown=...`) are not sources, and the last argument is the
///   destination.
pub fn lint(dockerfile: &str) -> Vec<Finding> {
    let ins = instructions(dockerfile);
    let froms: Vec<&Instruction> = ins.iter().filter(|i| i.keyword == "FROM").collect();
    if froms.is_empty() {
        return vec![Finding { line: 1, rule: "no-from" }];
    }
    let mut found = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    for f in &froms {
        let words: Vec<&str> = f.args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
        let image = words.first().copied().unwrap_or("");
        let lower = image.to_ascii_lowercase();
        let pinned = lower == "scratch" || stages.contains(&lower) || image.contains("@sha256:") || {
            let name = image.rsplit('/').next().unwrap_or(image);
            matches!(name.rsplit_once(':'), Some((_, tag)) if !tag.is_empty() && tag != "latest")
        };
        if !pinned {
            found.push(Finding { line: f.line, rule: "unpinned-base" });
        }
        if words.len() >= 3 && words[1].eq_ignore_ascii_case("as") {
            stages.push(words[2].to_ascii_lowercase());
        }
    }
    if froms.len() < 2 {
        found.push(Finding { line: froms[0].line, rule: "single-stage" });
    }
    let last_from = froms[froms.len() - 1];
    let final_stage: Vec<&Instruction> = ins.iter().filter(|i| i.line > last_from.line).collect();
    match final_stage.iter().rev().find(|i| i.keyword == "USER") {
        None => found.push(Finding { line: last_from.line, rule: "root-user" }),
        Some(u) => {
            let user = u.args.split(':').next().unwrap_or("").trim();
            if user == "root" || user == "0" {
                found.push(Finding { line: u.line, rule: "root-user" });
            }
        }
    }
    match final_stage.iter().rev().find(|i| i.keyword == "HEALTHCHECK") {
        Some(h) if !h.args.trim().eq_ignore_ascii_case("none") => {}
        _ => found.push(Finding { line: last_from.line, rule: "no-healthcheck" }),
    }
    for a in ins.iter().filter(|i| i.keyword == "ADD") {
        let words: Vec<&str> = a.args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
        let sources = &words[..words.len().saturating_sub(1)];
        if sources.is_empty() || sources.iter().any(|s| !(s.starts_with("http://") || s.starts_with("https://"))) {
            found.push(Finding { line: a.line, rule: "add-local" });
        }
    }
    found.sort();
    found
}
