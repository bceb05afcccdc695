//! Hidden suites for `stage2::data`.
//!
//! Wire formats are documented in `grader/probes/stage2/src/data.rs`. Every exercise here has a
//! unique answer (the splits fix how the seeded `Rng` is used), so all compare by allclose.

use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};
use rand::Rng as _;

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::plain("stage2.data.load_csv", load_csv_cases),
        ExerciseSuite::plain("stage2.data.fill_missing_mean", fill_missing_cases),
        ExerciseSuite::plain("stage2.data.one_hot", one_hot_cases),
        ExerciseSuite::plain("stage2.data.standard_scaler", scaler_cases),
        ExerciseSuite::plain("stage2.data.minmax_scaler", scaler_cases),
        ExerciseSuite::plain("stage2.data.train_val_test_split", train_val_test_cases),
        ExerciseSuite::plain("stage2.data.stratified_split", stratified_split_cases),
        ExerciseSuite::plain("stage2.data.kfold", kfold_cases),
        ExerciseSuite::plain("stage2.data.stratified_kfold", stratified_kfold_cases),
        ExerciseSuite::plain("stage2.data.time_series_split", time_series_cases),
    ]
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn texts(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::Text(s.to_string())).collect())
}

/// The first `rows` data rows of a CSV text, header kept.
fn head(csv: &str, rows: usize) -> String {
    csv.lines().take(rows + 1).map(|l| format!("{l}\n")).collect()
}

/// The numeric rows of a headed CSV whose fields are all numbers.
fn numeric_rows(csv: &str) -> Vec<Vec<f64>> {
    csv.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().expect("course CSV")).collect()).collect()
}

fn matrix(rows: &[Vec<f64>]) -> Value {
    let cols = rows.first().map_or(0, Vec::len);
    Value::matrix(rows.len(), cols, rows.concat())
}

fn iris_labels() -> Vec<i64> {
    let species = ["setosa", "versicolor", "virginica"];
    data::text("iris")
        .lines()
        .skip(1)
        .map(|l| species.iter().position(|s| l.ends_with(s)).expect("iris species") as i64)
        .collect()
}

fn wine_labels() -> Vec<i64> {
    numeric_rows(data::text("wine")).iter().map(|r| *r.last().expect("wine class") as i64).collect()
}

/// `n` random values rounded to 2 decimals, in `[lo, hi)`, as CSV fields.
fn fields(g: &mut Gen, n: usize, lo: f64, hi: f64) -> Vec<String> {
    g.floats(n, lo, hi).iter().map(|x| format!("{x:.2}")).collect()
}

/// A small table with a float column `x`, an integer column `n` and a text column `name`, with
/// about `missing` of the numeric cells empty (never all of a column).
fn table_with_gaps(g: &mut Gen, rows: usize, missing: f64) -> String {
    let mut csv = String::from("x,n,name\n");
    let xs = fields(g, rows, -10.0, 10.0);
    for (i, x) in xs.iter().enumerate() {
        let keep = |g: &mut Gen| i == 0 || g.float(0.0, 1.0) >= missing;
        let x = if keep(g) { x.clone() } else { String::new() };
        let n = if keep(g) { g.int(0, 50).to_string() } else { String::new() };
        csv.push_str(&format!("{x},{n},item{}\n", g.int(0, 9)));
    }
    csv
}

// ---------------------------------------------------------------------------------------------
// load_csv: input Text (file content) or Unit (missing file).

