//! Prints the reference's results on inputs that `grader/tools/crosscheck_stage6.py` also feeds
//! to scipy, numpy and hashlib, one JSON object per line:
//!
//! ```text
//! cargo run -q --release -p stage6-solution --example crosscheck | python3 grader/tools/crosscheck_stage6.py
//! ```
//!
//! (pandas is needed for the feature store's point-in-time join, against `pandas.merge_asof`.
//! Built in the grader's build directory, polars is not compiled again:
//! `CARGO_TARGET_DIR=target/grader/build cargo run -q --profile grade -p stage6-solution --example crosscheck`.)

use stage6::{abtest, drift, features, repro, versioning};

/// A deterministic sample: `n` values from a linear congruential generator, mapped by `f`.
fn sample(seed: u64, n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            f((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// A sample's name and the map from a uniform number to it.
type Shape = (&'static str, fn(f64) -> f64);

fn list(v: &[f64]) -> String {
    format!("[{}]", v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(","))
}

fn main() {
    let shapes: [Shape; 4] =
        [("uniform", |u| u), ("exp", |u| -(1.0 - u).ln()), ("tiny", |u| u * 1e-300), ("huge", |u| (u + 1.0) * 1e299)];
    for (k, (name, f)) in shapes.iter().enumerate() {
        let a = sample(k as u64 + 1, 700, f);
        let b = sample(k as u64 + 100, 500, |u| f(u * 0.9 + 0.05));
        let t = drift::ks_two_sample(&a, &b).unwrap();
        let psi = drift::psi(&a, &b, 10).unwrap();
        println!(
            "{{\"kind\":\"ks_psi\",\"name\":\"{name}\",\"a\":{},\"b\":{},\"d\":{:?},\"p\":{:?},\"psi\":{:?}}}",
            list(&a),
            list(&b),
            t.statistic,
            t.p_value,
            psi
        );
    }
    let ties_a: Vec<f64> = sample(7, 400, |u| (u * 6.0).floor());
    let ties_b: Vec<f64> = sample(8, 300, |u| (u * 6.0 + 0.7).floor());
    let t = drift::ks_two_sample(&ties_a, &ties_b).unwrap();
    println!(
        "{{\"kind\":\"ks_psi\",\"name\":\"ties\",\"a\":{},\"b\":{},\"d\":{:?},\"p\":{:?},\"psi\":{:?}}}",
        list(&ties_a),
        list(&ties_b),
        t.statistic,
        t.p_value,
        drift::psi(&ties_a, &ties_b, 10).unwrap()
    );
    for l in [0.01, 0.2, 0.5, 0.99, 1.0, 1.5, 3.0, 10.0, 27.3] {
        println!("{{\"kind\":\"kolmogorov\",\"lambda\":{l:?},\"q\":{:?}}}", drift::kolmogorov_sf(l));
    }
    for (r, c) in [
        (vec![100u64, 100, 100], vec![90u64, 95, 150]),
        (vec![30, 70], vec![45, 55]),
        (vec![1_000_000_000_000, 2_000_000_000_000], vec![2_000_000_000_001, 999_999_999_999]),
        (vec![5, 0, 7, 1], vec![3, 2, 9, 0]),
    ] {
        let t = drift::chi_square(&r, &c).unwrap();
        println!(
            "{{\"kind\":\"chi2\",\"r\":{r:?},\"c\":{c:?},\"stat\":{:?},\"dof\":{},\"p\":{:?}}}",
            t.statistic, t.dof, t.p_value
        );
    }
    for (sa, na, sb, nb) in
        [(1200u64, 10_000u64, 1300u64, 10_000u64), (10_000, 100_000, 16_000, 100_000), (5, 40, 4000, 20_000)]
    {
        let t = abtest::two_proportion_z(sa, na, sb, nb).unwrap();
        println!("{{\"kind\":\"z\",\"args\":[{sa},{na},{sb},{nb}],\"z\":{:?},\"p\":{:?}}}", t.z, t.p_value);
    }
    let files: Vec<(String, Vec<u8>)> = vec![
        ("b/x.csv".into(), b"1,2\n3,4\n".to_vec()),
        ("a.csv".into(), b"".to_vec()),
        ("data/\u{e9}t\u{e9}.bin".into(), (0..=255u8).collect()),
    ];
    let m = versioning::manifest(&files).unwrap();
    let entries: Vec<String> =
        m.entries.iter().map(|e| format!("[\"{}\",\"{}\",{}]", e.path, e.digest, e.bytes)).collect();
    println!("{{\"kind\":\"manifest\",\"entries\":[{}],\"digest\":\"{}\"}}", entries.join(","), m.digest);
    let params = [1.5, -0.0, 5e-324, f64::MAX];
    println!(
        "{{\"kind\":\"digest\",\"params\":[1.5,-0.0,5e-324,1.7976931348623157e308],\"digest\":\"{}\"}}",
        repro::digest(&params)
    );
    // Point-in-time joins: random events and two feature tables, unsorted, with ties at the
    // event's second, entities without rows, and three maximum ages.
    for (k, max_age) in [(0u64, 5i64), (1, 40), (2, 1_000)] {
        let u = sample(k + 500, 4000, |u| u);
        let mut next = u.into_iter();
        let mut draw = |n: f64| (next.next().unwrap() * n) as i64;
        let mut events = String::from("entity,ts,label\n");
        for _ in 0..150 {
            events += &format!("e{},{},{}\n", draw(6.0), draw(300.0), draw(2.0));
        }
        let mut tables = Vec::new();
        for (name, cols) in [("a", 2), ("b", 1)] {
            let mut csv = format!("entity,ts{}\n", (0..cols).map(|c| format!(",{name}{c}")).collect::<String>());
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let (e, ts) = (draw(5.0), draw(300.0));
                if seen.insert((e, ts)) {
                    csv += &format!(
                        "e{e},{ts}{}\n",
                        (0..cols).map(|_| format!(",{}", draw(10_000.0) as f64 / 100.0)).collect::<String>()
                    );
                }
            }
            tables.push((name.to_string(), csv));
        }
        let df = features::training_rows(&events, &tables, max_age).unwrap();
        let cols: Vec<String> = ["a0", "a1", "b0"]
            .iter()
            .map(|c| {
                let v: Vec<String> = df
                    .column(c)
                    .unwrap()
                    .f64()
                    .unwrap()
                    .iter()
                    .map(|x| x.map_or("null".to_string(), |x| format!("{x:?}")))
                    .collect();
                format!("\"{c}\":[{}]", v.join(","))
            })
            .collect();
        let q = |s: &str| s.replace('\n', "\\n");
        println!(
            "{{\"kind\":\"asof\",\"max_age\":{max_age},\"events\":\"{}\",\"a\":\"{}\",\"b\":\"{}\",{}}}",
            q(&events),
            q(&tables[0].1),
            q(&tables[1].1),
            cols.join(",")
        );
    }
}
