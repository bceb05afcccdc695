//! Hidden suites for `stage6::container`: findings (line and rule) compared exactly, on a good
//! production Dockerfile, each rule broken alone, the parsing's corners (continuations with
//! comments, lower-case keywords, flags, registries with ports, digests, stage names), and
//! Dockerfiles assembled at random from good and bad lines.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.container.lint", cases, exact)]
}

const GOOD: &str = "# The model service, built and run in two stages.
FROM rust:1.83-slim AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \\
    && strip target/release/serve

FROM debian:12.8-slim
RUN useradd --system --uid 10001 model
COPY --from=build /src/target/release/serve /usr/local/bin/serve
COPY models/ /models/
USER model
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s CMD [\"/usr/local/bin/serve\", \"--check\"]
ENTRYPOINT [\"/usr/local/bin/serve\"]
";

fn case(label: &str, text: &str) -> Case {
    Case::new(label, Value::Text(text.to_string()))
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        case("a production Dockerfile: no findings", GOOD),
        case("an empty file", ""),
        case("comments only", "# nothing here\n\n# still nothing\n"),
        case("a base image without a tag", &GOOD.replace("FROM debian:12.8-slim", "FROM debian")),
        case("the latest tag", &GOOD.replace("FROM rust:1.83-slim AS build", "FROM rust:latest AS build")),
        case("a digest pins the image", &GOOD.replace("FROM debian:12.8-slim", "FROM debian@sha256:0123456789abcdef")),
        case(
            "a registry's port is not a tag",
            &GOOD.replace("FROM debian:12.8-slim", "FROM registry.example.com:5000/debian"),
        ),
        case("a platform flag before the image", &GOOD.replace("FROM debian:12.8-slim", "FROM --platform=linux/amd64 debian:12.8-slim")),
        case(
            "one stage: compilers in the final image",
            "FROM rust:1.83\nCOPY . .\nRUN cargo build --release\nUSER 1000\nHEALTHCHECK CMD curl -f http://localhost/health\n",
        ),
        case("no USER: runs as root", &GOOD.replace("USER model\n", "")),
        case("USER root at the end", &GOOD.replace("USER model\n", "USER model\nRUN true\nUSER root:root\n")),
        case("USER 0", &GOOD.replace("USER model", "USER 0")),
        case("a USER only in the build stage does not count", &GOOD.replace("WORKDIR /src", "WORKDIR /src\nUSER builder").replace("USER model\n", "")),
        case("no health check", &GOOD.replace("HEALTHCHECK --interval=10s --timeout=2s CMD [\"/usr/local/bin/serve\", \"--check\"]\n", "")),
        case("a last HEALTHCHECK NONE turns the check off", &GOOD.replace("ENTRYPOINT", "HEALTHCHECK none\nENTRYPOINT")),
        case("ADD of a local directory", &GOOD.replace("COPY models/ /models/", "ADD models/ /models/")),
        case("ADD of a URL is not local", &GOOD.replace("COPY models/ /models/", "ADD --chown=model https://example.com/model.safetensors /models/")),
        case("ADD of a URL and a local file", &GOOD.replace("COPY models/ /models/", "ADD https://example.com/a.bin local.bin /models/")),
        case(
            "lower-case keywords, and a continuation with a comment and a blank line inside",
            "from rust:1.83 as build\nrun cargo build \\\n# a comment inside\n\n    --release\nfrom build\nuser app\nhealthcheck cmd true\n",
        ),
        case(
            "a USER split by a comment and a blank line: still USER root",
            "FROM rust:1.83 AS b\nFROM debian:12\nUSER \\\n# who runs it\n\n    root\nHEALTHCHECK CMD true\n",
        ),
        case("FROM scratch is pinned", "FROM rust:1.83 AS b\nFROM scratch\nCOPY --from=b /x /x\nUSER 65534\nHEALTHCHECK CMD [\"/x\", \"check\"]\n"),
        case("a stage name in another case", "FROM rust:1.83 AS Builder\nFROM builder\nUSER app\nHEALTHCHECK CMD true\n"),
        case("everything wrong at once", "FROM python\nADD . /app\nRUN pip install -r requirements.txt\nCMD [\"python\", \"serve.py\"]\n"),
        case("an empty tag and an empty FROM", "FROM rust:\nFROM\n"),
        case("a file ending inside a continuation", "FROM rust:1.83 AS a\nFROM debian:12\nUSER app\nHEALTHCHECK CMD true \\\n"),
    ];
    let lines = [
        "FROM rust:1.83 AS build",
        "FROM debian:12-slim",
        "FROM ubuntu",
        "FROM node:latest",
        "FROM build",
        "USER app",
        "USER root",
        "USER 0:0",
        "HEALTHCHECK CMD true",
        "HEALTHCHECK NONE",
        "ADD app.tar.gz /app",
        "ADD https://example.com/m.bin /m",
        "COPY . .",
        "RUN make \\\n    all",
        "# a comment",
        "",
    ];
    for k in 0..4 {
        let n = g.size(3, 25);
        let text: Vec<&str> = (0..n).map(|_| lines[g.size(0, lines.len() - 1)]).collect();
        cases.push(case(&format!("a random Dockerfile {} ({n} lines)", k + 1), &text.join("\n")));
    }
    cases
}
