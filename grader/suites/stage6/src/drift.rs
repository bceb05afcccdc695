//! Hidden suites for `stage6::drift`.
//!
//! Every output is compared with the reference's (numbers to a relative 1e-9, flags and names
//! exactly), part by part; the reference agrees with scipy (`ks_2samp`'s statistic,
//! `kstwobign.sf`, `chi2_contingency(correction=False)`) and with numpy's quantiles (see
//! README's reference checks). Edge cases: ties inside and across samples, samples of one value,
//! values beyond the reference's range (empty bins), p-values that underflow, magnitudes near
//! 1e300 and 1e-300, and every error. The report runs on the breast-cancer data set: its even rows
//! against its odd rows (no drift), and against odd rows with features moved.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.drift.psi", psi_cases, exact),
        ExerciseSuite::custom("stage6.drift.ks", ks_cases, exact),
        ExerciseSuite::custom("stage6.drift.chi_square", chi_cases, exact),
        ExerciseSuite::custom("stage6.drift.report", report_cases, exact),
    ]
}

fn floats(x: &[f64]) -> Value {
    Value::Floats(x.to_vec())
}

fn shifted(g: &mut Gen, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    g.normals(n).into_iter().map(|z| mean + sd * z).collect()
}

// ---------------------------------------------------------------------------------------------
// PSI

fn psi_case(label: &str, expected: &[f64], actual: &[f64], bins: usize) -> Case {
    Case::new(label, Value::List(vec![floats(expected), floats(actual), bins.into()]))
}

