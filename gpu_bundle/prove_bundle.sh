#!/usr/bin/env bash
# The CPU proof of the offline bundle: make one for this machine's Python, then run
# run_bundle.py --quick from it in a fresh virtual environment that holds only what the GPU
# image would (PyTorch and the packages the bundle leaves to the image), with pip's index off.
#
#   bash gpu_bundle/prove_bundle.sh [WORK_FOLDER]     (default: a new temporary folder)
#
# Needs registry access (for the bundle and the stand-in image) and MNIST_TUTORIAL_DATA.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
python3 -m gpu_bundle.make_bundle --python-version "$(python3 -c 'import sys; print(*sys.version_info[:2], sep=".")')" --out "$work/bundle"

# The stand-in image: PyTorch, plus every package the manifest leaves to the image.
python3 -m venv "$work/image"
left="$(python3 -c 'import json, sys; print(" ".join(n for n in json.load(open(sys.argv[1]))["left_to_image"] if not n.startswith(("nvidia-", "cuda-", "triton"))))' "$work/bundle/manifest.json")"
# shellcheck disable=SC2086  # the names are separate arguments
"$work/image/bin/python" -m pip install --quiet --disable-pip-version-check $left

PIP_NO_INDEX=1 "$work/image/bin/python" -m gpu_bundle.run_bundle --quick \
    --bundle "$work/bundle" --out "$work/run" --work "$work/unpacked"
