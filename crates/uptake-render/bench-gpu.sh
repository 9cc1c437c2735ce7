#!/usr/bin/env bash
# Frame benchmark of uptake-render on a real GPU (the same bench CI runs on lavapipe):
# 4-view layout (3 fused MPR + rotating MIP) at 1920x1080 on the `clinical` phantom.
#   crates/uptake-render/bench-gpu.sh            # from anywhere in the repository
#   UPTAKE_BENCH_FRAMES=50 crates/uptake-render/bench-gpu.sh
# Needs a Vulkan driver for the GPU (NVIDIA: the proprietary driver's ICD; AMD/Intel: Mesa
# radv/anv). The adapter in use is printed first: check it is not "llvmpipe".
# Goal (issue 4): <= 8 ms per full 4-view frame on a real GPU (2.1 ms median on an NVIDIA H200
# on 2026-11-28, 6.7 ms at 3840x2160: bench/README.md). UPTAKE_BENCH_REAL_PET=DIR adds the MIP
# of a real PET series with and without empty-space skipping.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export UPTAKE_BENCH_FRAMES="${UPTAKE_BENCH_FRAMES:-30}"
command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" || true
cd "$root"
if cargo metadata --no-deps --format-version 1 2>/dev/null | grep -q '"name":"uptake-render"'; then
  exec cargo bench -p uptake-render --bench frame
fi
# Not yet a member of the root workspace: build it in a throw-away overlay workspace.
ws="$(mktemp -d)"
mkdir -p "$ws/crates"
for c in "$root"/crates/*; do ln -s "$c" "$ws/crates/$(basename "$c")"; done
ln -s "$root/shaders" "$ws/shaders"
{ printf '[workspace]\nresolver = "2"\nmembers = ["crates/uptake-render"]\n\n'
  sed -n '/^\[workspace.package\]/,$p' "$root/Cargo.toml"; } > "$ws/Cargo.toml"
cd "$ws"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" exec cargo bench -p uptake-render --bench frame
