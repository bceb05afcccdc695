//! Hidden suites for `stage1::statistics`.
//!
//! Besides random inputs, several cases use the iris data set that ships in `datasets/iris/`.
//! It is compiled into the grader, so the hidden cases and the shipped data cannot drift apart.

use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, Check, CheckCtx, ExerciseSuite, Failure, Gen};
use rand::seq::SliceRandom;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite {
            id: "stage1.statistics.describe",
            cases: describe_cases,
            check: Check::Custom(check_summary),
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.ln_gamma",
            cases: ln_gamma_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.incomplete_beta",
            cases: incomplete_beta_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.gamma_q",
            cases: gamma_q_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.t_test",
            cases: t_test_cases,
            check: Check::Custom(check_t_test),
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.chi_square",
            cases: chi_square_cases,
            check: Check::Custom(check_chi_square),
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.pearson",
            cases: pearson_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.iris_analysis",
            cases: correlation_matrix_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
        ExerciseSuite {
            id: "stage1.statistics.group_means",
            cases: group_means_cases,
            check: Check::AllClose,
            speed_input: None,
            baseline: None,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// The iris data set

const SPECIES: [&str; 3] = ["setosa", "versicolor", "virginica"];

/// Iris, column by column: `columns[j]` is measurement `j` (sepal length, sepal width, petal
/// length, petal width, in cm) of all 150 flowers; `species[i]` indexes [`SPECIES`].
struct Iris {
    columns: [Vec<f64>; 4],
    species: Vec<usize>,
}

impl Iris {
    fn load() -> Iris {
        let mut reader = csv::Reader::from_reader(data::text("iris").as_bytes());
        let mut iris = Iris { columns: Default::default(), species: Vec::new() };
        for (i, row) in reader.deserialize::<(f64, f64, f64, f64, String)>().enumerate() {
            let (a, b, c, d, name) = row.unwrap_or_else(|e| panic!("datasets/iris/iris.csv row {}: {e}", i + 2));
            for (column, v) in iris.columns.iter_mut().zip([a, b, c, d]) {
                column.push(v);
            }
            let s = SPECIES.iter().position(|s| *s == name);
            iris.species.push(s.unwrap_or_else(|| panic!("datasets/iris/iris.csv: unknown species {name:?}")));
        }
        iris
    }

    /// Measurement `column` of the flowers of species `s`.
    fn of_species(&self, column: usize, s: usize) -> Vec<f64> {
        self.columns[column].iter().zip(&self.species).filter(|(_, &k)| k == s).map(|(v, _)| *v).collect()
    }
}

const SEPAL_LENGTH: usize = 0;
const SEPAL_WIDTH: usize = 1;
const PETAL_LENGTH: usize = 2;
const PETAL_WIDTH: usize = 3;

// ---------------------------------------------------------------------------------------------
// Checks that name the field that is wrong

/// Compares a tuple field by field, naming the field in the message ("at output.variance").
fn check_fields(ctx: &CheckCtx, names: &[&str]) -> Result<(), Failure> {
    match (ctx.expected, ctx.got) {
        (Value::List(e), Value::List(g)) if e.len() == names.len() && g.len() == names.len() => {
            for ((name, e), g) in names.iter().zip(e).zip(g) {
                match (e, g) {
                    (Value::Float(e), Value::Float(g)) => {
                        compare::floats(&format!(".{name}"), &[], &[*e], &[*g], ctx.tol)?
                    }
                    _ => compare::values(e, g, ctx.tol).map_err(|f| f.within(name))?,
                }
            }
            Ok(())
        }
        _ => compare::values(ctx.expected, ctx.got, ctx.tol),
    }
}

fn check_summary(ctx: &CheckCtx) -> Result<(), Failure> {
    check_fields(ctx, &["mean", "median", "variance", "std_dev", "min", "max"])
}

fn check_t_test(ctx: &CheckCtx) -> Result<(), Failure> {
    check_fields(ctx, &["t", "df", "p_value"])
}

fn check_chi_square(ctx: &CheckCtx) -> Result<(), Failure> {
    check_fields(ctx, &["statistic", "dof", "p_value"])
}

// ---------------------------------------------------------------------------------------------
// Cases

fn pair(a: impl Into<Value>, b: impl Into<Value>) -> Value {
    Value::List(vec![a.into(), b.into()])
}

fn floats(x: &[f64]) -> Value {
    Value::Floats(x.to_vec())
}

/// `n` normal values with mean `mu` and standard deviation `sigma`.
fn normals(g: &mut Gen, n: usize, mu: f64, sigma: f64) -> Vec<f64> {
    g.normals(n).into_iter().map(|z| mu + sigma * z).collect()
}

fn describe_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    let mut ties: Vec<f64> = (0..12).map(|_| g.int(0, 3) as f64).collect();
    ties.extend([1.0, 2.0]); // at least one tie even if the draws are all different
    let mut cases = vec![
        Case::new("random 11 values (odd count)", g.floats(11, -10.0, 10.0)),
        Case::new("random 4 values (even count: median between the middle two)", g.floats(4, -10.0, 10.0)),
        Case::new("random 50 normals", normals(g, 50, 3.0, 2.0)),
        Case::new("random 1001 values", g.floats(1001, -100.0, 100.0)),
        Case::new("ties: small integers with duplicates", ties),
        Case::new("all negative", g.floats(9, -50.0, -1.0)),
        Case::new("two values", g.floats(2, -5.0, 5.0)),
        Case::new("single value (variance 0)", g.floats(1, -5.0, 5.0)),
        Case::new("constant sample", vec![2.5; 7]),
        Case::new("large offset: 1e9 + noise (the sum-of-squares shortcut cancels)", normals(g, 1000, 1e9, 1.0)),
        Case::new("iris: petal length of all 150 flowers", iris.columns[PETAL_LENGTH].clone()),
        Case::new("empty sample", Value::Floats(vec![])),
    ];
    let mut with_nan = g.floats(6, 0.0, 1.0);
    with_nan[3] = f64::NAN;
    cases.push(Case::new("NaN among the values", with_nan));
    cases
}

fn ln_gamma_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("x = 1 (Γ(1) = 1)", 1.0),
        Case::new("x = 2 (Γ(2) = 1)", 2.0),
        Case::new("x = 0.5 (Γ = √π)", 0.5),
        Case::new("x = 0.1 (below 1/2)", 0.1),
        Case::new("x = 1e-8 (near the pole at 0)", 1e-8),
        Case::new("x = 3.7", 3.7),
        Case::new("x = 10 (9! = 362880)", 10.0),
        Case::new("x = 171.5 (Γ itself overflows f64 near 171.6)", 171.5),
        Case::new("x = 1000", 1000.0),
        Case::new("x = 1e6", 1e6),
    ];
    for _ in 0..4 {
        let x = g.float(0.01, 60.0);
        cases.push(Case::new(format!("random x = {x:.4}"), x));
    }
    cases.extend([
        Case::new("x = 0 (pole)", 0.0),
        Case::new("x = -2.5 (negative)", -2.5),
        Case::new("x = NaN", f64::NAN),
        Case::new("x = +infinity", f64::INFINITY),
    ]);
    cases
}

