#!/usr/bin/env bash
# Recipe for the shipped QM9 molecule checkpoint (multidiff/pretrained/molecules_qm9).
# Trains on the train split of the shared GDSS-split QM9 file only, conditioned on the dipole moment mu
# (10% condition dropout, so the same model samples unconditionally). RUN_DIR/final is then the trained
# MoleculePipeline (diffusers' layout, EMA weights); export_molecules_qm9.py copies it to the package and
# writes the model card. Usage: bash benchmarks/recipes/molecules_qm9.sh [RUN_DIR] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${MULTIDIFF_SHARED:-../shared}
RUN=${1:-runs/molecules_qm9}
STEPS=${2:-15000}
RESUME=$([ -d "$RUN/checkpoints" ] && echo --resume || true)
start=$(date +%s)
.venv/bin/multidiff train molecules --data "$SHARED/data/molecules/qm9_gdss_split.csv.gz" --split train --property mu \
  --out "$RUN" --steps "$STEPS" --batch-size 256 --lr 8e-4 --seed 0 --layers 8 --dx 128 --de 32 --no-progress $RESUME
echo "segment_train_seconds=$(( $(date +%s) - start ))" >> "$RUN/wall_time.txt"  # one line per segment (a resumed run adds one)
