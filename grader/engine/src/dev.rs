//! The course author's check: one routine behind `grader dev check` and `cargo test`.
//!
//! A course is right when (1) its declarations agree: every exercise has one manifest entry, one
//! glue line and one hidden suite, every baseline a suite names is answered
//! ([`crate::manifest::Course::load`] refuses anything else), and every case and speed input a
//! suite generates has the shape its glue line takes ([`shape_problems`]); (2) every hidden
//! case passes against the reference and fails against the untouched stub ([`case_problem`]);
//! (3) the reference passes its speed targets ([`exercise_problem`]).

use crate::manifest::Course;
use crate::run::input_shape_error;
use crate::suite::{ExerciseSuite, Gen};
use grader_report::{CaseResult, CaseStatus, ExerciseResult, ExerciseStatus, Report};

/// Which side of the proof a report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The reference solutions: every case must pass.
    Reference,
    /// The untouched stubs: no case may pass (a case the stub passes tests nothing).
    Stub,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Reference => "reference",
            Side::Stub => "stub",
        }
    }
}

/// What is wrong with one graded case for `side`, if anything.
pub fn case_problem(side: Side, c: &CaseResult) -> Option<String> {
    match (side, c.status) {
        (Side::Reference, CaseStatus::Passed) => None,
        (Side::Reference, st) => Some(format!("reference got {}: {}", st.as_str(), c.message.as_deref().unwrap_or(""))),
        (Side::Stub, CaseStatus::Passed) => Some("the untouched stub passes this case: it tests nothing".into()),
        // Wrong, not implemented, panicked, timed out...: the stub fails the case, as it must.
        (Side::Stub, _) => None,
    }
}

/// What is wrong with an exercise's result beyond its cases: the reference must pass as a
/// whole (its speed target included).
pub fn exercise_problem(side: Side, ex: &ExerciseResult) -> Option<String> {
    if side == Side::Reference && ex.status != ExerciseStatus::Passed {
        let why = ex.speed.as_ref().and_then(|s| s.message.clone()).unwrap_or_default();
        return Some(format!("reference is {} {why}", ex.status.as_str()));
    }
    None
}

/// Every problem of a report, one line each (`seed 1: stage1.linalg.dot case 3 (label): ...`).
pub fn report_problems(side: Side, seed: u64, report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for ex in &report.exercises {
        for c in &ex.cases {
            if let Some(p) = case_problem(side, c) {
                out.push(format!("seed {seed}: {} case {} ({}): {p}", ex.id, c.index, c.label));
            }
        }
        if let Some(p) = exercise_problem(side, ex) {
            out.push(format!("seed {seed}: {} {p}", ex.id));
        }
    }
    out
}

/// Every case and speed input the suites generate for `seed` whose shape its exercise's glue
/// line does not take, one line each, for the exercises `selection` names (`all`: the course).
/// Reads the data sets those exercises read first (no others: a set not fetched yet stops only
/// its own stage or module).
pub fn shape_problems(course: &Course, suites: &[ExerciseSuite], seed: u64, selection: &str) -> Vec<String> {
    let selected = course.select(selection);
    if let Err(e) = crate::datasets::install_for(course, &selected) {
        return vec![e];
    }
    let mut out = Vec::new();
    for ex in selected {
        let Some(suite) = suites.iter().find(|s| s.id == ex.id) else {
            out.push(format!("{}: no hidden suite", ex.id));
            continue;
        };
        let mut gen = Gen::new(seed, &ex.id);
        let cases = (suite.cases)(&mut gen);
        if cases.is_empty() {
            out.push(format!("seed {seed}: {} generates no case", ex.id));
        }
        // The same seed, the same cases: a suite that draws from anything but its `Gen` would
        // grade two runs of the same submission differently. (Compared as text: NaN inputs.)
        let again = (suite.cases)(&mut Gen::new(seed, &ex.id));
        let text =
            |cs: &[crate::suite::Case]| cs.iter().map(|c| format!("{}{:?}", c.label, c.input)).collect::<Vec<_>>();
        if text(&cases) != text(&again) {
            out.push(format!("seed {seed}: {} generates different cases from the same seed", ex.id));
        }
        for (i, c) in cases.iter().enumerate() {
            if let Some(m) = input_shape_error(&c.input, &ex.inputs) {
                out.push(format!("seed {seed}: {} case {i} ({}) is sent {m}", ex.id, c.label));
            }
        }
        match (suite.speed_input, &ex.speed) {
            (Some(input), Some(_)) => {
                let c = input(&mut gen);
                if let Some(m) = input_shape_error(&c.input, &ex.inputs) {
                    out.push(format!("seed {seed}: {} speed input ({}) is sent {m}", ex.id, c.label));
                }
            }
            (None, Some(_)) => {
                out.push(format!("{}: the manifest sets a speed target, the suite has no speed input", ex.id))
            }
            (Some(_), None) => {
                out.push(format!("{}: the suite has a speed input, the manifest no speed target", ex.id))
            }
            (None, None) => {}
        }
    }
    out
}

