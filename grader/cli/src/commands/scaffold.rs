//! `grader dev new`: writes a new exercise (or a new stage) in the course's layout, so that no
//! list is kept in sync by hand.
//!
//! `grader dev new stage1.linalg.scaled_sum` writes, for an exercise in an existing module: the
//! stub with a doc-comment skeleton, its solution twin, its glue line, its hidden suite, its
//! manifest entry and a public test. For a module that does not exist yet it also writes the
//! module's files and registers them (`course.toml`, the crates' `lib.rs`, the glue's
//! `main.rs`, the suites' `lib.rs`, the solution's `[[test]]`). `grader dev new stage4` writes a
//! new stage: its four crates, its manifest entry, its README and the workspace and registry
//! entries. Every file it would edit is read first and every edit is planned before anything is
//! written, so a refusal leaves the checkout as it was. `grader dev check` and `cargo test` then
//! prove the result: the stub fails every case, and once the solution is written it passes.

use super::*;

#[derive(clap::Args, Debug)]
pub struct DevNewArgs {
    /// `stage.module.name` for an exercise, `stage` for a new stage.
    what: String,
    /// The exercise's title (default: from its name) or the stage's.
    #[arg(long)]
    title: Option<String>,
    /// Study-plan topic ids the exercise covers (default: the module's first exercise's, else
    /// the first topic of the stage in topics.tsv).
    #[arg(long, value_delimiter = ',')]
    topics: Vec<String>,
}

/// The files of one planned change: path (relative to the root) -> new content.
type Plan = BTreeMap<PathBuf, String>;