fn load_csv_cases(g: &mut Gen) -> Vec<Case> {
    // Numbers inferred as f64 from the first 100 rows, then a word at row 150.
    let mut late_word = String::from("a,b\n");
    for i in 0..200 {
        let b = if i == 150 { "oops".to_string() } else { format!("{:.3}", g.float(0.0, 1.0)) };
        late_word.push_str(&format!("{i},{b}\n"));
    }
    let mut ragged = head(data::text("iris"), 20);
    ragged.push_str("5.0,3.4,1.5,0.2,setosa,extra\n");
    ragged.push_str(&data::text("iris").lines().skip(21).take(10).map(|l| format!("{l}\n")).collect::<String>());
    vec![
        Case::new("iris.csv (150 rows, a text column)", Value::Text(data::text("iris").to_string())),
        Case::new("wine.csv (178 rows, 14 columns)", Value::Text(data::text("wine").to_string())),
        Case::new(
            "winequality-red.csv, first 300 rows (quoted header)",
            Value::Text(head(data::text("winequality"), 300)),
        ),
        Case::new("table with empty fields (missing values)", Value::Text(table_with_gaps(g, 30, 0.3))),
        Case::new("header only, no rows", Value::Text("a,b,c\n".to_string())),
        Case::new("a row with more fields than the header", Value::Text(ragged)),
        Case::new("a word in a numeric column after row 100", Value::Text(late_word)),
        Case::new("empty file", Value::Text(String::new())),
        Case::new("file that does not exist", Value::Unit),
    ]
}

// ---------------------------------------------------------------------------------------------
// fill_missing_mean: input (csv, columns to fill, columns the glue casts to f64 first).

fn fill_missing_cases(g: &mut Gen) -> Vec<Case> {
    let fill =
        |csv: String, cols: &[&str], declared: &[&str]| list(vec![Value::Text(csv), texts(cols), texts(declared)]);
    let mut all_empty = String::from("x,y\n");
    for _ in 0..6 {
        all_empty.push_str(&format!("{:.2},\n", g.float(0.0, 5.0)));
    }
    vec![
        Case::new("float and integer columns with gaps", fill(table_with_gaps(g, 25, 0.3), &["x", "n"], &[])),
        Case::new("only one of two gappy columns", fill(table_with_gaps(g, 25, 0.3), &["n"], &[])),
        Case::new("mostly missing (one value left)", fill(table_with_gaps(g, 12, 0.95), &["x", "n"], &[])),
        Case::new("no missing value", fill(table_with_gaps(g, 10, 0.0), &["x"], &[])),
        Case::new("wine.csv, no column named", fill(head(data::text("wine"), 40), &[], &[])),
        Case::new("unknown column", fill(table_with_gaps(g, 8, 0.3), &["x", "nope"], &[])),
        Case::new("text column", fill(table_with_gaps(g, 8, 0.3), &["name"], &[])),
        Case::new("numeric column with no value at all", fill(all_empty, &["x", "y"], &["y"])),
    ]
}

// ---------------------------------------------------------------------------------------------
// one_hot: input (csv, column).

fn one_hot_cases(g: &mut Gen) -> Vec<Case> {
    let hot = |csv: String, col: &str| list(vec![Value::Text(csv), Value::Text(col.to_string())]);
    let mut ints = String::from("v,k\n");
    for _ in 0..20 {
        ints.push_str(&format!("{:.2},{}\n", g.float(0.0, 1.0), [2, 10, 7, 1][g.size(0, 3)]));
    }
    let mut gappy = String::from("color,size\n");
    for _ in 0..15 {
        let c = ["red", "blue", "", "green"][g.size(0, 3)];
        gappy.push_str(&format!("{c},{}\n", g.int(1, 5)));
    }
    gappy.push_str("red,3\n");
    let mut cased = String::from("word,w\n");
    for _ in 0..12 {
        cased.push_str(&format!("{},{:.1}\n", ["b", "B", "a", "apple", "Zebra"][g.size(0, 4)], g.float(0.0, 9.0)));
    }
    vec![
        Case::new("iris species (text, 3 values)", hot(data::text("iris").to_string(), "species")),
        Case::new("wine class (integers 0..2)", hot(head(data::text("wine"), 178), "class")),
        Case::new("integer categories 1, 2, 7, 10 (numeric order)", hot(ints, "k")),
        Case::new("text with missing values", hot(gappy.clone(), "color")),
        Case::new("text, upper and lower case", hot(cased, "word")),
        Case::new("unknown column", hot(gappy, "shape")),
        Case::new("float column", hot(head(data::text("wine"), 10), "alcohol")),
    ]
}

