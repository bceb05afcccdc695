//! Public tests for `stage6::container`: `cargo test -p stage6 --test container`.

use stage6::container::{self, Finding};

#[test]
fn a_good_dockerfile_has_no_findings() {
    let text = "FROM rust:1.83 AS build\nRUN cargo build --release\nFROM debian:12-slim\nCOPY --from=build /t /t\nUSER app\nHEALTHCHECK CMD [\"/t\", \"--check\"]\n";
    assert_eq!(container::lint(text), vec![]);
}

#[test]
fn a_naive_dockerfile_breaks_every_rule() {
    let text = "FROM python\nADD . /app\nCMD python serve.py\n";
    let rules: Vec<&str> = container::lint(text).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["no-healthcheck", "root-user", "single-stage", "unpinned-base", "add-local"]);
    assert_eq!(container::lint(""), vec![Finding { line: 1, rule: "no-from" }]);
}