pub fn dev_new(root: &Path, a: DevNewArgs) -> Result<u8> {
    // Without the compiled-in suites: an exercise scaffolded a moment ago has none in this grader.
    let course = grader_engine::manifest::Course::load_for_authoring(root).context("invalid course manifest")?;
    let parts: Vec<&str> = a.what.split('.').collect();
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !parts.iter().all(|p| ident(p)) || !matches!(parts.len(), 1 | 3) {
        bail!("`{}`: expected `stage.module.name` (an exercise) or `stage` (a new stage), lowercase names", a.what);
    }
    let plan = if parts.len() == 1 {
        if course.stage(parts[0]).is_some() {
            bail!("stage `{}` exists already", parts[0]);
        }
        new_stage(root, parts[0], a.title.as_deref().unwrap_or("TODO: the stage's title"))?
    } else {
        let stage = course
            .stage(parts[0])
            .with_context(|| format!("no stage `{}`: create it first with `grader dev new {}`", parts[0], parts[0]))?;
        if course.exercise(&a.what).is_some() {
            bail!("exercise `{}` exists already", a.what);
        }
        new_exercise(root, &course, stage, parts[1], parts[2], &a)?
    };
    for (path, text) in &plan {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("a file in a folder"))?;
        std::fs::write(&full, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if parts.len() == 3 {
        println!(
            "next: fill in the doc comment and the hints, write the reference in {}/src/{}.rs, \
             then `grader dev check {}` (the stub must fail every case, the reference pass)",
            course.stage(parts[0]).expect("checked").solution_dir,
            parts[1],
            a.what
        );
    } else {
        println!("next: `grader dev new {}.MODULE.NAME` for its first exercise", parts[0]);
    }
    Ok(EXIT_PASSED)
}

fn read(root: &Path, plan: &Plan, path: &Path) -> Result<String> {
    if let Some(t) = plan.get(path) {
        return Ok(t.clone());
    }
    std::fs::read_to_string(root.join(path)).with_context(|| format!("cannot read {}", path.display()))
}

fn title_of(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// `text` with `insert` placed before the `close` that ends the first `open` block (`{`/`}` or
/// `[`/`]` counted from `open`'s last character).
fn insert_before_close(text: &str, open: &str, insert: &str, what: &Path) -> Result<String> {
    let start = text.find(open).with_context(|| format!("{}: no `{open}` to add to", what.display()))?;
    let (o, c) = match open.chars().last() {
        Some('[') => ('[', ']'),
        _ => ('{', '}'),
    };
    let mut depth = 0usize;
    for (i, ch) in text[start + open.len() - 1..].char_indices() {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth == 0 {
                let at = start + open.len() - 1 + i;
                // Keep the closing line's indentation: insert at the start of its line.
                let line_start = text[..at].rfind('\n').map_or(at, |n| n + 1);
                let at = if text[line_start..at].trim().is_empty() { line_start } else { at };
                return Ok(format!("{}{insert}{}", &text[..at], &text[at..]));
            }
        }
    }
    bail!("{}: `{open}` is not closed", what.display())
}

/// `pub mod m;` added to a `lib.rs`, in alphabetical order among the others.
fn add_mod(text: &str, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let prefix = if line.starts_with("pub ") { "pub mod " } else { "mod " };
    let at = lines
        .iter()
        .position(|l| l.starts_with(prefix) && *l > line)
        .or_else(|| lines.iter().rposition(|l| l.starts_with(prefix)).map(|i| i + 1))
        .unwrap_or(lines.len());
    lines.insert(at, line);
    lines.join("\n") + "\n"
}

fn new_exercise(
    root: &Path,
    course: &Course,
    stage: &grader_engine::manifest::Stage,
    module: &str,
    name: &str,
    a: &DevNewArgs,
) -> Result<Plan> {
    let mut plan = Plan::new();
    let id = format!("{}.{module}.{name}", stage.id);
    let krate = &stage.crate_dir;
    let title = a.title.clone().unwrap_or_else(|| title_of(name));
    let manifest = PathBuf::from(format!("grader/course/{}/{module}.toml", stage.id));
    let stub = PathBuf::from(&stage.student_dir).join(format!("src/{module}.rs"));
    let solution = PathBuf::from(&stage.solution_dir).join(format!("src/{module}.rs"));
    let glue = PathBuf::from(format!("grader/probes/{}/src/{module}.rs", stage.probe));
    let suite = PathBuf::from(format!("grader/suites/{}/src/{module}.rs", stage.id));
    let test = PathBuf::from(&stage.student_dir).join(format!("tests/{module}.rs"));
    let new_module = !stage.modules.iter().any(|(m, _)| m == module);
    let topics = if a.topics.is_empty() {
        let from_module = stage.exercises.iter().find(|e| e.module == module).map(|e| e.topics.clone());
        // topics.tsv numbers the stages (`1` for stage1).
        let number = stage.id.strip_prefix("stage").unwrap_or(&stage.id);
        let from_stage = course.topics.iter().find(|t| t.stage == number).map(|t| vec![t.id.clone()]);
        from_module.or(from_stage).with_context(|| {
            format!("no topic to default to: pass --topics (ids from grader/course/topics.tsv for {})", stage.id)
        })?
    } else {
        a.topics.clone()
    };
    if new_module {
        for p in [&manifest, &stub, &solution, &glue, &suite] {
            if root.join(p).exists() {
                bail!("{} exists, but `{module}` is not a module of {} in course.toml", p.display(), stage.id);
            }
        }
        // The module's files, empty but for their headers.
        let module_title = title_of(module);
        plan.insert(manifest.clone(), format!("format_version = 1\ntitle = \"{module_title}\"\n"));
        let header = format!(
            "//! {module_title}: TODO what this week of the study plan is about.\n//!\n//! Run `grader check {}.{module}` to grade this file.\n",
            stage.id
        );
        plan.insert(stub.clone(), header.clone());
        plan.insert(solution.clone(), format!("//! Reference solutions for `{krate}::{module}`.\n"));
        let marker = glue_marker(root, stage)?;
        plan.insert(
            glue.clone(),
            format!(
                "//! Glue for `{krate}::{module}`.\n\nuse crate::convert::{marker};\n\nprobe_runtime::glue! {{ {marker};\n}}\n"
            ),
        );
        plan.insert(
            suite.clone(),
            format!(
                "//! Hidden suites for `{krate}::{module}`.\n\nuse grader_suite_api::suite::ExerciseSuite;\n\npub fn suites() -> Vec<ExerciseSuite> {{\n    vec![\n    ]\n}}\n"
            ),
        );
        if !root.join(&test).exists() {
            plan.insert(
                test.clone(),
                format!(
                    "//! Public tests for `{krate}::{module}`: run them with `cargo test -p {krate} --test {module}`.\n//!\n//! Small worked examples; `grader check {}.{module}` runs the hidden cases.\n",
                    stage.id
                ),
            );
        }
        // Registered where the stage lists its modules.
        let course_toml = PathBuf::from("grader/course/course.toml");
        let text = read(root, &plan, &course_toml)?;
        plan.insert(course_toml.clone(), add_module_to_course(&text, &stage.id, module, &course_toml)?);
        for lib in [
            PathBuf::from(&stage.student_dir).join("src/lib.rs"),
            PathBuf::from(&stage.solution_dir).join("src/lib.rs"),
        ] {
            let text = read(root, &plan, &lib)?;
            plan.insert(lib, add_mod(&text, &format!("pub mod {module};")));
        }
        let main = PathBuf::from(format!("grader/probes/{}/src/main.rs", stage.probe));
        let text = read(root, &plan, &main)?;
        let text = add_mod(&text, &format!("mod {module};"));
        plan.insert(main.clone(), add_dispatch(&text, module, &main)?);
        let lib = PathBuf::from(format!("grader/suites/{}/src/lib.rs", stage.id));
        let text = read(root, &plan, &lib)?;
        let text = add_mod(&text, &format!("mod {module};"));
        plan.insert(lib.clone(), add_suites(&text, module, &lib)?);
        let cargo = PathBuf::from(&stage.solution_dir).join("Cargo.toml");
        let text = read(root, &plan, &cargo)?;
        let rel = relative(&stage.solution_dir, &test);
        plan.insert(cargo, format!("{}\n[[test]]\nname = \"{module}\"\npath = \"{rel}\"\n", text.trim_end()));
    }

    let doc = format!(
        "\n/// {title}: TODO one sentence saying what it computes.\n///\n/// Maths: TODO the formula, e.g. `y_i = f(x_i)`.\n///\n/// Shapes: `x` has length `n`, and so has the result; an empty `x` gives an empty result.\n///\n/// Edge cases: TODO what it must do with huge, tiny or non-finite values.\n///\n/// Hint: TODO a nudge towards the method, never the answer.\n"
    );
    let text = read(root, &plan, &stub)?;
    plan.insert(stub, format!("{}\n{doc}pub fn {name}(x: &[f64]) -> Vec<f64> {{\n    todo!()\n}}\n", text.trim_end()));
    let text = read(root, &plan, &solution)?;
    plan.insert(
        solution,
        format!(
            "{}\n{doc}pub fn {name}(x: &[f64]) -> Vec<f64> {{\n    todo!(\"the reference\")\n}}\n",
            text.trim_end()
        ),
    );
    let text = read(root, &plan, &glue)?;
    plan.insert(
        glue.clone(),
        insert_before_close(
            &text,
            "glue! {",
            &format!("    \"{id}\" => |x: &[f64]| {krate}::{module}::{name}(x);\n"),
            &glue,
        )?,
    );
    let text = read(root, &plan, &suite)?;
    let from = text.find("pub fn suites()").with_context(|| format!("{}: no `pub fn suites()`", suite.display()))?;
    let text = text[..from].to_string()
        + &insert_before_close(
            &text[from..],
            "vec![",
            &format!("        grader_suite_api::suite::ExerciseSuite::plain(\"{id}\", {name}_cases),\n"),
            &suite,
        )?;
    plan.insert(
        suite,
        format!(
            "{}\n\n/// `{id}`: TODO the edge cases, each a case of its own with a label that says what it is.\nfn {name}_cases(g: &mut grader_suite_api::suite::Gen) -> Vec<grader_suite_api::suite::Case> {{\n    use grader_protocol::Value;\n    use grader_suite_api::suite::Case;\n    let mut cases = vec![Case::new(\"empty vector\", Value::Floats(vec![]))];\n    for n in [1, 7, 100] {{\n        cases.push(Case::new(format!(\"random length {{n}}\"), Value::Floats(g.floats(n, -10.0, 10.0))));\n    }}\n    cases\n}}\n",
            text.trim_end()
        ),
    );
    let text = read(root, &plan, &manifest)?;
    let topics = topics.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
    plan.insert(
        manifest,
        format!(
            "{}\n\n[[exercise]]\nid = \"{id}\"\ntitle = \"{title}\"\ntopics = [{topics}]\npoints = 2\nfile = \"src/{module}.rs\"\nfunction = \"{name}\"\ntolerance = {{ atol = 1e-12, rtol = 1e-10 }}\nhints = [\n    \"TODO: a first nudge: what to compute.\",\n    \"TODO: a second one: how, without the answer.\",\n]\n",
            text.trim_end()
        ),
    );
    let text = read(root, &plan, &test)?;
    plan.insert(
        test,
        format!(
            "{}\n\n#[test]\nfn {name}_keeps_the_length() {{\n    // TODO: a small worked example, its expected value computed by hand.\n    assert_eq!({krate}::{module}::{name}(&[1.0, 2.0]).len(), 2);\n}}\n",
            text.trim_end()
        ),
    );
    Ok(plan)
}

/// `to` (relative to the root) as seen from the directory `from` (relative to the root).
fn relative(from: &str, to: &Path) -> String {
    let up = Path::new(from).components().count();
    format!("{}{}", "../".repeat(up), to.display())
}

/// The glue crate's marker type (`pub struct Stage1;` in its `convert.rs`).
fn glue_marker(root: &Path, stage: &grader_engine::manifest::Stage) -> Result<String> {
    let p = root.join(format!("grader/probes/{}/src/convert.rs", stage.probe));
    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("pub struct ").and_then(|r| r.strip_suffix(';')))
        .map(str::to_string)
        .with_context(|| format!("{}: no marker type (`pub struct Stage1;`)", p.display()))
}