fn psi_cases(g: &mut Gen) -> Vec<Case> {
    let base = shifted(g, 1000, 0.0, 1.0);
    let small: Vec<f64> = (0..40).map(|_| g.int(0, 3) as f64).collect();
    let small_actual: Vec<f64> = (0..60).map(|_| g.int(1, 4) as f64).collect();
    let mut cases = vec![
        psi_case("the same sample on both sides: 0", &base, &base, 10),
        psi_case("a mean shifted by half a standard deviation", &base, &shifted(g, 800, 0.5, 1.0), 10),
        psi_case("a spread doubled", &base, &shifted(g, 1200, 0.0, 2.0), 10),
        psi_case("a resample of the same distribution (small PSI)", &base, &shifted(g, 1000, 0.0, 1.0), 10),
        psi_case("many ties: equal cut points leave bins empty on both sides", &small, &small_actual, 10),
        psi_case("every actual value above the reference's maximum: empty bins", &base, &shifted(g, 300, 10.0, 1.0), 5),
        psi_case(
            "values equal to a cut point go to the lower bin",
            &[1.0, 2.0, 3.0, 4.0],
            &[2.0, 2.0, 3.0, 3.0, 4.0],
            4,
        ),
        psi_case("two bins", &base, &shifted(g, 500, 0.2, 1.0), 2),
        psi_case("a reference of one value", &[5.0], &[4.0, 5.0, 6.0], 3),
        psi_case("more bins than values", &[1.0, 2.0, 3.0], &[1.5, 2.5], 20),
        psi_case(
            "magnitudes near 1e300",
            &base.iter().map(|x| (x + 5.0) * 1e299).collect::<Vec<f64>>(),
            &shifted(g, 400, 5.3, 1.0).iter().map(|x| x * 1e299).collect::<Vec<f64>>(),
            10,
        ),
        psi_case(
            "magnitudes near 1e-300",
            &base.iter().map(|x| x * 1e-300).collect::<Vec<f64>>(),
            &shifted(g, 400, 0.3, 1.0).iter().map(|x| x * 1e-300).collect::<Vec<f64>>(),
            10,
        ),
        psi_case("one bin: too few", &base, &base, 1),
        psi_case("zero bins: too few", &base, &base, 0),
        psi_case("an empty reference", &[], &base, 10),
        psi_case("an empty current sample", &base, &[], 10),
        psi_case("a NaN in the current sample", &base, &[1.0, f64::NAN], 10),
        psi_case("an infinity in the reference", &[1.0, f64::INFINITY, 2.0], &base, 10),
    ];
    for k in 0..3 {
        let (n, m, bins) = (g.size(50, 2000), g.size(50, 2000), g.size(3, 20));
        let (mu, sd) = (g.float(-1.0, 1.0), g.float(0.5, 2.0));
        let e = shifted(g, n, 0.0, 1.0);
        let a = shifted(g, m, mu, sd);
        cases.push(psi_case(&format!("random shift {} ({n} against {m} values, {bins} bins)", k + 1), &e, &a, bins));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov

/// λ values from where `Q = 1` in double precision to where it underflows, both branches of the
/// two series and their boundary.
const LAMBDAS: [f64; 16] = [-1.0, 0.0, 0.01, 0.05, 0.2, 0.3, 0.5, 0.8, 0.99, 1.0, 1.2, 2.0, 3.0, 5.0, 10.0, 27.3];

fn ks_case(label: &str, a: &[f64], b: &[f64], lambdas: &[f64]) -> Case {
    Case::new(label, Value::List(vec![floats(a), floats(b), floats(lambdas)]))
}

fn ks_cases(g: &mut Gen) -> Vec<Case> {
    let base = shifted(g, 500, 0.0, 1.0);
    let random_lambdas: Vec<f64> = (0..20).map(|_| g.float(0.0, 4.0)).collect();
    let mut cases = vec![
        ks_case(
            "the Kolmogorov distribution across its range (and the same sample twice: D = 0)",
            &base,
            &base,
            &LAMBDAS,
        ),
        ks_case("the Kolmogorov distribution at random points", &[1.0], &[2.0], &random_lambdas),
        ks_case("disjoint samples: D = 1", &[1.0, 2.0, 3.0], &[4.0, 5.0], &[]),
        ks_case("ties across the samples are not gaps", &[1.0, 2.0, 2.0, 3.0], &[2.0, 2.0, 3.0, 3.0], &[]),
        ks_case(
            "the same values in another order and number: D = 0",
            &[3.0, 1.0, 2.0],
            &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            &[],
        ),
        ks_case("one value each", &[0.5], &[0.5], &[]),
        ks_case("a shift of a fifth of a standard deviation", &base, &shifted(g, 700, 0.2, 1.0), &[]),
        ks_case("a shift so large that the p-value is tiny", &base, &shifted(g, 600, 1.5, 1.0), &[]),
        ks_case("a spread change with the same mean", &base, &shifted(g, 900, 0.0, 1.6), &[]),
        ks_case(
            "magnitudes near 1e300 and 1e-300",
            &base.iter().map(|x| x * 1e300).collect::<Vec<f64>>(),
            &shifted(g, 300, 0.1, 1.0).iter().map(|x| x * 1e-300).collect::<Vec<f64>>(),
            &[],
        ),
        ks_case("an empty sample", &[], &base, &[0.5]),
        ks_case("a NaN", &base, &[0.0, f64::NAN], &[0.5]),
    ];
    for k in 0..3 {
        let (n, m) = (g.size(5, 3000), g.size(5, 3000));
        let a: Vec<f64> = (0..n).map(|_| (g.float(0.0, 20.0)).floor()).collect();
        let shift = g.float(0.0, 2.0);
        let b: Vec<f64> = (0..m).map(|_| (g.float(0.0, 20.0) + shift).floor()).collect();
        cases.push(ks_case(&format!("random integer samples with ties {} ({n} and {m})", k + 1), &a, &b, &[]));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Chi-square

fn chi_case(label: &str, r: &[i64], c: &[i64]) -> Case {
    Case::new(label, Value::List(vec![Value::Ints(r.to_vec()), Value::Ints(c.to_vec())]))
}

fn chi_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        chi_case("the same shares: statistic 0, p-value 1", &[10, 20, 30], &[20, 40, 60]),
        chi_case("a category that grew", &[100, 100, 100], &[90, 95, 150]),
        chi_case("categories counted 0 on both sides are left out", &[50, 0, 30, 0, 20], &[40, 0, 45, 0, 15]),
        chi_case("a category seen only now", &[80, 20, 0], &[70, 20, 10]),
        chi_case("two categories (one degree of freedom, no Yates correction)", &[30, 70], &[45, 55]),
        chi_case(
            "counts near 1e12: the p-value underflows to 0",
            &[1_000_000_000_000, 2_000_000_000_000],
            &[2_000_000_000_000, 1_000_000_000_000],
        ),
        chi_case("tiny counts", &[1, 0, 1], &[0, 1, 1]),
        chi_case("different lengths", &[1, 2, 3], &[1, 2]),
        chi_case("a reference that counts nothing", &[0, 0], &[3, 4]),
        chi_case("one category left: too few", &[5, 0], &[7, 0]),
        chi_case("no categories at all", &[], &[]),
    ];
    for k in 0..4 {
        let cats = g.size(2, 30);
        let r: Vec<i64> = (0..cats).map(|_| g.int(0, 500)).collect();
        let c: Vec<i64> = r.iter().map(|&x| (x as f64 * g.float(0.5, 1.5)) as i64 + g.int(0, 3)).collect();
        cases.push(chi_case(&format!("random counts {} ({cats} categories)", k + 1), &r, &c));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// The report

/// A feature of a table on the wire: `[name, kind, values]`.
fn numeric(name: &str, v: Vec<f64>) -> Value {
    Value::List(vec![name.to_string().into(), "numeric".to_string().into(), Value::Floats(v)])
}

fn categorical(name: &str, v: &[&str]) -> Value {
    let cells = v.iter().map(|c| Value::Text(c.to_string())).collect();
    Value::List(vec![name.to_string().into(), "categorical".to_string().into(), Value::List(cells)])
}

fn report_case(label: &str, r: Vec<Value>, c: Vec<Value>, alpha: f64) -> Case {
    Case::new(label, Value::List(vec![Value::List(r), Value::List(c), alpha.into()]))
}

/// The breast-cancer rows (30 features, then the diagnosis), even and odd.
fn breast_cancer() -> (Vec<String>, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (names, rows) = data::numeric_csv("breast_cancer");
    let (even, odd) = (rows.iter().step_by(2).cloned().collect(), rows.iter().skip(1).step_by(2).cloned().collect());
    (names, even, odd)
}

/// A table of the first `features` columns and the diagnosis (categorical), each numeric column
/// `j` passed through `f(j, x)`.
fn table(names: &[String], rows: &[Vec<f64>], features: &[usize], f: impl Fn(usize, f64) -> f64) -> Vec<Value> {
    let mut t: Vec<Value> =
        features.iter().map(|&j| numeric(&names[j], rows.iter().map(|r| f(j, r[j])).collect())).collect();
    let diagnosis: Vec<&str> = rows.iter().map(|r| if r[30] == 1.0 { "malignant" } else { "benign" }).collect();
    t.push(categorical("diagnosis", &diagnosis));
    t
}

fn report_cases(g: &mut Gen) -> Vec<Case> {
    let (names, even, odd) = breast_cancer();
    let mut features: Vec<usize> = (0..30).collect();
    // Eight features drawn per case.
    for i in 0..8 {
        let j = g.size(i, 29);
        features.swap(i, j);
    }
    features.truncate(8);
    let moved = [features[0], features[1]];
    let reference = table(&names, &even, &features, |_, x| x);
    let mut cases = vec![
        report_case(
            "held-out rows of the same data: nothing drifted",
            reference.clone(),
            table(&names, &odd, &features, |_, x| x),
            0.05,
        ),
        report_case(
            "two features scaled by 1.6 in the held-out rows: those two drifted",
            reference.clone(),
            table(&names, &odd, &features, |j, x| if moved.contains(&j) { 1.6 * x } else { x }),
            0.05,
        ),
        report_case(
            "every feature shifted a little, a strict level",
            reference.clone(),
            table(&names, &odd, &features, |_, x| 1.05 * x),
            0.001,
        ),
    ];
    // The diagnosis drifts: malignant rows repeated.
    let mut heavy = odd.clone();
    heavy.extend(odd.iter().filter(|r| r[30] == 1.0).cloned());
    cases.push(report_case(
        "malignant cases doubled: the diagnosis drifted",
        reference.clone(),
        table(&names, &heavy, &features, |_, x| x),
        0.05,
    ));
    let n = reference.len();
    cases.extend([
        report_case("alpha 0", reference.clone(), reference.clone(), 0.0),
        report_case("alpha 1", reference.clone(), reference.clone(), 1.0),
        report_case("alpha NaN", reference.clone(), reference.clone(), f64::NAN),
        report_case("empty tables", vec![], vec![], 0.05),
        report_case("a feature missing", reference.clone(), reference[..n - 1].to_vec(), 0.05),
        report_case(
            "features in another order",
            reference.clone(),
            {
                let mut t = reference.clone();
                t.swap(0, 1);
                t
            },
            0.05,
        ),
        report_case(
            "a feature numeric on one side, categorical on the other",
            vec![numeric("x", vec![1.0, 2.0])],
            vec![categorical("x", &["1", "2"])],
            0.05,
        ),
        report_case(
            "a categorical feature with one category on both sides",
            vec![categorical("c", &["a", "a"])],
            vec![categorical("c", &["a"])],
            0.05,
        ),
        report_case(
            "categories first seen in the current sample",
            vec![numeric("x", shifted(g, 200, 0.0, 1.0)), categorical("c", &["a", "b", "a", "b", "a"])],
            vec![numeric("x", shifted(g, 150, 0.0, 1.0)), categorical("c", &["c", "b", "a", "d", "c", "c"])],
            0.05,
        ),
    ]);
    cases
}