fn triple(a: f64, b: f64, x: f64) -> Value {
    Value::List(vec![a.into(), b.into(), x.into()])
}

fn incomplete_beta_cases(g: &mut Gen) -> Vec<Case> {
    let u = g.float(0.0, 1.0);
    let mut cases = vec![
        Case::new(format!("a = b = 1 (uniform: I = x), x = {u:.4}"), triple(1.0, 1.0, u)),
        Case::new("a = 2, b = 3, x = 0.4", triple(2.0, 3.0, 0.4)),
        Case::new("a = b = 0.5 (arcsine law), x = 0.2", triple(0.5, 0.5, 0.2)),
        Case::new("a = 5, b = 10, x = 0.1 (left of the mean)", triple(5.0, 10.0, 0.1)),
        Case::new("a = 5, b = 10, x = 0.8 (right of the mean: use the symmetry)", triple(5.0, 10.0, 0.8)),
        Case::new("a = 4.5, b = 0.5, x = 0.3 (a Student-t tail, df = 9)", triple(4.5, 0.5, 0.3)),
        Case::new("a = 300, b = 400, x = 0.43 (large parameters near the mean)", triple(300.0, 400.0, 0.43)),
        Case::new("a = 50, b = 2, x = 0.1 (tiny value, ~1e-48)", triple(50.0, 2.0, 0.1)),
        Case::new("a = 2, b = 50, x = 0.5 (within 1e-14 of 1)", triple(2.0, 50.0, 0.5)),
        Case::new("x = 0", triple(2.5, 3.5, 0.0)),
        Case::new("x = 1", triple(2.5, 3.5, 1.0)),
    ];
    for _ in 0..4 {
        let (a, b, x) = (g.float(0.5, 20.0), g.float(0.5, 20.0), g.float(0.0, 1.0));
        cases.push(Case::new(format!("random a = {a:.3}, b = {b:.3}, x = {x:.3}"), triple(a, b, x)));
    }
    cases.extend([
        Case::new("a = 0", triple(0.0, 2.0, 0.5)),
        Case::new("b = -1", triple(2.0, -1.0, 0.5)),
        Case::new("x = 1.5 (outside [0, 1])", triple(2.0, 3.0, 1.5)),
        Case::new("x = -0.1 (outside [0, 1])", triple(2.0, 3.0, -0.1)),
        Case::new("x = NaN", triple(2.0, 3.0, f64::NAN)),
        // Large parameters deep in a tail (~1e-15 and 1 - 1e-15): only the right choice between
        // the continued fraction and the symmetry relation keeps the small side accurate.
        Case::new("a = b = 400, x = 0.36 (deep in the left tail)", triple(400.0, 400.0, 0.36)),
        Case::new("a = b = 400, x = 0.64 (deep in the right tail)", triple(400.0, 400.0, 0.64)),
    ]);
    cases
}

