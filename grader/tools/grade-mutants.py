#!/usr/bin/env python3
"""Grades cargo-mutants' mutants of a stage's reference solutions as student submissions.

For every mutant that `cargo mutants --list` finds in `solutions/<stage>/src`, the script
builds a submission (the reference sources with that one mutation, in a course-shaped
directory), grades it with `grader check <selection> --no-speed --json`, and records one JSON
line: `killed` (some case failed, timed out or crashed), `survived` (full marks), or
`unviable` (it does not compile: cargo-mutants does not count these either). The selection is
the module of the mutated file, or the whole stage for files other modules use.

    grader/tools/grade-mutants.py stage2 --out target/mutants/stage2.jsonl [--shard 0/4]

It resumes: mutants already in --out are skipped. `--summary` prints the score of a results
file; `--retry survived` grades the survivors again once their gaps are closed. Needs cargo-mutants on PATH (`cargo install cargo-mutants --locked`) and a built grader
(`cargo build -p grader`).
"""
import argparse, json, os, re, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Files whose functions other modules call: a mutant there is graded on the whole stage.
SHARED = {"lib.rs", "rng.rs", "forward.rs", "given.rs"}


def dirs(stage):
    """The stage's reference and student crates, relative to the course root (course.toml)."""
    import tomllib
    course = tomllib.load(open(os.path.join(ROOT, "grader", "course", "course.toml"), "rb"))
    for s in course["stage"]:
        if s["id"] == stage:
            return (s.get("solution_dir", f"solutions/{s['crate']}"), s.get("student_dir", f"exercises/{s['crate']}"))
    sys.exit(f"no stage {stage} in grader/course/course.toml")


