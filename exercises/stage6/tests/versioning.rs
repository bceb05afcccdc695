//! Public tests for `stage6::versioning`: `cargo test -p stage6 --test versioning`.

use stage6::versioning::{self, VersionError};

fn files(items: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    items.iter().map(|(p, b)| (p.to_string(), b.as_bytes().to_vec())).collect()
}

#[test]
fn a_manifest_is_sorted_and_its_digest_ignores_the_order() {
    let a = versioning::manifest(&files(&[("b.csv", "2"), ("a.csv", "1")])).unwrap();
    let b = versioning::manifest(&files(&[("a.csv", "1"), ("b.csv", "2")])).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.entries[0].path, "a.csv");
    // SHA-256 of "1".
    assert_eq!(a.entries[0].digest, "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b");
    assert_eq!(a.entries[0].bytes, 1);
    assert!(matches!(versioning::manifest(&files(&[("../x", "1")])), Err(VersionError::InvalidPath(_))));
}

#[test]
fn a_moved_file_is_a_rename() {
    let old = versioning::manifest(&files(&[("a.csv", "1"), ("b.csv", "2"), ("c.csv", "3")])).unwrap();
    let new = versioning::manifest(&files(&[("a.csv", "1!"), ("data/b.csv", "2"), ("d.csv", "4")])).unwrap();
    let d = versioning::diff(&old, &new);
    assert_eq!(d.changed, ["a.csv"]);
    assert_eq!(d.renamed, [("b.csv".to_string(), "data/b.csv".to_string())]);
    assert_eq!(d.removed, ["c.csv"]);
    assert_eq!(d.added, ["d.csv"]);
}