fn add_module_to_course(text: &str, stage: &str, module: &str, path: &Path) -> Result<String> {
    let key = format!("id = \"{stage}\"");
    let at = text.find(&key).with_context(|| format!("{}: no stage `{stage}`", path.display()))?;
    let m = text[at..]
        .find("modules = [")
        .with_context(|| format!("{}: stage `{stage}` has no modules", path.display()))?
        + at;
    let close = text[m..].find(']').expect("a TOML array closes") + m;
    let inside = text[m + "modules = [".len()..close].trim();
    let new = if inside.is_empty() { format!("\"{module}\"") } else { format!("{inside}, \"{module}\"") };
    Ok(format!("{}modules = [{new}]{}", &text[..m], &text[close + 1..]))
}

fn add_dispatch(text: &str, module: &str, path: &Path) -> Result<String> {
    let start = text.find("fn dispatch(id: &str)").with_context(|| {
        format!(
            "{}: no `fn dispatch(id: &str)` chaining the modules' glue: add `{module}::dispatch(id)` by hand",
            path.display()
        )
    })?;
    let body_end = text[start..].find("\n}").map(|i| i + start).expect("a function ends");
    let body = &text[start..body_end];
    if body.contains("Some(match") {
        bail!(
            "{}: the glue's dispatch is not a chain of modules: add `{module}::dispatch(id)` by hand",
            path.display()
        );
    }
    if let Some(none) = body.find("    None") {
        let at = start + none;
        return Ok(format!("{}    {module}::dispatch(id){}", &text[..at], &text[at + "    None".len()..]));
    }
    Ok(format!("{}\n        .or_else(|| {module}::dispatch(id)){}", &text[..body_end], &text[body_end..]))
}