/// A stage's crates by package name, as the workspace knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePackages {
    pub stage: String,
    pub solution: String,
    pub probe: String,
    /// Whether `cargo test` at the root builds the reference (a default member); a stage that
    /// links heavy dependencies is not, and its public tests run in the grader's own profile.
    pub default_member: bool,
}

fn toml_at(path: &std::path::Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<toml::Table>().map_err(|e| format!("{}: {e}", path.display()))
}

fn package_name(root: &std::path::Path, dir: &str) -> Result<String, String> {
    crate::builder::read_package_name(&root.join(dir).join("Cargo.toml")).map_err(|e| e.to_string())
}

fn string_list(t: &toml::Table, table: &str, key: &str) -> Vec<String> {
    t.get(table)
        .and_then(|w| w.get(key))
        .and_then(|m| m.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Every stage's packages, read from the crates' manifests.
pub fn stage_packages(course: &Course) -> Result<Vec<StagePackages>, String> {
    let root = &course.root;
    let workspace = toml_at(&root.join("Cargo.toml"))?;
    let defaults = string_list(&workspace, "workspace", "default-members");
    course
        .stages
        .iter()
        .map(|s| {
            Ok(StagePackages {
                stage: s.id.clone(),
                solution: package_name(root, &s.solution_dir)?,
                probe: package_name(root, &format!("grader/probes/{}", s.probe))?,
                default_member: defaults.contains(&s.solution_dir),
            })
        })
        .collect()
}

/// Where the lists that name a stage's crates and files disagree with the manifest: the
/// workspace's members, the suite registry's dependencies, the reference's `[[test]]` targets
/// (one per public-test file of the student's crate). `grader dev new` writes these lists; this
/// check proves that nobody had to keep them in sync by hand.
pub fn layout_problems(course: &Course) -> Vec<String> {
    let root = &course.root;
    let mut out = Vec::new();
    let workspace = match toml_at(&root.join("Cargo.toml")) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let members = string_list(&workspace, "workspace", "members");
    let defaults = string_list(&workspace, "workspace", "default-members");
    for d in &defaults {
        if !members.contains(d) {
            out.push(format!("Cargo.toml: default member `{d}` is not a workspace member"));
        }
    }
    let registry = toml_at(&root.join("grader/suites/Cargo.toml")).unwrap_or_default();
    for s in &course.stages {
        let suites_dir = format!("grader/suites/{}", s.id);
        let probe_dir = format!("grader/probes/{}", s.probe);
        for dir in [&s.student_dir, &s.solution_dir, &probe_dir, &suites_dir] {
            if !members.contains(dir) {
                out.push(format!("stage `{}`: `{dir}` is not a member of the workspace (Cargo.toml)", s.id));
            }
        }
        if !defaults.contains(&suites_dir) {
            out.push(format!(
                "stage `{}`: `{suites_dir}` is not a default member (Cargo.toml): `cargo test` would skip it",
                s.id
            ));
        }
        let dep = format!("suites-{}", s.id);
        if registry.get("dependencies").and_then(|d| d.get(&dep)).is_none() {
            out.push(format!("stage `{}`: grader/suites/Cargo.toml does not depend on `{dep}`", s.id));
        }
        out.extend(ml_dependency_problems(root, s, &probe_dir));
        // Every public-test file is a test target of the reference, under its own name.
        let tests_dir = root.join(&s.student_dir).join("tests");
        let solution = toml_at(&root.join(&s.solution_dir).join("Cargo.toml")).unwrap_or_default();
        let targets: Vec<(String, String)> = solution
            .get("test")
            .and_then(|t| t.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|t| Some((t.get("name")?.as_str()?.to_string(), t.get("path")?.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let mut files: Vec<String> = std::fs::read_dir(&tests_dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rs")).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for f in &files {
            let expect = std::path::Path::new(&s.solution_dir)
                .components()
                .map(|_| "..")
                .chain([s.student_dir.as_str(), "tests", &format!("{f}.rs")])
                .collect::<Vec<_>>()
                .join("/");
            if !targets.iter().any(|(n, p)| n == f && *p == expect) {
                out.push(format!(
                    "stage `{}`: {}/tests/{f}.rs is not a test target of {}/Cargo.toml (`[[test]] name = \"{f}\" path = \"{expect}\"`)",
                    s.id, s.student_dir, s.solution_dir
                ));
            }
        }
        for (n, _) in &targets {
            if !files.contains(n) {
                out.push(format!(
                    "stage `{}`: {}/Cargo.toml has a test target `{n}` with no file",
                    s.id, s.solution_dir
                ));
            }
        }
    }
    out
}

/// Where the course's one ML dependency set lives (see its Cargo.toml).
pub const ML_DEPS: &str = "grader/ml-deps";
/// Where the course's one data dependency set lives (polars; see its Cargo.toml).
pub const DATA_DEPS: &str = "grader/data-deps";

/// A dependency as it is declared, for comparison: version, default features, features.
fn dep_spec(v: &toml::Value) -> String {
    match v {
        toml::Value::String(version) => format!("{version} default [])"),
        toml::Value::Table(t) => {
            let mut features: Vec<&str> =
                t.get("features").and_then(|f| f.as_array()).into_iter().flatten().filter_map(|f| f.as_str()).collect();
            features.sort();
            format!(
                "{} {} {features:?}",
                t.get("version").and_then(|v| v.as_str()).unwrap_or("path"),
                if t.get("default-features").and_then(|d| d.as_bool()) == Some(false) {
                    "no-default"
                } else {
                    "default"
                }
            )
        }
        other => other.to_string(),
    }
}

/// A stage that uses candle builds with the course's one ML dependency set: its glue depends on
/// `course-ml-deps`, and its crates declare whatever they share with that set exactly as the set
/// does (same version, same features). Then every build workspace resolves the same features
/// and candle compiles once per machine. Likewise a stage that uses polars, with
/// `course-data-deps`.
fn ml_dependency_problems(root: &std::path::Path, s: &crate::manifest::Stage, probe_dir: &str) -> Vec<String> {
    let mut out = set_problems(root, s, probe_dir, (ML_DEPS, "course-ml-deps", "candle-core", "candle"));
    out.extend(set_problems(root, s, probe_dir, (DATA_DEPS, "course-data-deps", "polars", "polars")));
    out
}

/// [`ml_dependency_problems`] for one set: `(its directory, its crate, the crate that makes a
/// stage need it, what would compile twice)`.
fn set_problems(
    root: &std::path::Path,
    s: &crate::manifest::Stage,
    probe_dir: &str,
    (set_dir, set_name, trigger, heavy): (&str, &str, &str, &str),
) -> Vec<String> {
    let Ok(set) = toml_at(&root.join(set_dir).join("Cargo.toml")) else { return Vec::new() };
    let set_deps = set.get("dependencies").and_then(|d| d.as_table()).cloned().unwrap_or_default();
    let crates = [s.student_dir.as_str(), s.solution_dir.as_str(), probe_dir];
    let tables: Vec<(&str, toml::Table)> = crates
        .iter()
        .filter_map(|c| {
            let t = toml_at(&root.join(c).join("Cargo.toml")).ok()?;
            Some((*c, t.get("dependencies").and_then(|d| d.as_table()).cloned().unwrap_or_default()))
        })
        .collect();
    let mut out = Vec::new();
    if !tables.iter().any(|(_, d)| d.contains_key(trigger)) {
        return out;
    }
    if !tables.iter().any(|(c, d)| *c == probe_dir && d.contains_key(set_name)) {
        out.push(format!(
            "stage `{}` uses {heavy}, but {probe_dir}/Cargo.toml does not depend on `{set_name}` ({set_dir})",
            s.id
        ));
    }
    for (c, deps) in &tables {
        for (name, spec) in deps {
            if let Some(set_spec) = set_deps.get(name) {
                if dep_spec(spec) != dep_spec(set_spec) {
                    out.push(format!(
                        "{c}/Cargo.toml declares `{name}` as {}, the course's dependency set ({set_dir}) as {}: {heavy} would compile twice",
                        dep_spec(spec),
                        dep_spec(set_spec)
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
    }

    #[test]
    fn the_layout_agrees_and_a_list_out_of_step_is_named() {
        let mut course = Course::load(&root(), &grader_suites::all()).unwrap();
        assert_eq!(layout_problems(&course), Vec::<String>::new());
        let heavy: Vec<String> =
            stage_packages(&course).unwrap().into_iter().filter(|p| !p.default_member).map(|p| p.solution).collect();
        assert!(heavy.contains(&"stage2-solution".to_string()) && !heavy.contains(&"stage1-solution".to_string()));

        // The lists, copied, then put out of step: a workspace member and a test target dropped.
        let t = tempfile::tempdir().unwrap();
        let copy = |rel: &str| {
            let to = t.path().join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(root().join(rel), to).unwrap();
        };
        copy("Cargo.toml");
        copy("grader/suites/Cargo.toml");
        copy(&format!("{ML_DEPS}/Cargo.toml"));
        copy(&format!("{DATA_DEPS}/Cargo.toml"));
        for s in &course.stages {
            copy(&format!("{}/Cargo.toml", s.solution_dir));
            copy(&format!("{}/Cargo.toml", s.student_dir));
            copy(&format!("grader/probes/{}/Cargo.toml", s.probe));
            if let Ok(rd) = std::fs::read_dir(root().join(&s.student_dir).join("tests")) {
                for e in rd {
                    copy(&format!("{}/tests/{}", s.student_dir, e.unwrap().file_name().to_str().unwrap()));
                }
            }
        }
        let edit = |rel: &str, from: &str, to: &str| {
            let p = t.path().join(rel);
            let s = std::fs::read_to_string(&p).unwrap();
            assert!(s.contains(from), "{rel}: {from}");
            std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
        };
        edit("Cargo.toml", "    \"grader/probes/stage3\",\n", "");
        edit("solutions/stage1/Cargo.toml", "[[test]]\nname = \"calculus\"", "[[example]]\nname = \"calculus\"");
        course.root = t.path().to_path_buf();
        assert_eq!(layout_problems(&course).len(), 2);
        edit(
            "grader/probes/mp1/Cargo.toml",
            "ndarray = \"0.16\"",
            "ndarray = { version = \"0.16\", features = [\"rayon\"] }",
        );
        let problems = layout_problems(&course);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[2].contains("grader/probes/mp1/Cargo.toml declares `ndarray`"), "{problems:#?}");
        assert!(problems[0].contains("calculus.rs is not a test target"), "{problems:#?}");
        assert!(problems[1].contains("`grader/probes/stage3` is not a member"), "{problems:#?}");
    }
}
