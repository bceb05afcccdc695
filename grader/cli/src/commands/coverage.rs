//! `grader coverage`: the study-plan topics each exercise trains.

use super::*;

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// Only topics of this stage number (1..9).
    #[arg(long)]
    stage: Option<String>,
    /// Fail (exit 1) when a topic of the shown stages is not covered.
    #[arg(long)]
    strict: bool,
}

pub fn coverage(root: &Path, a: CoverageArgs) -> Result<u8> {
    let course = load(root)?;
    let mut by_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in course.exercises() {
        for t in &e.topics {
            by_topic.entry(t.as_str()).or_default().push(e.id.as_str());
        }
    }
    let (mut covered, mut total) = (0, 0);
    for t in course.topics.iter().filter(|t| a.stage.as_ref().is_none_or(|s| s.trim_start_matches("stage") == t.stage))
    {
        total += 1;
        match by_topic.get(t.id.as_str()) {
            Some(ex) => {
                covered += 1;
                println!("covered   {:<34} {}", t.id, ex.join(", "));
            }
            None => println!("MISSING   {:<34} {}", t.id, t.title),
        }
    }
    println!("\n{covered}/{total} topics covered");
    Ok(if a.strict && covered < total { EXIT_FAILED } else { EXIT_PASSED })
}
