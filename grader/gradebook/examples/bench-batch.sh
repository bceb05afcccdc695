#!/usr/bin/env bash
# What one more submission costs in `grader batch`, against `grader check` of the same code, and
# the batch's throughput (README, "Batch grading"). Stage 1, speed targets off, N fresh copies
# of the reference solutions per batch (each a new student: its crate compiles from scratch).
#
#   grader/gradebook/examples/bench-batch.sh [N] [GRADER]
set -euo pipefail
N=${1:-10}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
G=${2:-$ROOT/target/debug/grader}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export GRADER_TARGET_DIR=${GRADER_TARGET_DIR:-$ROOT/target/grader}
now() { date +%s.%N; }
class() { # class DIR COUNT: COUNT submissions, each a fresh path with the reference's code
  for i in $(seq 1 "$2"); do
    mkdir -p "$1/s$i/exercises/stage1" && cp -r "$ROOT/solutions/stage1/src" "$1/s$i/exercises/stage1/"
  done
}
"$G" check stage1 --reference --no-speed -q --seed 1 >/dev/null   # the reference and dependencies, warm
class "$W/one" 1
t0=$(now); "$G" check stage1 --submission "$W/one/s1" --no-speed -q --seed 1 >/dev/null; t1=$(now)
"$G" check stage1 --submission "$W/one/s1" --no-speed -q --seed 1 >/dev/null; t2=$(now)
echo "grader check, a new student's code (their crate compiles): $(echo "$t1 - $t0" | bc) s"
echo "grader check again, nothing changed:                       $(echo "$t2 - $t1" | bc) s"
for jobs in 1 2; do
  for n in 1 "$N"; do
    class "$W/c$jobs-$n" "$n"
    t0=$(now)
    "$G" batch "$W/c$jobs-$n" --stage stage1 --out "$W/out$jobs-$n" --seed 1 --no-speed --jobs "$jobs" -q --no-export >/dev/null || true
    t1=$(now)
    eval "T${jobs}_$n=$(echo "$t1 - $t0" | bc)"
  done
  t_1=$(eval echo "\$T${jobs}_1"); t_n=$(eval echo "\$T${jobs}_$N")
  echo "batch --jobs $jobs: 1 submission $t_1 s, $N submissions $t_n s;" \
       "marginal $(echo "scale=2; ($t_n - $t_1) / ($N - 1)" | bc) s per submission," \
       "throughput $(echo "scale=1; 60 * $N / $t_n" | bc) per minute"
done
t0=$(now); "$G" gradebook export "$W/out2-$N" >/dev/null; t1=$(now)
echo "exports of $N students: $(echo "$t1 - $t0" | bc) s"