fn gamma_q_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = vec![
        Case::new("a = 1, x = 2.5 (Q = e^-x)", pair(1.0, 2.5)),
        Case::new("a = 0.5, x = 0.3 (Q = erfc(√x))", pair(0.5, 0.3)),
        Case::new("a = 3, x = 0.1 (series region)", pair(3.0, 0.1)),
        Case::new("a = 3, x = 10 (continued-fraction region)", pair(3.0, 10.0)),
        Case::new("a = 10, x = 11 (on the boundary x = a + 1)", pair(10.0, 11.0)),
        Case::new("a = 50, x = 30", pair(50.0, 30.0)),
        Case::new("a = 50, x = 80", pair(50.0, 80.0)),
        Case::new("a = 100, x = 100", pair(100.0, 100.0)),
        Case::new("a = 0.1, x = 1e-6 (small a and x)", pair(0.1, 1e-6)),
        Case::new("a = 2.5, x = 200 (far tail, Q ~ 1e-83: do not compute 1 - P)", pair(2.5, 200.0)),
        Case::new("x = 0 (Q = 1)", pair(1.5, 0.0)),
    ];
    for _ in 0..4 {
        let (a, x) = (g.float(0.1, 30.0), g.float(0.0, 60.0));
        cases.push(Case::new(format!("random a = {a:.3}, x = {x:.3}"), pair(a, x)));
    }
    cases.extend([
        Case::new("a = 0", pair(0.0, 1.0)),
        Case::new("a = -1", pair(-1.0, 2.0)),
        Case::new("x = -0.5", pair(2.0, -0.5)),
        Case::new("a = NaN", pair(f64::NAN, 1.0)),
    ]);
    cases
}

