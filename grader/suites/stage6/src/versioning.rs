//! Hidden suites for `stage6::versioning`: manifests and diffs of a real data set (the
//! breast-cancer CSV cut into shards) as it is edited, extended, pruned and reorganised, compared
//! exactly (the reference's digests were checked against Python's hashlib: README).

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::data;
use grader_suite_api::suite::{Case, ExerciseSuite, Gen};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage6.versioning.manifest", manifest_cases, exact),
        ExerciseSuite::custom("stage6.versioning.diff", diff_cases, exact),
    ]
}

type Files = Vec<(String, Vec<u8>)>;

fn wire(files: &Files) -> Value {
    Value::List(files.iter().map(|(p, b)| Value::List(vec![Value::Text(p.clone()), Value::Bytes(b.clone())])).collect())
}

/// The breast-cancer CSV cut into shards of `rows` lines (the header in each).
fn shards(rows: usize) -> Files {
    let mut lines = data::text("breast_cancer").lines();
    let header = lines.next().expect("suite: a header");
    let body: Vec<&str> = lines.collect();
    body.chunks(rows)
        .enumerate()
        .map(|(i, c)| (format!("tumours/part-{i:03}.csv"), format!("{header}\n{}\n", c.join("\n")).into_bytes()))
        .collect()
}

/// The same files in a random order.
fn shuffled(g: &mut Gen, files: &Files) -> Files {
    let mut f = files.clone();
    for i in (1..f.len()).rev() {
        let j = g.size(0, i);
        f.swap(i, j);
    }
    f
}

fn manifest_cases(g: &mut Gen) -> Vec<Case> {
    let data = shards(100);
    let one = |p: &str, b: &[u8]| vec![(p.to_string(), b.to_vec())];
    let mut cases = vec![
        Case::new("the data set in six shards", wire(&data)),
        Case::new("the same shards in another order: the same manifest", wire(&shuffled(g, &data))),
        Case::new("no files: the digest of an empty text", wire(&vec![])),
        Case::new("an empty file", wire(&one("empty.csv", b""))),
        Case::new(
            "paths sorted by bytes: upper case before lower case, '-' before '/'",
            wire(&vec![
                ("b/x".into(), b"1".to_vec()),
                ("B".into(), b"2".to_vec()),
                ("a-b".into(), b"3".to_vec()),
                ("a/b".into(), b"4".to_vec()),
                ("données/été.csv".into(), b"5".to_vec()),
            ]),
        ),
        Case::new("binary contents", wire(&one("weights.bin", &(0..=255u8).cycle().take(5000).collect::<Vec<u8>>()))),
        Case::new("a parent directory component", wire(&one("data/../secret", b"x"))),
        Case::new("an absolute path", wire(&one("/etc/passwd", b"x"))),
        Case::new("an empty component", wire(&one("data//x.csv", b"x"))),
        Case::new("a '.' component", wire(&one("./x.csv", b"x"))),
        Case::new("a backslash", wire(&one("data\\x.csv", b"x"))),
        Case::new("an empty path", wire(&one("", b"x"))),
        Case::new(
            "one path twice",
            wire(&vec![("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec()), ("a".into(), b"1".to_vec())]),
        ),
    ];
    let mut edited = data.clone();
    let k = g.size(0, edited.len() - 1);
    let pos = edited[k].1.len() / 2;
    edited[k].1[pos] ^= 1;
    cases.push(Case::new("one bit flipped in one shard", wire(&edited)));
    cases
}

fn diff_case(label: &str, old: &Files, new: &Files) -> Case {
    Case::new(label, Value::List(vec![wire(old), wire(new)]))
}

fn diff_cases(g: &mut Gen) -> Vec<Case> {
    let v1 = shards(100);
    let mut edited = v1.clone();
    let k = g.size(0, v1.len() - 1);
    edited[k].1.extend_from_slice(b"9,9,9\n");
    let mut grown = v1.clone();
    grown.push(("tumours/part-006.csv".into(), b"header\nnew rows\n".to_vec()));
    let pruned: Files = v1.iter().filter(|(p, _)| !p.ends_with("002.csv")).cloned().collect();
    let moved: Files = v1.iter().map(|(p, b)| (p.replace("tumours/", "2026-12/tumours/"), b.clone())).collect();
    let mut mixed = moved.clone();
    mixed.retain(|(p, _)| !p.ends_with("005.csv"));
    mixed[0].1.push(b'\n');
    mixed.push(("README.md".into(), b"# tumours\n".to_vec()));
    let twins_old: Files =
        vec![("a".into(), b"same".to_vec()), ("b".into(), b"same".to_vec()), ("c".into(), b"other".to_vec())];
    let twins_new: Files =
        vec![("x".into(), b"same".to_vec()), ("y".into(), b"same".to_vec()), ("z".into(), b"same".to_vec())];
    vec![
        diff_case("nothing changed", &v1, &shuffled(g, &v1)),
        diff_case("rows appended to one shard: changed", &v1, &edited),
        diff_case("a new shard: added", &v1, &grown),
        diff_case("a shard deleted: removed", &v1, &pruned),
        diff_case("every shard moved to a dated folder: renamed", &v1, &moved),
        diff_case("moved, one changed on the way, one deleted, a README added", &v1, &mixed),
        diff_case("identical contents pair in order; the third copy is added", &twins_old, &twins_new),
        diff_case("from nothing", &vec![], &v1),
        diff_case("to nothing", &v1, &vec![]),
        diff_case("an invalid path in the new version", &v1, &vec![("../x".into(), b"1".to_vec())]),
    ]
}
