//! `grader bench`: benchmarks of the grader itself.

use super::*;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Calls used to measure the probe's per-case overhead.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Skip the cold build (it recompiles every dependency of a probe into a fresh directory).
    #[arg(long)]
    skip_cold: bool,
}

/// Benchmarks of the grader itself; see README's "Performance".
pub fn bench(root: &Path, a: BenchArgs) -> Result<u8> {
    let course = load(root)?;
    let stage = course.stage("stage1").context("stage1 missing")?.clone();
    let quiet_run = |target: &Path, role: Role| -> Result<(f64, Report)> {
        let config = RunConfig {
            selection: "stage1".into(),
            seed: 1,
            role,
            device: Device::Cpu,
            target_dir: Some(target.to_path_buf()),
            limits: Limits::default(),
            speed: false,
            gate: Default::default(),
        };
        let t = Instant::now();
        let r = run(&course, &suites::all(), &config, &mut Silent)?;
        Ok((t.elapsed().as_secs_f64(), r))
    };
    // A scratch submission: a copy of the course's exercises with the reference's sources, so
    // that every case runs to completion.
    let scratch = std::env::temp_dir().join(format!("grader-bench-{}", std::process::id()));
    let src = scratch.join("exercises/stage1/src");
    grader_engine::intake::copy_tree(&root.join("solutions/stage1/src"), &src)?;
    let student = Role::Student { submission: scratch.clone() };

    if !a.skip_cold {
        let cold_dir = scratch.join("cold-target");
        let (t, _) = quiet_run(&cold_dir, student.clone())?;
        println!("cold check (fresh target dir, deps + reference + student built, stage1 graded): {t:.2} s");
    }
    let target = target_dir(root, None);
    let (warm_nochange, _) = quiet_run(&target, student.clone())?;
    let (warm_nochange2, _) = quiet_run(&target, student.clone())?;
    println!("warm check, nothing changed: {:.2} s", warm_nochange.min(warm_nochange2));

    // One-line edit, then a check.
    let file = src.join("linalg.rs");
    let mut text = std::fs::read_to_string(&file)?;
    text.push_str("\n// edited\n");
    std::fs::write(&file, &text)?;
    let (warm_edit, report) = quiet_run(&target, student.clone())?;
    println!(
        "warm check after a one-line edit: {warm_edit:.2} s (build {:.2} s, score {}/{})",
        report.build.duration_s, report.score, report.max_score
    );

    // Direct cost: compile that crate alone after the same kind of edit, plus the time its
    // cases take when called (the student's call times, measured by the grader's clock).
    let direct_target = scratch.join("direct-target");
    let direct_dir = scratch.join("direct");
    let mut direct = |touch: bool| -> Result<f64> {
        if touch {
            text.push_str("// again\n");
            std::fs::write(&file, &text)?;
        }
        let t = Instant::now();
        let st = std::process::Command::new("cargo")
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(direct_dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &direct_target)
            .status()?;
        anyhow::ensure!(st.success(), "direct build failed");
        Ok(t.elapsed().as_secs_f64())
    };
    // The direct build: the course's manifest for the crate, outside the submission, over the
    // same sources (a symbolic link to them).
    std::fs::create_dir_all(&direct_dir)?;
    let manifest = std::fs::read_to_string(root.join("exercises/stage1/Cargo.toml"))?;
    std::fs::write(direct_dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n"))?;
    std::os::unix::fs::symlink(&src, direct_dir.join("src"))?;
    direct(false)?;
    let compile = direct(true)?;
    let cases_s: f64 = report.exercises.iter().flat_map(|e| &e.cases).filter_map(|c| c.time_ms).sum::<f64>() / 1e3;
    let baseline = compile + cases_s;
    // The edit above also changed the graded copy; grade it once more after this edit so the
    // comparison is for the same edit size.
    let (warm_edit2, _) = quiet_run(&target, student.clone())?;
    let warm = warm_edit.min(warm_edit2);
    println!("direct: compile the crate {compile:.2} s + run its cases {cases_s:.3} s = {baseline:.2} s");
    println!("warm check / direct = {:.2} (target <= 1.3)", warm / baseline);

    // Probe overhead per case: a round trip for a tiny call against calling it in-process.
    let built = Builder::new(root, Some(target.clone())).build(&stage, &Role::Reference, &mut |_| {})?;
    let exe = built.executable.context("reference probe did not build")?;
    let mut probe = Probe::new(&exe, Limits::default());
    let input = grader_protocol::Value::List(vec![vec![1.0, 2.0].into(), vec![3.0, 4.0].into()]);
    let timeout = Duration::from_secs(10);
    for _ in 0..100 {
        probe.call("stage1.linalg.dot", &input, timeout);
    }
    let t = Instant::now();
    for _ in 0..a.calls {
        match probe.call("stage1.linalg.dot", &input, timeout) {
            CallResult::Returned { .. } => {}
            other => bail!("probe call failed: {other:?}"),
        }
    }
    let per_call_us = t.elapsed().as_secs_f64() * 1e6 / a.calls as f64;
    let t = Instant::now();
    let mut acc = 0.0;
    for i in 0..a.calls {
        acc += std::hint::black_box([1.0f64, 2.0]).iter().zip([3.0, 4.0 + i as f64]).map(|(x, y)| x * y).sum::<f64>();
    }
    std::hint::black_box(acc);
    let direct_us = t.elapsed().as_secs_f64() * 1e6 / a.calls as f64;
    println!("probe overhead per case: {:.1} µs (round trip {per_call_us:.1} µs, direct call {direct_us:.3} µs; target < 1000 µs)", per_call_us - direct_us);

    // What the sandbox costs: grading all of Stage 1 (reference code as a student's, no speed
    // targets) with and without it, alternating, three times each.
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..6 {
        let sandboxed = round % 2 == 0;
        let config = RunConfig {
            selection: "stage1".into(),
            seed: 1,
            role: student.clone(),
            device: Device::Cpu,
            target_dir: Some(target.clone()),
            limits: Limits { sandbox: sandboxed, ..Limits::default() },
            speed: false,
            gate: Default::default(),
        };
        let t = Instant::now();
        let r = run(&course, &suites::all(), &config, &mut Silent)?;
        anyhow::ensure!(r.score == r.max_score, "sandbox bench: the reference lost points");
        let dt = t.elapsed().as_secs_f64();
        if sandboxed {
            with.push(dt)
        } else {
            without.push(dt)
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (w, wo) = (med(&mut with), med(&mut without));
    println!("sandbox overhead, grading stage1: {w:.2} s sandboxed vs {wo:.2} s without (ratio {:.2})", w / wo);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(EXIT_PASSED)
}