fn t_test_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    let same = normals(g, 12, 0.0, 1.0);
    let mut with_nan = g.floats(5, 0.0, 1.0);
    with_nan[2] = f64::NAN;
    vec![
        Case::new(
            "random normals, n = 20 and 30, equal means",
            pair(normals(g, 20, 5.0, 1.0), normals(g, 30, 5.0, 1.0)),
        ),
        Case::new(
            "different means and variances, n = 15 and 40",
            pair(normals(g, 15, 1.0, 0.5), normals(g, 40, 1.6, 3.0)),
        ),
        Case::new("small samples, n = 2 and 3", pair(normals(g, 2, 0.0, 1.0), normals(g, 3, 0.5, 1.0))),
        Case::new("means far apart (p far below 1e-10)", pair(normals(g, 30, 10.0, 1.0), normals(g, 25, 0.0, 1.5))),
        Case::new("identical samples (t = 0, p = 1)", pair(same.clone(), same)),
        // Squared standard errors square again in the degrees of freedom: 1e80⁴ overflows.
        Case::new(
            "values of order 1e80, n = 10 and 12",
            pair(times(&normals(g, 10, 1.0, 0.5), 1e80), times(&normals(g, 12, 1.5, 1.0), 1e80)),
        ),
        Case::new(
            "values of order 1e-170, n = 10 and 12",
            pair(times(&normals(g, 10, 1.0, 0.5), 1e-170), times(&normals(g, 12, 1.5, 1.0), 1e-170)),
        ),
        Case::new("first sample constant (only one variance is zero)", pair(vec![3.0; 5], normals(g, 8, 2.0, 1.0))),
        Case::new(
            "iris: versicolor vs virginica sepal width",
            pair(iris.of_species(SEPAL_WIDTH, 1), iris.of_species(SEPAL_WIDTH, 2)),
        ),
        Case::new(
            "iris: setosa vs versicolor petal length",
            pair(iris.of_species(PETAL_LENGTH, 0), iris.of_species(PETAL_LENGTH, 1)),
        ),
        Case::new("a sample of one value", pair(g.floats(1, 0.0, 1.0), g.floats(5, 0.0, 1.0))),
        Case::new("an empty sample", pair(g.floats(4, 0.0, 1.0), Value::Floats(vec![]))),
        Case::new("both samples constant", pair(vec![3.0; 5], vec![1.0; 7])),
        Case::new("NaN in a sample", pair(with_nan, g.floats(5, 0.0, 1.0))),
    ]
}

/// An `r x c` table of whole counts drawn uniformly from `[lo, hi]`.
fn counts(g: &mut Gen, r: usize, c: usize, lo: i64, hi: i64) -> Vec<f64> {
    (0..r * c).map(|_| g.int(lo, hi) as f64).collect()
}

fn table(r: usize, c: usize, data: Vec<f64>) -> Value {
    Value::matrix(r, c, data)
}

fn chi_square_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    // Species against "petal longer than 4.35 cm" (the median): a real, strongly dependent 3x2.
    let mut by_species = vec![0.0; 6];
    for (len, s) in iris.columns[PETAL_LENGTH].iter().zip(&iris.species) {
        by_species[s * 2 + usize::from(*len > 4.35)] += 1.0;
    }
    // Rows proportional to each other: the counts are exactly what independence predicts.
    let (rw, cw) = ([1.0, 2.0, 3.0], [4.0, 1.0, 2.0, 5.0]);
    let independent: Vec<f64> = rw.iter().flat_map(|r| cw.iter().map(move |c| 2.0 * r * c)).collect();
    let mut strong = vec![5.0; 9];
    for i in 0..3 {
        strong[i * 4] = 200.0;
    }
    let mut zero_cell = counts(g, 3, 3, 5, 40);
    zero_cell[4] = 0.0;
    let weighted: Vec<f64> = (0..8).map(|_| g.float(0.5, 30.0)).collect();
    let mut negative = counts(g, 2, 3, 1, 20);
    negative[2] = -1.0;
    let mut zero_column = counts(g, 3, 3, 1, 20);
    for i in 0..3 {
        zero_column[i * 3 + 1] = 0.0;
    }
    let mut with_nan = counts(g, 2, 2, 1, 20);
    with_nan[1] = f64::NAN;
    vec![
        Case::new("random 2x2 (no Yates correction)", table(2, 2, counts(g, 2, 2, 5, 60))),
        Case::new("random 2x3", table(2, 3, counts(g, 2, 3, 1, 60))),
        Case::new("random 3x4", table(3, 4, counts(g, 3, 4, 1, 60))),
        Case::new("random 5x5", table(5, 5, counts(g, 5, 5, 0, 30))),
        Case::new("strong dependence 3x3 (p far below 1e-10)", table(3, 3, strong)),
        Case::new("exactly independent 3x4 (statistic 0, p = 1)", table(3, 4, independent)),
        Case::new("a zero cell, totals still positive", table(3, 3, zero_cell)),
        Case::new("non-integer (weighted) counts 2x4", table(2, 4, weighted)),
        Case::new("iris: species x petal length above 4.35 cm (3x2)", table(3, 2, by_species)),
        Case::new("1x4 table (too few rows)", table(1, 4, counts(g, 1, 4, 1, 20))),
        Case::new("3x1 table (too few columns)", table(3, 1, counts(g, 3, 1, 1, 20))),
        Case::new("a negative count", table(2, 3, negative)),
        Case::new("a column of zeros", table(3, 3, zero_column)),
        Case::new("NaN in the table", table(2, 2, with_nan)),
    ]
}

