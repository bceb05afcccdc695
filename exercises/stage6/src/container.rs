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
    todo!()
}