/// Where the `]` of the last `[...].concat()` is, however rustfmt laid it out (`]\n    .concat()`
/// once the list is long).
fn concat_close(text: &str) -> Option<usize> {
    let dot = text.rfind(".concat()")?;
    let at = text[..dot].trim_end().len().checked_sub(1)?;
    (text.as_bytes()[at] == b']').then_some(at)
}

/// `item` appended to the list that `text[at]` (a `]`) closes, keeping the layout before the `]`.
fn append_item(text: &str, at: usize, item: &str) -> String {
    let head = text[..at].trim_end();
    format!("{}, {item}{}", head.trim_end_matches(','), &text[head.len()..])
}

fn add_suites(text: &str, module: &str, path: &Path) -> Result<String> {
    if let Some(at) = text.find("Vec::new()") {
        return Ok(format!("{}[{module}::suites()].concat(){}", &text[..at], &text[at + "Vec::new()".len()..]));
    }
    let at = concat_close(text)
        .with_context(|| format!("{}: no `[...].concat()` of the modules' suites", path.display()))?;
    Ok(append_item(text, at, &format!("{module}::suites()")))
}

fn new_stage(root: &Path, stage: &str, title: &str) -> Result<Plan> {
    let mut plan = Plan::new();
    let marker = title_of(stage).replace(' ', "");
    for dir in [
        format!("exercises/{stage}"),
        format!("solutions/{stage}"),
        format!("grader/probes/{stage}"),
        format!("grader/suites/{stage}"),
    ] {
        if root.join(&dir).exists() {
            bail!("{dir} exists already");
        }
    }
    plan.insert(
        PathBuf::from(format!("exercises/{stage}/Cargo.toml")),
        format!("[package]\nname = \"{stage}\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"{title}\"\npublish = false\n\n# This file belongs to the course, not to you: the grader builds your `src/` with its own copy.\n[dependencies]\n"),
    );
    plan.insert(
        PathBuf::from(format!("exercises/{stage}/src/lib.rs")),
        format!("//! {title}.\n//!\n//! Each module is a week of the study plan; `grader check {stage}` grades them.\n\n#![allow(unused_variables)]\n"),
    );
    plan.insert(
        PathBuf::from(format!("exercises/{stage}/README.md")),
        format!("# {title}\n\n| module | week | what you write |\n|---|---|---|\n\n## Conventions\n\nTODO: the stage's types, error enums and conventions.\n"),
    );
    plan.insert(
        PathBuf::from(format!("solutions/{stage}/Cargo.toml")),
        format!("[package]\nname = \"{stage}-solution\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"Reference solutions for {title}\"\npublish = false\n\n[lib]\nname = \"{stage}\"\n\n[dependencies]\n\n# The public tests are the students' own, shared path for path.\n"),
    );
    plan.insert(PathBuf::from(format!("solutions/{stage}/src/lib.rs")), format!("//! Reference solutions: {title}.\n"));
    plan.insert(
        PathBuf::from(format!("grader/probes/{stage}/Cargo.toml")),
        format!("# Glue between the grader and the {stage} crate, built by the grader in a workspace of its own.\n[package]\nname = \"{stage}-probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[[bin]]\nname = \"{stage}-runner\"\npath = \"src/main.rs\"\n\n[dependencies]\ngrader-protocol = {{ path = \"../../protocol\" }}\nprobe-runtime = {{ path = \"../../probe-runtime\" }}\n{stage} = {{ path = \"../../../exercises/{stage}\" }}\n"),
    );
    plan.insert(
        PathBuf::from(format!("grader/probes/{stage}/src/main.rs")),
        format!("//! Probe for {stage}: each module's `glue!` block maps exercise ids to calls into the crate.\n\nmod convert;\n\nfn dispatch(id: &str) -> Option<probe_runtime::Handler> {{\n    let _ = id;\n    None\n}}\n\nfn main() {{\n    probe_runtime::serve(dispatch)\n}}\n"),
    );
    plan.insert(
        PathBuf::from(format!("grader/probes/{stage}/src/convert.rs")),
        format!("//! Conversions between wire values and the crate's own types.\n\n/// This glue crate's marker for `probe_runtime::glue::{{Arg, Ret}}`.\npub struct {marker};\n"),
    );
    plan.insert(
        PathBuf::from(format!("grader/suites/{stage}/Cargo.toml")),
        format!("[package]\nname = \"suites-{stage}\"\nversion = \"0.1.0\"\ndescription = \"The hidden suites of {stage} (never in the student edition)\"\nedition.workspace = true\nlicense.workspace = true\n\n[dependencies]\ngrader-suite-api = {{ path = \"../../suite-api\" }}\ngrader-protocol = {{ path = \"../../protocol\" }}\n"),
    );
    plan.insert(
        PathBuf::from(format!("grader/suites/{stage}/src/lib.rs")),
        format!("//! {stage} hidden suites, one module per week.\n\n#![allow(clippy::result_large_err)]\n\nuse grader_suite_api::suite::ExerciseSuite;\n\npub fn suites() -> Vec<ExerciseSuite> {{\n    Vec::new()\n}}\n"),
    );
    // The registry, the workspace and the manifest.
    let p = PathBuf::from("grader/suites/Cargo.toml");
    let text = read(root, &plan, &p)?;
    plan.insert(p, format!("{}\nsuites-{stage} = {{ path = \"{stage}\" }}\n", text.trim_end()));
    let p = PathBuf::from("grader/suites/src/lib.rs");
    let text = read(root, &plan, &p)?;
    let at = concat_close(&text).context("grader/suites/src/lib.rs: no `[...].concat()`")?;
    let krate = format!("suites_{stage}");
    plan.insert(p, append_item(&text, at, &format!("{krate}::suites()")));
    let p = PathBuf::from("Cargo.toml");
    let text = read(root, &plan, &p)?;
    let text = insert_before_close(
        &text,
        "members = [",
        &format!("    \"grader/suites/{stage}\",\n    \"exercises/{stage}\",\n    \"solutions/{stage}\",\n    \"grader/probes/{stage}\",\n"),
        &p,
    )?;
    let text = insert_before_close(&text, "default-members = [", &format!("    \"grader/suites/{stage}\",\n"), &p)?;
    plan.insert(p, text);
    let p = PathBuf::from("grader/course/course.toml");
    let text = read(root, &plan, &p)?;
    plan.insert(
        p,
        format!("{}\n\n[[stage]]\nid = \"{stage}\"\ntitle = \"{title}\"\ncrate = \"{stage}\"\nprobe = \"{stage}\"\nmodules = []\n", text.trim_end()),
    );
    plan.insert(PathBuf::from(format!("grader/course/{stage}/.gitkeep")), String::new());
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_grow_in_place() {
        let lib =
            "mod a;\nmod c;\n\npub fn suites() -> Vec<ExerciseSuite> {\n    [a::suites(), c::suites()].concat()\n}\n";
        let lib = add_suites(&add_mod(lib, "mod b;"), "b", Path::new("lib.rs")).unwrap();
        assert_eq!(lib, "mod a;\nmod b;\nmod c;\n\npub fn suites() -> Vec<ExerciseSuite> {\n    [a::suites(), c::suites(), b::suites()].concat()\n}\n");
        // rustfmt's layout of a long list.
        let long = "pub fn suites() -> Vec<ExerciseSuite> {\n    [\n        a::suites(),\n        b::suites(),\n    ]\n    .concat()\n}\n";
        let grown = add_suites(long, "c", Path::new("lib.rs")).unwrap();
        assert!(grown.contains("b::suites(), c::suites()\n    ]\n    .concat()"), "{grown}");
        let empty = "pub fn suites() -> Vec<ExerciseSuite> {\n    Vec::new()\n}\n";
        assert!(add_suites(empty, "m", Path::new("x")).unwrap().contains("[m::suites()].concat()"));
        let main = "fn dispatch(id: &str) -> Option<probe_runtime::Handler> {\n    a::dispatch(id)\n        .or_else(|| b::dispatch(id))\n}\n";
        assert!(add_dispatch(main, "c", Path::new("main.rs"))
            .unwrap()
            .contains("b::dispatch(id))\n        .or_else(|| c::dispatch(id))\n}"));
        let fresh = "fn dispatch(id: &str) -> Option<probe_runtime::Handler> {\n    let _ = id;\n    None\n}\n";
        assert!(add_dispatch(fresh, "m", Path::new("main.rs")).unwrap().contains("    m::dispatch(id)\n}"));
        let course = "[[stage]]\nid = \"s1\"\nmodules = [\"a\"]\n\n[[stage]]\nid = \"s2\"\nmodules = []\n";
        let c = add_module_to_course(course, "s2", "m", Path::new("c")).unwrap();
        assert!(c.contains("modules = [\"a\"]\n") && c.ends_with("modules = [\"m\"]\n"), "{c}");
        let glue = "probe_runtime::glue! { S;\n    \"a\" => |x: f64| f(x);\n}\n\nfn f() {}\n";
        let g = insert_before_close(glue, "glue! {", "    \"b\" => |x: f64| g(x);\n", Path::new("g")).unwrap();
        assert!(
            g.starts_with("probe_runtime::glue! { S;\n    \"a\" => |x: f64| f(x);\n    \"b\" => |x: f64| g(x);\n}\n"),
            "{g}"
        );
        assert_eq!(
            relative("solutions/stage1", Path::new("exercises/stage1/tests/m.rs")),
            "../../exercises/stage1/tests/m.rs"
        );
    }
}
