#!/usr/bin/env bash
# Packages a finished training run as a pretrained model shipped in beatgan-core's resources:
#   docs/package-pretrained.sh RUN_DIR NAME "description" "command that made it"
# Copies model.zip (as float32), metrics.json and epochs.jsonl, writes command.txt, evaluation.json
# (./beatgan evaluate in eval and batch-stats scoring on the full split) and check.json (the test
# AUC / AP on a 1,024-beat stratified subset, which PretrainedModelsTest recomputes), and lists the
# model with its SHA-256 in index.json. Run from the repository root.
set -euo pipefail
run="$1"; name="$2"; description="$3"; command="$4"
dest="beatgan-core/src/main/resources/org/beatgan/pretrained/$name"
mkdir -p "$dest"
cp "$run/model.zip" "$dest/model.zip"
# runs trained before model.zip carried a normal-beat score calibration get one from the validation
# split (./beatgan score picks its threshold from it); set PROTOCOL / FOLD / SEED if the run used others
if ! unzip -l "$dest/model.zip" | grep -q calibration.json; then
  ./beatgan calibrate --model "$dest/model.zip" --out "$dest/model.zip" --protocol "${PROTOCOL:-beatgan}" \
    --fold "${FOLD:-0}" --seed "${SEED:-0}" > /dev/null
fi
cp "$run/metrics.json" "$dest/metrics.json"
cp "$run/epochs.jsonl" "$dest/epochs.jsonl"
printf '%s\n' "$command" > "$dest/command.txt"
tmp="$(mktemp -d)"
./beatgan evaluate --model "$run/model.zip" --scoring batch-stats --out "$tmp/full" > /dev/null
cp "$tmp/full/metrics.json" "$dest/evaluation.json"
# the subset check runs with one thread, as the test runner does
OMP_NUM_THREADS=1 ./beatgan evaluate --model "$run/model.zip" --eval-limit 1024 --out "$tmp/check" > /dev/null
python3 - "$tmp/check/metrics.json" "$dest/check.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
json.dump({"data": m["data"], "scoring": m["scoring"], "test": {"auc": m["test"]["auc"], "ap": m["test"]["ap"],
           "beats": m["test"]["beats"], "anomalies": m["test"]["anomalies"]}}, open(sys.argv[2], "w"), indent=2)
PY
sha="$(sha256sum "$dest/model.zip" | cut -d' ' -f1)"
python3 - "$name" "$description" "$sha" <<'PY'
import json, os, sys
path = "beatgan-core/src/main/resources/org/beatgan/pretrained/index.json"
index = json.load(open(path)) if os.path.exists(path) else {"models": []}
models = [m for m in index["models"] if m["name"] != sys.argv[1]]
models.append({"name": sys.argv[1], "description": sys.argv[2], "sha256": sys.argv[3]})
json.dump({"models": models}, open(path + ".tmp", "w"), indent=2)
os.replace(path + ".tmp", path)
PY
rm -rf "$tmp"
echo "packaged $run as pretrained:$name ($sha)"