/// `x` times `c`, element by element.
fn times(x: &[f64], c: f64) -> Vec<f64> {
    x.iter().map(|v| v * c).collect()
}

fn pearson_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    let x = g.normals(200);
    let noisy: Vec<f64> = x.iter().map(|v| 0.8 * v + 0.6 * g.normals(1)[0]).collect();
    let line = g.floats(10, -5.0, 5.0);
    let up: Vec<f64> = line.iter().map(|v| 3.0 * v + 2.0).collect();
    let down: Vec<f64> = line.iter().map(|v| 1.0 - 0.5 * v).collect();
    let offset_x = normals(g, 100, 1e6, 1.0);
    let offset_y: Vec<f64> = offset_x.iter().map(|v| v + g.float(-1.0, 1.0)).collect();
    let big_x = g.floats(10, -5.0, 5.0);
    let big_y: Vec<f64> = big_x.iter().map(|v| 3.0 * v + 2e-100).collect();
    let x160 = g.normals(30);
    let y160: Vec<f64> = x160.iter().map(|v| 0.5 * v + g.normals(1)[0]).collect();
    let mut with_nan = g.floats(6, 0.0, 1.0);
    with_nan[0] = f64::NAN;
    vec![
        Case::new("random normals, n = 50 (r near 0)", pair(g.normals(50), g.normals(50))),
        Case::new("correlated normals, n = 200 (r near 0.8)", pair(x, noisy)),
        Case::new("points on a rising line (r = 1)", pair(line.clone(), up)),
        Case::new("points on a falling line (r = -1)", pair(line, down)),
        Case::new("two pairs", pair(g.floats(2, 0.0, 1.0), g.floats(2, 0.0, 1.0))),
        Case::new("large offset: 1e6 + noise", pair(offset_x, offset_y)),
        // ss_x ss_y overflows at 1e100 and underflows at 1e-85 unless the data are scaled.
        Case::new(
            "points on a rising line, x of order 1e100 (r = 1)",
            pair(times(&big_x, 1e100), times(&big_y, 1e100)),
        ),
        Case::new("correlated normals, n = 30, of order 1e160", pair(times(&x160, 1e160), times(&y160, 1e160))),
        Case::new("correlated normals, n = 30, of order 1e-85", pair(times(&x160, 1e-85), times(&y160, 1e-85))),
        Case::new(
            "iris: petal length vs petal width",
            pair(floats(&iris.columns[PETAL_LENGTH]), floats(&iris.columns[PETAL_WIDTH])),
        ),
        Case::new(
            "iris: sepal length vs sepal width",
            pair(floats(&iris.columns[SEPAL_LENGTH]), floats(&iris.columns[SEPAL_WIDTH])),
        ),
        Case::new("lengths 5 and 6", pair(g.floats(5, 0.0, 1.0), g.floats(6, 0.0, 1.0))),
        Case::new("a single pair", pair(g.floats(1, 0.0, 1.0), g.floats(1, 0.0, 1.0))),
        Case::new("empty", pair(Value::Floats(vec![]), Value::Floats(vec![]))),
        Case::new("constant y", pair(g.floats(8, 0.0, 1.0), vec![4.0; 8])),
        Case::new("NaN in x", pair(with_nan, g.floats(6, 0.0, 1.0))),
    ]
}

