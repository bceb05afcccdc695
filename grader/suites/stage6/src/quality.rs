//! Hidden suites for `stage6::quality`: the violations of an orders table's schema, compared with
//! the reference's list exactly. Random batches with faults planted at random cells (nulls,
//! numbers that do not parse, `NaN`, `inf`, `" 5"`, `1e3` for an integer, values out of range,
//! unknown statuses, repeated ids), renamed and extra columns, and the edges (no rows, every cell
//! null, nulls in a unique column, a ragged file).

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![ExerciseSuite::custom("stage6.quality.violations", cases, exact)]
}

fn column(
    name: &str,
    kind: &str,
    nullable: bool,
    range: (Option<f64>, Option<f64>),
    allowed: &[&str],
    unique: bool,
) -> Value {
    let bound = |b: Option<f64>| b.map_or(Value::Unit, Value::Float);
    Value::List(vec![
        Value::Text(name.into()),
        Value::Text(kind.into()),
        Value::Bool(nullable),
        bound(range.0),
        bound(range.1),
        Value::List(allowed.iter().map(|a| Value::Text(a.to_string())).collect()),
        Value::Bool(unique),
    ])
}

/// The orders schema: id, customer, amount, quantity, status, country.
fn orders() -> Vec<Value> {
    vec![
        column("id", "int", false, (Some(1.0), None), &[], true),
        column("customer", "text", false, (None, None), &[], false),
        column("amount", "float", false, (Some(0.0), Some(10_000.0)), &[], false),
        column("quantity", "int", false, (Some(1.0), Some(100.0)), &[], false),
        column("status", "text", false, (None, None), &["new", "paid", "shipped", "refunded"], false),
        column("country", "text", true, (None, None), &[], false),
    ]
}

const HEADER: [&str; 6] = ["id", "customer", "amount", "quantity", "status", "country"];
const STATUSES: [&str; 4] = ["new", "paid", "shipped", "refunded"];

fn good_row(g: &mut Gen, id: usize) -> Vec<String> {
    vec![
        id.to_string(),
        format!("c{}", g.int(100, 999)),
        format!("{:.2}", g.float(0.5, 900.0)),
        g.int(1, 20).to_string(),
        STATUSES[g.size(0, 3)].to_string(),
        if g.size(0, 4) == 0 { String::new() } else { ["DE", "FR", "JP", "BR"][g.size(0, 3)].to_string() },
    ]
}

/// A bad value for column `j`, from the faults a real feed sends.
fn fault(g: &mut Gen, j: usize, earlier_id: &str) -> String {
    let pick = |g: &mut Gen, xs: &[&str]| xs[g.size(0, xs.len() - 1)].to_string();
    match j {
        0 => pick(g, &["", "0", "-4", "1e3", " 7", "7.0", "abc", earlier_id, earlier_id]),
        1 => String::new(),
        2 => pick(g, &["", "-0.01", "10000.5", "NaN", "inf", "12;5", "1e3", "ten"]),
        3 => pick(g, &["", "0", "101", "2.5", "+3", "-1", "9999999999999999999999"]),
        4 => pick(g, &["", "PAID", "cancelled", "paid ", "unknown"]),
        _ => String::new(),
    }
}

fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = header.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

fn case(label: &str, csv: String, schema: Vec<Value>) -> Case {
    Case::new(label, Value::List(vec![Value::Text(csv), Value::List(schema)]))
}

fn cases(g: &mut Gen) -> Vec<Case> {
    let mut cases = Vec::new();
    for (k, n) in [40usize, 200, 1000].into_iter().enumerate() {
        let mut rows: Vec<Vec<String>> = (0..n).map(|i| good_row(g, i + 1)).collect();
        for _ in 0..n / 8 {
            let (r, j) = (g.size(0, n - 1), g.size(0, 4));
            let earlier = g.size(1, r.max(1)).to_string();
            rows[r][j] = fault(g, j, &earlier);
        }
        cases.push(case(
            &format!("a batch of {n} orders with faults at random cells {}", k + 1),
            csv(&HEADER, &rows),
            orders(),
        ));
    }
    let rows: Vec<Vec<String>> = (0..30).map(|i| good_row(g, i + 1)).collect();
    cases.push(case("a clean batch: no violation", csv(&HEADER, &rows), orders()));
    let renamed = ["id", "customer_id", "amount", "quantity", "status", "country", "coupon"];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.push("SAVE10".into());
            r
        })
        .collect();
    cases.push(case("a column renamed upstream and one added", csv(&renamed, &rows), orders()));
    let mut rows: Vec<Vec<String>> = (0..12).map(|i| good_row(g, i + 1)).collect();
    rows[3][0] = "2".into();
    rows[5][0] = "2".into();
    rows[7][0] = "0".into();
    rows[9][0] = "0".into();
    rows[10][0] = String::new();
    rows[11][0] = String::new();
    cases.push(case(
        "repeated ids, an out-of-range id twice (Range comes before Duplicate), nulls where none may be",
        csv(&HEADER, &rows),
        orders(),
    ));
    let mut schema = orders();
    schema[0] = column("id", "int", true, (Some(1.0), None), &[], true);
    cases.push(case("nulls in a nullable unique column are never duplicates", csv(&HEADER, &rows), schema));
    cases.push(case("no rows", csv(&HEADER, &[]), orders()));
    cases.push(case("every cell null", csv(&HEADER, &vec![vec![String::new(); 6]; 3]), orders()));
    cases.push(case("an empty schema: every column unexpected", csv(&HEADER, &[good_row(g, 1)]), vec![]));
    cases.push(case(
        "numbers at the edges: -0, 1e-300, 10000, an i64's largest",
        "id,amount,quantity\n9223372036854775807,-0,100\n1,1e-300,1\n2,10000,50\n".into(),
        vec![
            column("id", "int", false, (Some(1.0), None), &[], true),
            column("amount", "float", false, (Some(0.0), Some(10_000.0)), &[], false),
            column("quantity", "int", false, (Some(1.0), Some(100.0)), &[], false),
        ],
    ));
    cases.push(case("a row with more fields than the header", "id,customer\n1,a\n2,b,extra\n".into(), orders()));
    cases
}