def mutants(stage):
    out = subprocess.run(["cargo", "mutants", "--list", "--json", "--diff"],
                         cwd=os.path.join(ROOT, dirs(stage)[0]), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def selection(stage, file):
    if SELECTION:
        return SELECTION
    base = os.path.basename(file)
    return stage if base in SHARED else f"{stage}.{base[:-3]}"


# `--selection`: what every mutant is graded on (a project whose modules are tasks, not files).
SELECTION = None


def grade(stage, m, sub, grader):
    solution, student = dirs(stage)
    src = os.path.join(sub, student, "src")
    if os.path.exists(sub):
        shutil.rmtree(sub)
    shutil.copytree(os.path.join(ROOT, solution, "src"), src)
    target = os.path.join(src, os.path.relpath(m["file"], f"{solution}/src"))
    p = subprocess.run(["patch", "-s", target], input=m["diff"], text=True, capture_output=True)
    if p.returncode != 0:
        return {"outcome": "error", "why": "patch: " + p.stdout + p.stderr}
    sel = selection(stage, m["file"])
    report = os.path.join(sub, "report.json")
    t = time.time()
    r = subprocess.run([grader, "check", sel, "--submission", sub, "--no-speed", "--json", report,
                        "--html", os.path.join(sub, "report.html"), "-q", "--exit-policy", "never"],
                       cwd=ROOT, capture_output=True, text=True)
    seconds = round(time.time() - t, 1)
    if not os.path.exists(report):
        return {"outcome": "error", "why": (r.stdout + r.stderr)[-2000:], "seconds": seconds, "selection": sel}
    rep = json.load(open(report))
    if not rep["build"]["ok"]:
        return {"outcome": "unviable", "seconds": seconds, "selection": sel}
    failed = [(e["id"], c.get("label"), c.get("status"))
              for e in rep["exercises"] for c in e.get("cases", []) if c.get("status") != "passed"]
    bad_ex = [e["id"] for e in rep["exercises"] if e.get("status") != "passed"]
    outcome = "killed" if (failed or bad_ex) else "survived"
    return {"outcome": outcome, "seconds": seconds, "selection": sel, "score": rep.get("score"),
            "max": rep.get("max_score"), "first_failure": failed[:1] or bad_ex[:1]}


def given_code(stage, name):
    """Whether the mutated function is given complete in the student's stub (its body in
    `exercises/<stage>/src/<file>` has no `todo!()`): students do not write it, so the suites
    need not test it and a surviving mutant there says nothing about them."""
    m = re.match(r"solutions/[^/]+/src/(\S+?):\d+:\d+: (?:replace (.+?) -> |.* in (\S+?)$)", name)
    if not m:
        return False
    file, fn = m.group(1), (m.group(2) or m.group(3)).split("::")[-1]
    path = os.path.join(ROOT, dirs(stage)[1], "src", file)
    if not os.path.exists(path):
        return False
    text = open(path).read()
    at = re.search(r"\bfn " + re.escape(fn) + r"\b[^{;]*\{", text)
    if not at:
        return False
    depth, i = 1, at.end()
    while depth and i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return "todo!(" not in text[at.end():i]


def summary(path, stage):
    rows = [json.loads(l) for l in open(path)]
    for r in rows:
        if r["outcome"] in ("survived", "killed") and given_code(stage, r["name"]):
            r["outcome"] += "-in-given-code"
    count = {}
    for r in rows:
        count[r["outcome"]] = count.get(r["outcome"], 0) + 1
    viable = count.get("killed", 0) + count.get("survived", 0)
    print(f"{path}: {len(rows)} mutants: " + ", ".join(f"{k} {v}" for k, v in sorted(count.items())))
    if viable:
        print(f"  killed {count.get('killed', 0)} of {viable} viable mutants of code students write: "
              f"{100 * count.get('killed', 0) / viable:.1f}% (unviable: does not compile; *-in-given-code: "
              "a function the stub gives complete, left out of the score)")
    for r in rows:
        if r["outcome"] in ("survived", "survived-in-given-code", "error"):
            print(f"  {r['outcome']}: {r['name']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage")
    ap.add_argument("--out", required=True)
    ap.add_argument("--shard", default="0/1", help="k/n: grade every n-th mutant from the k-th")
    ap.add_argument("--file", help="only mutants of this file (e.g. models.rs)")
    ap.add_argument("--selection", help="grade every mutant on this selection (default: the mutated file's module; "
                                        "`final` for the final project, whose modules are its tasks)")
    ap.add_argument("--summary", action="store_true", help="print the score of --out and stop")
    ap.add_argument("--grader", default=os.path.join(ROOT, "target", "debug", "grader"),
                    help="the grader binary (default: target/debug/grader of this checkout); a run of hours is best "
                         "made from a worktree of its own, so that edits to the course do not change it midway")
    ap.add_argument("--retry", choices=["survived", "error"],
                    help="grade again the mutants --out records with this outcome (after closing a gap)")
    a = ap.parse_args()
    global SELECTION
    SELECTION = a.selection
    if a.summary:
        return summary(a.out, a.stage)
    grader = a.grader
    k, n = map(int, a.shard.split("/"))
    done = set()
    if os.path.exists(a.out):
        rows = [json.loads(l) for l in open(a.out)]
        if a.retry:
            rows = [r for r in rows if r["outcome"] != a.retry]
            with open(a.out, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
        done = {r["name"] for r in rows}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    todo = [m for i, m in enumerate(mutants(a.stage)) if i % n == k and m["name"] not in done
            and (not a.file or os.path.basename(m["file"]) == a.file)]
    sub = os.path.join(ROOT, "target", "mutants", f"{a.stage}-sub-{k}")
    print(f"{len(todo)} mutants to grade", flush=True)
    with open(a.out, "a") as out:
        for i, m in enumerate(todo):
            r = grade(a.stage, m, sub, grader)
            r["name"] = m["name"]
            out.write(json.dumps(r) + "\n")
            out.flush()
            print(f"[{i + 1}/{len(todo)}] {r['outcome']:9} {r.get('seconds', '')}s {m['name']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
