//! `final.<task>.deploy`: the crate's `Dockerfile`, read as text (nothing is built or run), one
//! property per case: several stages with the binary copied out of the build stage, a non-root
//! user in the final stage, a health check, every base image pinned by digest.

use grader_protocol::Value;
use grader_suite_api::suite::{Case, CheckCtx, Failure, Gen};

const PROPERTIES: [&str; 4] = ["multi-stage", "non-root", "health check", "pinned base images"];

pub(crate) fn cases(_: &mut Gen) -> Vec<Case> {
    PROPERTIES.iter().map(|p| Case::new(*p, Value::Text(p.to_string()))).collect()
}

/// One instruction: its keyword (upper case) and its arguments, continuation lines joined.
struct Instruction {
    keyword: String,
    args: String,
    line: usize,
}

fn parse(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if current.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if current.is_empty() {
            start = i + 1;
        }
        if let Some(body) = t.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        if !t.starts_with('#') {
            current.push_str(t);
        }
        let (k, a) = current.trim().split_once(char::is_whitespace).unwrap_or((current.trim(), ""));
        out.push(Instruction { keyword: k.to_ascii_uppercase(), args: a.trim().to_string(), line: start });
        current.clear();
    }
    out
}

/// `image[:tag][@digest] [AS name]` of a FROM (options such as `--platform` skipped).
fn from_parts(args: &str) -> (String, Option<String>) {
    let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    let image = words.first().copied().unwrap_or("").to_string();
    let alias = match words.as_slice() {
        [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (image, alias)
}

fn pinned(image: &str) -> bool {
    image.split_once("@sha256:").is_some_and(|(_, d)| d.len() == 64 && d.chars().all(|c| c.is_ascii_hexdigit()))
}

pub(crate) fn check(ctx: &CheckCtx) -> Result<(), Failure> {
    let property = match ctx.input {
        Value::Text(p) => p.as_str(),
        _ => panic!("suite: a property's name"),
    };
    let Value::List(files) = ctx.got else { panic!("suite: the static files") };
    let Some(Value::Text(text)) = files.first() else {
        return Err(Failure::plain(
            "no readable `Dockerfile` at the project's root (a regular file of at most 256 KiB)",
        ));
    };
    let ins = parse(text);
    let froms: Vec<&Instruction> = ins.iter().filter(|i| i.keyword == "FROM").collect();
    let Some(last_from) = ins.iter().rposition(|i| i.keyword == "FROM") else {
        return Err(Failure::plain("the Dockerfile has no FROM instruction"));
    };
    let last_stage = &ins[last_from..];
    match property {
        "multi-stage" => {
            let copies_from = last_stage.iter().any(|i| i.keyword == "COPY" && i.args.contains("--from="));
            if froms.len() < 2 || !copies_from {
                return Err(Failure::plain(format!(
                    "{} stage(s), and the last one {} `COPY --from=`: build in one stage and copy only the binary into \
                     a slim final stage (the compiler and the sources stay out of the image)",
                    froms.len(),
                    if copies_from { "has" } else { "has no" }
                )));
            }
        }
        "non-root" => {
            let user = last_stage.iter().rev().find(|i| i.keyword == "USER").map(|i| i.args.trim().to_string());
            let root = |u: &str| {
                let name = u.split(':').next().unwrap_or("");
                name.is_empty() || name == "root" || name == "0"
            };
            match user {
                None => {
                    return Err(Failure::plain(
                        "the final stage has no USER: the service would run as root (add `USER 10001`, or a user you \
                         create)",
                    ))
                }
                Some(u) if root(&u) => {
                    return Err(Failure::plain(format!("the final stage's USER is `{u}`, which is root")));
                }
                Some(_) => {}
            }
        }
        "health check" => {
            let hc = ins.iter().rev().find(|i| i.keyword == "HEALTHCHECK");
            match hc {
                None => {
                    return Err(Failure::plain(
                        "no HEALTHCHECK: the container runtime cannot tell a hung service from a healthy one (ask the \
                         service's readiness)",
                    ))
                }
                Some(i) if i.args.trim().eq_ignore_ascii_case("none") => {
                    return Err(Failure::plain(format!("line {}: `HEALTHCHECK NONE` turns health checks off", i.line)));
                }
                Some(i) if !i.args.to_ascii_uppercase().contains("CMD") => {
                    return Err(Failure::plain(format!("line {}: a HEALTHCHECK needs a CMD", i.line)));
                }
                Some(_) => {}
            }
        }
        "pinned base images" => {
            let mut stages: Vec<String> = Vec::new();
            for f in &froms {
                let (image, alias) = from_parts(&f.args);
                let earlier = stages.contains(&image.to_ascii_lowercase()) || image == "scratch";
                if !earlier && !pinned(&image) {
                    return Err(Failure::plain(format!(
                        "line {}: `FROM {image}` is not pinned: name the image by digest (`{}@sha256:<64 hex digits>`) so \
                         that every build starts from the same bytes",
                        f.line,
                        image.split('@').next().unwrap_or(&image)
                    )));
                }
                stages.extend(alias);
            }
        }
        other => panic!("suite: unknown property {other}"),
    }
    Ok(())
}
