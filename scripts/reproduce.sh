#!/usr/bin/env bash
# Reproduces the README's results table: every model on the embedded data sets over several seeds, with each
# model's defaults, through the CLI's `cluster --json`. Resumable: runs already in the output file are skipped.
#
#   scripts/reproduce.sh [--data "mnist-test usps digits"] [--models "kmeans gmm ae-gmm ..."] [--seeds "0 1 2"] [--out results]
#
# Writes OUT/runs.jsonl (one JSON line per run) and OUT/results.md (the table, made by `deepcluster results`).
# Hours of CPU on 2 cores for the full grid; not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

data="mnist-test usps digits"
models="kmeans gmm ae-gmm clustering-module mixae damic sr-kmeans neural-em dpgmm"
seeds="0 1 2"
out="results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) echo "reproduce.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done

# Build once into a private folder so that editing the sources during a long run cannot change it.
cli_dir="artifacts/reproduce-cli"
dotnet build -c Release samples/DeepClustering.Cli -o "$cli_dir" >/dev/null
mkdir -p "$out"
runs="$out/runs.jsonl"
touch "$runs"
export OMP_WAIT_POLICY=PASSIVE

for d in $data; do
  for seed in $seeds; do
    for m in $models; do
      if grep -q "\"model\":\"$m\",\"data\":\"$d\",.*\"seed\":$seed}" "$runs"; then continue; fi
      echo "$(date -u +%H:%M:%S) $d $m seed $seed" >&2
      if line=$(dotnet "$cli_dir/deepcluster.dll" cluster --data "$d" --model "$m" --seed "$seed" --json --quiet); then
        echo "$line" >> "$runs"
      else
        echo "  failed (exit $?); see the message above" >&2
      fi
    done
  done
done

dotnet "$cli_dir/deepcluster.dll" results --in "$runs" --out "$out/results.md"
