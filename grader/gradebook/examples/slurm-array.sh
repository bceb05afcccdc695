#!/usr/bin/env bash
# The same as k8s-indexed-job.yaml on a Slurm cluster:
#   jid=$(sbatch --parsable slurm-array.sh)
#   sbatch --dependency=afterany:$jid --wrap "grader gradebook merge --out class shards/*"
#SBATCH --job-name=grade-stage3
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=06:00:00
set -euo pipefail
n=${SLURM_ARRAY_TASK_COUNT:-8}
exec grader batch submissions --stage stage3 --seed 20261201 --no-speed \
    --shard "${SLURM_ARRAY_TASK_ID}/${n}" --jobs "${SLURM_CPUS_PER_TASK:-2}" \
    --out "shards/${SLURM_ARRAY_TASK_ID}" --no-export
