#!/usr/bin/env bash
# The webgpu backend on a real GPU, in one go, on a machine with no Node and no network (a lent device machine:
# NVIDIA driver, PyTorch with CUDA, at most 64 MiB of files carried in). Two steps:
#
#   bash bench/gpu-check.sh pack              here, in the checkout: writes .gpucheck/ (git-ignored, ~35 MiB):
#                                             Node's binary, the library bundled by esbuild with the webgpu and
#                                             parity-test code, Dawn's dawn.node, Debian's libvulkan1, all xz'd
#   bash bench/gpu-check.sh run [--software]  there (or here): unpacks into /tmp/hai-gpu-check, finds the
#                                             Vulkan loader and the NVIDIA ICD, then prints `hai doctor`, the
#                                             webgpu parity tests, `hai bench --backends webgpu` and PyTorch
#                                             (bench/torch_step.py --device cuda) at the same shapes; logs and
#                                             rows also go to $OUT when it is set. Budget: under 10 minutes.
#
# --software runs the same steps on Chromium's SwiftShader (a CPU posing as a GPU) at small shapes, PyTorch on
# the CPU: the dry run of the script itself, not a measurement. Every step is time-limited; a failing step is
# reported and the next one still runs; the exit status is the number of failed steps.
set -uo pipefail
cd "$(dirname "$0")/.."
PACK=.gpucheck
WORK=/tmp/hai-gpu-check

