//! `grader dev`: the course author's checks and builds.

use super::*;
use grader_engine::dev::{self, Side};

#[derive(clap::Args, Debug)]
pub struct DevCheckArgs {
    /// Stage, module or exercise id (default: every stage).
    selection: Option<String>,
    /// Seeds to try, e.g. `--seeds 1,2,3`.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    seeds: Vec<u64>,
    /// Shared build directory (default: target/grader in the course checkout).
    #[arg(long, env = "GRADER_TARGET_DIR")]
    target_dir: Option<PathBuf>,
}

/// Every reference case passes and every stub case fails, for each seed.
pub fn dev_check(root: &Path, a: DevCheckArgs) -> Result<u8> {
    let course = load(root)?;
    let selection = a.selection.unwrap_or_else(|| "all".into());
    let mut problems = dev::layout_problems(&course);
    for &seed in &a.seeds {
        problems.extend(dev::shape_problems(&course, &suites::all(), seed, &selection));
    }
    for seed in a.seeds {
        for (side, role) in
            [(Side::Reference, Role::Reference), (Side::Stub, Role::Student { submission: root.to_path_buf() })]
        {
            let config = RunConfig {
                selection: selection.clone(),
                seed,
                role: role.clone(),
                device: Device::Cpu,
                target_dir: Some(target_dir(root, a.target_dir.clone())),
                limits: Limits::default(),
                speed: side == Side::Reference,
                gate: Default::default(),
            };
            let report = match run(&course, &suites::all(), &config, &mut Silent) {
                Ok(r) => r,
                // A reference that fails a case (a `todo!()` not yet written, a wrong answer) is
                // what this command is for: a problem to list, not an error.
                Err(e @ grader_engine::run::RunError::Reference { .. }) => {
                    problems.push(format!("seed {seed}: {e}"));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            problems.extend(dev::report_problems(side, seed, &report));
            println!(
                "seed {seed} {:<9}: {} exercises, {} cases, score {}/{}",
                role.name(),
                report.exercises.len(),
                report.exercises.iter().map(|e| e.cases.len()).sum::<usize>(),
                report.score,
                report.max_score
            );
        }
    }
    if problems.is_empty() {
        println!("dev check: ok (every reference case passes, every stub case fails)");
        Ok(EXIT_PASSED)
    } else {
        for p in &problems {
            println!("PROBLEM {p}");
        }
        Ok(EXIT_FAILED)
    }
}

/// Builds the reference probe of `stage`, printing the compiler's progress.
pub fn dev_build(root: &Path, stage: &str) -> Result<u8> {
    let course = load(root)?;
    let stage = course.stage(stage).with_context(|| format!("no stage `{stage}`"))?;
    let t = Instant::now();
    let built = Builder::new(root, None).build(stage, &Role::Reference, &mut |p| {
        let grader_engine::builder::BuildProgress::Compiling(unit) = p;
        eprintln!("   compiled {unit}");
    })?;
    for d in &built.diagnostics {
        eprintln!("{}", d.rendered);
    }
    match built.executable {
        Some(exe) => {
            println!("built {} in {:.1} s: {}", stage.id, t.elapsed().as_secs_f64(), exe.display());
            Ok(EXIT_PASSED)
        }
        None => Ok(EXIT_BUILD_FAILED),
    }
}