fn columns(cols: Vec<Vec<f64>>) -> Value {
    Value::List(cols.into_iter().map(Value::Floats).collect())
}

fn correlation_matrix_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    let species = |s: usize| columns((0..4).map(|j| iris.of_species(j, s)).collect());
    // Three variables with built-in correlations: b follows a, c runs against a.
    let a = g.normals(80);
    let b: Vec<f64> = a.iter().map(|v| v + 0.5 * g.normals(1)[0]).collect();
    let c: Vec<f64> = a.iter().map(|v| 2.0 - v + g.normals(1)[0]).collect();
    let random = |g: &mut Gen, k: usize, n: usize| columns((0..k).map(|_| g.normals(n)).collect());
    let mut with_nan: Vec<Vec<f64>> = (0..3).map(|_| g.normals(10)).collect();
    with_nan[1][4] = f64::NAN;
    vec![
        Case::new("iris: the four measurements of all 150 flowers (4x4)", columns(iris.columns.to_vec())),
        Case::new("iris: setosa only (4x4)", species(0)),
        Case::new("iris: virginica only (4x4)", species(2)),
        Case::new("3 correlated variables, 80 observations", columns(vec![a, b, c])),
        Case::new("random 6 variables, 200 observations", random(g, 6, 200)),
        Case::new("two variables, 2 observations", random(g, 2, 2)),
        Case::new("one variable (1x1)", random(g, 1, 20)),
        Case::new("no columns", Value::List(vec![])),
        Case::new("columns of lengths 10, 10 and 9", columns(vec![g.normals(10), g.normals(10), g.normals(9)])),
        Case::new("one observation", random(g, 3, 1)),
        Case::new("a constant column", columns(vec![g.normals(10), vec![7.0; 10], g.normals(10)])),
        Case::new("NaN in a column", columns(with_nan)),
    ]
}

fn grouped(values: Vec<f64>, groups: Vec<usize>, n_groups: usize) -> Value {
    Value::List(vec![
        Value::Floats(values),
        Value::Ints(groups.into_iter().map(|g| g as i64).collect()),
        n_groups.into(),
    ])
}

/// `n` labels covering every group in `0..k`, in random order.
fn labels(g: &mut Gen, n: usize, k: usize) -> Vec<usize> {
    let mut l: Vec<usize> = (0..n).map(|i| i % k).collect();
    l.shuffle(g.rng());
    l
}

fn group_means_cases(g: &mut Gen) -> Vec<Case> {
    let iris = Iris::load();
    let random = |g: &mut Gen, n: usize, k: usize| {
        let groups = labels(g, n, k);
        grouped(g.floats(n, -10.0, 10.0), groups, k)
    };
    let mut with_nan = g.floats(6, 0.0, 1.0);
    with_nan[5] = f64::NAN;
    vec![
        Case::new(
            "iris: petal length by species",
            grouped(iris.columns[PETAL_LENGTH].clone(), iris.species.clone(), 3),
        ),
        Case::new("iris: sepal width by species", grouped(iris.columns[SEPAL_WIDTH].clone(), iris.species.clone(), 3)),
        Case::new("random 100 values in 5 groups", random(g, 100, 5)),
        Case::new("one group", random(g, 9, 1)),
        Case::new("one value per group", random(g, 4, 4)),
        Case::new("no values, no groups (empty result)", grouped(vec![], vec![], 0)),
        Case::new("label 3 with 3 groups (out of range)", grouped(g.floats(4, 0.0, 1.0), vec![0, 1, 3, 2], 3)),
        Case::new("group 2 of 4 has no values", grouped(g.floats(5, 0.0, 1.0), vec![0, 1, 3, 1, 0], 4)),
        Case::new("5 values, 4 labels", grouped(g.floats(5, 0.0, 1.0), vec![0, 1, 1, 0], 2)),
        Case::new("NaN among the values", grouped(with_nan, labels(g, 6, 2), 2)),
    ]
}

