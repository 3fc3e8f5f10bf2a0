#!/bin/sh
# riskpath on Slurm: one run of `riskpath analyze` cut into SHARDS shards (docs/cluster.md).
# Submits a job array whose task I runs `riskpath simulate --shard I/SHARDS`, writing one part file
# to a shared folder, and a merge job that starts when every task succeeded and writes the
# analysis, byte for byte what `riskpath analyze --format json` gives with the same options.
#
#   SHARDS=16 MODEL=/shared/model PARTS=/shared/parts OUT=/shared/analysis.json \
#   RISKPATH_ARGS="--seed 7 --trials 100000 --years 1000000" deploy/slurm/array.sh
#
# MODEL, PARTS and OUT must be on a file system every node sees; `riskpath` on every node's PATH.
# Extra sbatch options (partition, account, time) go in SBATCH_ARGS.
set -eu
: "${SHARDS:?number of shards}" "${MODEL:?model folder}" "${PARTS:?folder for the part files}"
: "${OUT:?analysis file to write}"
export SHARDS MODEL PARTS OUT RISKPATH_ARGS="${RISKPATH_ARGS:-}"
mkdir -p "$PARTS"
array=$(sbatch --parsable ${SBATCH_ARGS:-} --job-name=riskpath-shard --array="0-$((SHARDS - 1))" --export=ALL \
  --wrap 'riskpath simulate "$MODEL" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" -o "$PARTS/part-$SLURM_ARRAY_TASK_ID.rpp" $RISKPATH_ARGS')
sbatch --parsable ${SBATCH_ARGS:-} --job-name=riskpath-merge --dependency="afterok:${array%%;*}" --export=ALL \
  --wrap 'riskpath merge "$PARTS"/part-*.rpp -o "$OUT"'
