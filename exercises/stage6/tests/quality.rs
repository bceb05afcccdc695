//! Public tests for `stage6::quality`: `cargo test -p stage6 --test quality`.
//!
//! `grader check stage6.quality` runs the hidden cases (random batches with planted faults,
//! renamed columns, the edges).

use stage6::quality::{violations, Column, Kind, Rule};

fn col(name: &str, kind: Kind, nullable: bool, unique: bool) -> Column {
    Column { name: name.into(), kind, nullable, min: Some(1.0), max: None, allowed: vec![], unique }
}

#[test]
fn cells_by_row_then_schema_order() {
    let schema = [col("id", Kind::Int, false, true), col("qty", Kind::Int, true, false)];
    let csv = "id,qty,note\n1,5,a\n1,,b\n,0,c\nx,2,d\n";
    let found: Vec<(Option<usize>, String, Rule)> =
        violations(csv, &schema).unwrap().into_iter().map(|v| (v.row, v.column, v.rule)).collect();
    let want = [
        (None, "note", Rule::UnexpectedColumn),
        (Some(1), "id", Rule::Duplicate),
        (Some(2), "id", Rule::Null),
        (Some(2), "qty", Rule::Range),
        (Some(3), "id", Rule::Type),
    ];
    assert_eq!(found, want.map(|(r, c, k)| (r, c.to_string(), k)));
}