// The reference solution, compiled into the unit tests below (never into the grader itself), so
// that its numbers can be checked against an independent implementation. Its `super::matrix`
// import resolves to this `matrix` module.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../solutions/stage1/src/matrix.rs"]
mod matrix;
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../../solutions/stage1/src/statistics.rs"]
mod reference;

#[cfg(test)]
mod tests {
    //! The reference solution checked against statrs, an independent implementation of the same
    //! special functions and distributions, and against published results on iris.

    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

    use super::matrix::Matrix;
    use super::reference as r;

    /// The iris data set, as the grader hands it to the suites (it checks the digest first).
    fn with_iris() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../datasets/iris/iris.csv");
        grader_suite_api::data::install("iris", "unit tests", std::fs::read(path).expect("datasets/iris"));
    }

    fn close(what: &str, got: f64, want: f64, rtol: f64) {
        assert!(
            (got - want).abs() <= 1e-300 + rtol * want.abs(),
            "{what}: reference {got:e}, statrs {want:e} (rel error {:e})",
            ((got - want) / want).abs()
        );
    }

    #[test]
    fn iris_loads_150_flowers_50_per_species() {
        with_iris();
        let iris = Iris::load();
        assert!(iris.columns.iter().all(|c| c.len() == 150));
        for s in 0..3 {
            assert_eq!(iris.species.iter().filter(|&&k| k == s).count(), 50);
        }
        assert_eq!(&iris.columns[PETAL_LENGTH][..2], &[1.4, 1.4]);
    }

    #[test]
    fn special_functions_agree_with_statrs() {
        for x in [1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 33.3, 171.5, 1000.0, 1e6] {
            let want = statrs::function::gamma::ln_gamma(x);
            let got = r::ln_gamma(x).unwrap();
            assert!((got - want).abs() <= 1e-13 * want.abs().max(1.0), "ln_gamma({x}): {got} vs {want}");
        }
        for (a, b, x) in [
            (1.0, 1.0, 0.3),
            (2.0, 3.0, 0.4),
            (0.5, 0.5, 0.2),
            (5.0, 10.0, 0.1),
            (5.0, 10.0, 0.8),
            (4.5, 0.5, 0.3),
            (300.0, 400.0, 0.43),
            (50.0, 2.0, 0.1),
            (2.0, 50.0, 0.5),
            (17.3, 0.7, 0.99),
            (400.0, 400.0, 0.36),
            (400.0, 400.0, 0.64),
            (400.0, 300.0, 0.5),
        ] {
            let want = statrs::function::beta::beta_reg(a, b, x);
            close(&format!("I_{x}({a}, {b})"), r::regularized_incomplete_beta(a, b, x).unwrap(), want, 1e-10);
        }
        for (a, x) in [
            (1.0, 2.5),
            (0.5, 0.3),
            (3.0, 0.1),
            (3.0, 10.0),
            (10.0, 11.0),
            (50.0, 30.0),
            (50.0, 80.0),
            (100.0, 100.0),
            (0.1, 1e-6),
            (2.5, 200.0),
            (7.5, 3.2),
        ] {
            let want = statrs::function::gamma::gamma_ur(a, x);
            close(&format!("Q({a}, {x})"), r::regularized_gamma_q(a, x).unwrap(), want, 1e-10);
        }
    }

    #[test]
    fn t_tests_agree_with_statrs() {
        with_iris();
        let iris = Iris::load();
        let mut g = Gen::new(7, "statrs");
        let samples = [
            (iris.of_species(SEPAL_WIDTH, 1), iris.of_species(SEPAL_WIDTH, 2)),
            (iris.of_species(PETAL_LENGTH, 0), iris.of_species(PETAL_LENGTH, 1)),
            (normals(&mut g, 15, 1.0, 0.5), normals(&mut g, 40, 1.6, 3.0)),
            (normals(&mut g, 3, 0.0, 1.0), normals(&mut g, 2, 0.5, 1.0)),
        ];
        for (a, b) in &samples {
            let t = r::welch_t_test(a, b).unwrap();
            let tail = StudentsT::new(0.0, 1.0, t.df).unwrap().cdf(-t.t.abs());
            close("two-sided p", t.p_value, 2.0 * tail, 1e-10);
        }
        // Versicolor vs virginica sepal width: t = -3.2058, df = 97.927, p = 0.0018191 (R's
        // `t.test(versicolor, virginica)` on the same data).
        let t = r::welch_t_test(&samples[0].0, &samples[0].1).unwrap();
        assert!((t.t + 3.2058).abs() < 1e-4 && (t.df - 97.927).abs() < 1e-3, "{t:?}");
        assert!((t.p_value - 0.0018191).abs() < 1e-6, "{t:?}");
    }

    #[test]
    fn chi_square_agrees_with_statrs() {
        with_iris();
        let mut g = Gen::new(7, "statrs");
        for (rows, cols) in [(2, 2), (3, 4), (5, 5)] {
            let m = Matrix::from_vec(rows, cols, counts(&mut g, rows, cols, 1, 60));
            let c = r::chi_square_independence(&m).unwrap();
            let want = ChiSquared::new(c.dof as f64).unwrap().sf(c.statistic);
            close("chi-square p", c.p_value, want, 1e-10);
        }
        // The suite's tables with tiny p-values: the far tail must keep its relative accuracy.
        for case in chi_square_cases(&mut g) {
            if case.label.starts_with("strong") || case.label.starts_with("iris") {
                let (rows, cols, data) = case.input.matrix_parts();
                let c = r::chi_square_independence(&Matrix::from_vec(rows, cols, data.to_vec())).unwrap();
                let want = ChiSquared::new(c.dof as f64).unwrap().sf(c.statistic);
                assert!(c.p_value < 1e-10, "{}: {c:?}", case.label);
                close(&case.label, c.p_value, want, 1e-10);
            }
        }
        // 2x2 by hand: [[10, 20], [30, 40]] has E = [[12, 18], [28, 42]], statistic 0.7937.
        let c = r::chi_square_independence(&Matrix::from_vec(2, 2, vec![10.0, 20.0, 30.0, 40.0])).unwrap();
        let by_hand = 4.0 / 12.0 + 4.0 / 18.0 + 4.0 / 28.0 + 4.0 / 42.0;
        assert!((c.statistic - by_hand).abs() < 1e-12 && c.dof == 1, "{c:?}");
    }

    #[test]
    fn large_offset_case_fails_the_shortcut_and_passes_welford() {
        with_iris();
        // The tolerance of stage1.statistics.describe in grader/course/stage1/statistics.toml.
        let tol = compare::Tolerance::new(1e-8, 1e-6);
        for seed in 1..=5 {
            let cases = describe_cases(&mut Gen::new(seed, "stage1.statistics.describe"));
            let case = cases.iter().find(|c| c.label.starts_with("large offset")).unwrap();
            let x = case.input.floats();
            let want = r::describe(x).unwrap().variance;
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let shortcut = (x.iter().map(|v| v * v).sum::<f64>() - n * mean * mean) / (n - 1.0);
            assert!(!tol.accepts(want, shortcut), "seed {seed}: shortcut {shortcut} vs {want}");
            let (mut m, mut m2) = (0.0, 0.0);
            for (k, v) in x.iter().enumerate() {
                let delta = v - m;
                m += delta / (k + 1) as f64;
                m2 += delta * (v - m);
            }
            let welford = m2 / (n - 1.0);
            assert!(tol.accepts(want, welford), "seed {seed}: Welford {welford} vs {want}");
            assert!((want - 1.0).abs() < 0.2, "seed {seed}: variance {want}");
        }
    }
}