pack() {
  set -e
  command -v xz >/dev/null || { echo "gpu-check: xz is needed (apt-get install xz-utils)" >&2; exit 1; }
  [ -f dist/cli/cli.js ] || npm run build >/dev/null
  rm -rf "$PACK/root" "$PACK/hai.tar.xz" && mkdir -p "$PACK/root/bin" "$PACK/root/bench" "$PACK/root/test/reference"
  local ext=(webgpu onnxruntime-node zeromq sharp plotly.js-dist-min tslab canvas tfjs-node tfjs-node-gpu)
  local flags=(--bundle --platform=node --target=node20 --format=cjs --log-level=error "${ext[@]/#/--external:}")
  node_modules/.bin/esbuild dist/cli/cli.js "${flags[@]}" --outfile="$PACK/root/dist/cli/cli.js"
  node_modules/.bin/esbuild test/engine/webgpu.test.ts "${flags[@]}" --outfile="$PACK/root/test/engine/webgpu.test.js"
  cp bin/hai.js "$PACK/root/bin/"
  cp bench/torch_step.py "$PACK/root/bench/"
  cp test/reference/models.json "$PACK/root/test/reference/"
  local nm="$PACK/root/node_modules"
  # Dawn: its ESM entry and the linux-x64 binary only.
  mkdir -p "$nm/webgpu/dist/linux-x64"
  cp node_modules/webgpu/{index.js,package.json} "$nm/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$nm/webgpu/dist/linux-x64/"
  # Bundled packages keep their package.json, so `hai doctor` prints their versions and finds them installed.
  for p in @tensorflow/tfjs @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu \
    @tensorflow/tfjs-backend-webgpu @xenova/transformers danfojs-node plotly.js-dist; do
    mkdir -p "$nm/$p" && cp "node_modules/$p/package.json" "$nm/$p/"
  done
  # Native or browser-only packages the bundle names but these steps never use: loading works, using says so.
  for m in zeromq sharp onnxruntime-node plotly.js-dist-min tslab canvas; do
    mkdir -p "$nm/$m"
    echo "{\"name\":\"$m\",\"version\":\"0.0.0-not-carried\",\"main\":\"index.js\"}" >"$nm/$m/package.json"
    echo "module.exports = new Proxy({}, { get(_, k) { if (k === '__esModule' || typeof k === 'symbol') return;" \
      "throw new Error('$m is not carried to the GPU check (bench/gpu-check.sh)'); } });" >"$nm/$m/index.js"
  done
  tar -C "$PACK/root" -cf - . | xz -T0 -6 >"$PACK/hai.tar.xz"
  rm -rf "$PACK/root"
  # Node's binary compresses slowly (minutes): kept from the last pack while the version is the same.
  if [ "$(cat "$PACK/node.version" 2>/dev/null)" != "$(node --version)" ] || [ ! -f "$PACK/node.xz" ]; then
    xz -T0 -6 -c "$(command -v node)" >"$PACK/node.xz" && node --version >"$PACK/node.version"
  fi
  # The Vulkan loader, for an image without one (the NVIDIA ICD needs it; Dawn loads libvulkan.so.1).
  if [ ! -f "$PACK/libvulkan1.deb" ]; then
    (cd "$PACK" && apt-get download libvulkan1 >/dev/null 2>&1 && mv libvulkan1_*.deb libvulkan1.deb) ||
      echo "gpu-check: apt-get download libvulkan1 failed; the run relies on the machine's loader" >&2
  fi
  du -b "$PACK"/* | awk '{printf "%8.1f MiB  %s\n", $1 / 2^20, $2}'
  du -sb "$PACK" | awk '{printf "%8.1f MiB  total (the device tool carries at most 64 MiB)\n", $1 / 2^20}'
}

FAILED=0
# step NAME SECONDS CMD...: runs with a time limit, output to the terminal and to $LOGS/NAME.log.
step() {
  local name=$1 limit=$2
  shift 2
  echo
  echo "=== $name (limit ${limit} s) ==="
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "--- $name: exit $rc after $((SECONDS - t0)) s"
  [ "$rc" = 0 ] || FAILED=$((FAILED + 1))
}

run() {
  local software=0
  [ "${1:-}" = --software ] && software=1
  local start=$SECONDS
  rm -rf "$WORK" && mkdir -p "$WORK/bin" "$WORK/root" "$WORK/vk"
  LOGS=${OUT:-$WORK/logs}
  mkdir -p "$LOGS"
  xz -dc "$PACK/node.xz" >"$WORK/bin/node" && chmod +x "$WORK/bin/node"
  xz -dc "$PACK/hai.tar.xz" | tar -C "$WORK/root" -xf -
  export PATH="$WORK/bin:$PATH"
  echo "node $(node --version), unpacked in $((SECONDS - start)) s; $(nproc) cores"
  if [ $software = 1 ]; then
    export LD_LIBRARY_PATH=/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
    # Tiny shapes and one timed step: SwiftShader spends seconds per step on dispatch overhead alone.
    local shapes=(--layers 1 --batch 2) seqs=(16) big=() device=cpu steps=(--warmup 1 --steps 1) limit=200
    PYTHON=${HAI_PYTHON:-/usr/bin/python3}
  else
    if ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
      dpkg -x "$PACK/libvulkan1.deb" "$WORK/vk" && echo "Vulkan loader: carried libvulkan1 (the image has none)"
      export LD_LIBRARY_PATH=$WORK/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    fi
    local icd
    for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
      /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ''; do
      [ -n "$icd" ] && [ -f "$icd" ] && break
    done
    if [ -n "$icd" ]; then
      export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
      echo "NVIDIA Vulkan ICD: $icd -> $(grep -o '"library_path"[^,]*' "$icd")"
    else
      echo "no nvidia_icd.json found: the driver's Vulkan part is not mounted (NVIDIA_DRIVER_CAPABILITIES lacks graphics?)"
    fi
    ldconfig -p | grep -E 'libGLX_nvidia|libnvidia-glvkspirv|libvulkan' | sed 's/^/  /'
    nvidia-smi -L 2>&1 | sed 's/^/  /'
    local shapes=(--layers 12 --batch 32) seqs=(64 128) big=(256) device=cuda steps=(--warmup 2 --steps 5) limit=100
    PYTHON=${HAI_PYTHON:-python3}
  fi
  cd "$WORK/root"
  export HAI_BACKEND=webgpu
  step doctor 60 node bin/hai.js doctor
  step parity 240 env HAI_WEBGPU_REQUIRED=1 node --test test/engine/webgpu.test.js
  local seqcsv
  seqcsv=$(IFS=,; echo "${seqs[*]}")
  step bench $((limit * 2 * ${#seqs[@]} + 40)) node bin/hai.js bench --backends webgpu --tasks train,forward \
    "${shapes[@]}" --seqs "$seqcsv" "${steps[@]}" --timeout $limit
  for b in "${big[@]}"; do
    step "bench-batch$b" 150 node bin/hai.js bench --backends webgpu --tasks train,forward --layers 12 \
      --batch "$b" --seqs 128 --warmup 1 --steps 3 --timeout 70
  done
  local torch_shapes=()
  for s in "${seqs[@]}"; do torch_shapes+=("${shapes[3]}:$s"); done
  for b in "${big[@]}"; do torch_shapes+=("$b:128"); done
  local bs
  for bs in "${torch_shapes[@]}"; do
    for task in train forward; do
      step "torch-$task-b${bs%%:*}-s${bs##*:}" 60 "$PYTHON" bench/torch_step.py --device "$device" --task "$task" \
        --layers "${shapes[1]}" --batch "${bs%%:*}" --seq "${bs##*:}" --warmup 2 --steps 5
    done
  done
  echo
  echo "=== summary: $FAILED failed step(s), $((SECONDS - start)) s in all; logs in $LOGS ==="
  return "$FAILED"
}

case "${1:-}" in
  pack) pack ;;
  run) shift && run "$@" ;;
  *) echo "usage: bash bench/gpu-check.sh pack | run [--software]" >&2 && exit 2 ;;
esac