// ---------------------------------------------------------------------------------------------
// Scalers: input (train, test); the test set is transformed with the training statistics.

/// `rows x cols` normal values, column `j` with its own centre and spread, then shifted by
/// `shift` and stretched by `stretch` (a test set from another distribution).
fn gaussian_columns(g: &mut Gen, rows: usize, centres: &[f64], spreads: &[f64], shift: f64, stretch: f64) -> Value {
    let cols = centres.len();
    let z = g.normals(rows * cols);
    let data = (0..rows * cols).map(|k| (centres[k % cols] + spreads[k % cols] * z[k]) * stretch + shift).collect();
    Value::matrix(rows, cols, data)
}

fn scaler_cases(g: &mut Gen) -> Vec<Case> {
    let pair = |a: Value, b: Value| list(vec![a, b]);
    let centres: Vec<f64> = (0..4).map(|_| g.float(-50.0, 50.0)).collect();
    let spreads: Vec<f64> = (0..4).map(|_| g.float(0.1, 20.0)).collect();
    let train = gaussian_columns(g, 40, &centres, &spreads, 0.0, 1.0);
    let test = gaussian_columns(g, 15, &centres, &spreads, 3.0, 2.0);
    let wine = numeric_rows(data::text("wine"));
    // Wine is sorted by class: the last rows are a test set unlike the training rows.
    let features: Vec<Vec<f64>> = wine.iter().map(|r| r[..13].to_vec()).collect();
    let mut constant = g.floats(10 * 3, -1.0, 1.0);
    (0..10).for_each(|i| constant[i * 3 + 1] = 3.0);
    vec![
        Case::new("train 40x4, test 15x4 from a shifted distribution", pair(train, test)),
        Case::new("wine: first 130 rows train, last 48 test", pair(matrix(&features[..130]), matrix(&features[130..]))),
        Case::new("constant training column", pair(Value::matrix(10, 3, constant), g.matrix(5, 3))),
        Case::new("single training row", pair(g.matrix(1, 3), g.matrix(4, 3))),
        Case::new("empty test set", pair(g.matrix(6, 2), g.matrix(0, 2))),
        Case::new("empty training set", pair(g.matrix(0, 3), g.matrix(2, 3))),
        Case::new("test with a different number of columns", pair(g.matrix(5, 3), g.matrix(4, 2))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Splits: the seed travels as an Int holding the u64's bits.

fn seed(g: &mut Gen) -> Value {
    Value::Int(g.seed() as i64)
}

fn train_val_test_cases(g: &mut Gen) -> Vec<Case> {
    let mut case = |label: &str, n: usize, val: f64, test: f64| {
        Case::new(label, list(vec![Value::from(n), val.into(), test.into(), seed(g)]))
    };
    vec![
        case("n = 100, 20% validation, 10% test", 100, 0.2, 0.1),
        case("n = 150, 15% / 15%", 150, 0.15, 0.15),
        case("n = 7, 25% / 25% (1.75 rounds to 2)", 7, 0.25, 0.25),
        case("n = 10, 25% / 25% (2.5 rounds to 3)", 10, 0.25, 0.25),
        case("n = 1, no validation or test", 1, 0.0, 0.0),
        case("n = 50, no validation", 50, 0.0, 0.3),
        case("n = 0", 0, 0.1, 0.1),
        case("n = 2, 40% / 40% (no training sample left)", 2, 0.4, 0.4),
        case("test fraction 1", 10, 0.0, 1.0),
        case("negative fraction", 10, -0.1, 0.2),
        case("NaN fraction", 10, f64::NAN, 0.2),
        case("fractions adding up to 1", 10, 0.5, 0.5),
    ]
}

fn stratified_split_cases(g: &mut Gen) -> Vec<Case> {
    let mut rare: Vec<i64> = (0..40).map(|i| i64::from(i % 7 == 0)).collect();
    rare.extend([2, 2, 2]);
    let n = rare.len();
    for i in (1..n).rev() {
        let j = g.rng().random_range(0..=i);
        rare.swap(i, j);
    }
    let mut case =
        |label: &str, labels: Vec<i64>, f: f64| Case::new(label, list(vec![labels.into(), f.into(), seed(g)]));
    vec![
        case("iris labels (3 x 50), 20% test", iris_labels(), 0.2),
        case("wine labels (59/71/48), 25% test", wine_labels(), 0.25),
        case("imbalanced, a class of 3, 30% test", rare, 0.3),
        case("classes 0 and 5 only", vec![5, 0, 5, 5, 0, 5, 0, 5, 5, 5], 0.5),
        case("a single class", vec![1; 9], 0.34),
        case("test fraction 0", vec![0, 1, 0, 1], 0.0),
        case("test fraction 1", vec![0, 1, 0, 1], 1.0),
        case("no labels", vec![], 0.2),
    ]
}

// ---------------------------------------------------------------------------------------------
// Cross-validation: input (n, k) or (labels, k).

fn nk(n: usize, k: usize) -> Value {
    list(vec![n.into(), k.into()])
}

fn kfold_cases(g: &mut Gen) -> Vec<Case> {
    let n = g.size(20, 60);
    vec![
        Case::new("n = 10, k = 5", nk(10, 5)),
        Case::new("n = 10, k = 3 (first fold larger)", nk(10, 3)),
        Case::new("n = 11, k = 4", nk(11, 4)),
        Case::new(format!("n = {n}, k = 7"), nk(n, 7)),
        Case::new("n = 150, k = 10", nk(150, 10)),
        Case::new("leave-one-out: n = 6, k = 6", nk(6, 6)),
        Case::new("k = 2 (the fewest splits)", nk(12, 2)),
        Case::new("k = 1", nk(10, 1)),
        Case::new("k = 0", nk(10, 0)),
        Case::new("k > n", nk(3, 5)),
        Case::new("n = 0", nk(0, 2)),
    ]
}

fn stratified_kfold_cases(g: &mut Gen) -> Vec<Case> {
    let case = |label: &str, labels: Vec<i64>, k: usize| Case::new(label, list(vec![labels.into(), k.into()]));
    let random: Vec<i64> = (0..37).map(|_| [0, 0, 0, 1, 1, 2][g.size(0, 5)]).collect();
    vec![
        case("labels [0, 1, 0, 1, 0, 0], k = 2", vec![0, 1, 0, 1, 0, 0], 2),
        case("iris labels, k = 5", iris_labels(), 5),
        case("wine labels, k = 4", wine_labels(), 4),
        case("37 imbalanced labels, k = 3", random, 3),
        case("a class smaller than k", vec![0, 0, 0, 0, 0, 1, 0, 0], 3),
        case("k = 1", vec![0, 1, 0, 1], 1),
        case("k > number of samples", vec![0, 1, 0], 4),
        case("no labels", vec![], 2),
    ]
}

fn time_series_cases(g: &mut Gen) -> Vec<Case> {
    let n = g.size(30, 80);
    vec![
        Case::new("n = 7, k = 3", nk(7, 3)),
        Case::new("n = 100, k = 5", nk(100, 5)),
        Case::new("n = 10, k = 9 (test blocks of 1)", nk(10, 9)),
        Case::new("n = 23, k = 4 (remainder goes to the first training window)", nk(23, 4)),
        Case::new(format!("n = {n}, k = 6"), nk(n, 6)),
        Case::new("k = 2 (the fewest splits)", nk(12, 2)),
        Case::new("k = 1", nk(10, 1)),
        Case::new("k + 1 > n", nk(3, 3)),
    ]
}
