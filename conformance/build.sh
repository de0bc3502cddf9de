#!/usr/bin/env bash
# Build the Go-client conformance check into .conformance/bin/ (git-ignored, never committed).
#
#   bash conformance/build.sh     # builds once; later runs see the binary is current and exit
#
# github.com/cloudflare/cloudflare-go/v6 at v6.10.0 (go.mod, go.sum) comes from the Go module
# proxy: the client Cloudflare generates from its OpenAPI, the family the Terraform provider that
# pulumi-cloudflare 6 wraps is built on. tests/e2e/test_conformance.py runs the result against the
# emulator with the program's exact values.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/.conformance/bin/conformance
stamp=$root/.conformance/source.sha256
go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  go=/usr/local/go/bin/go
fi
wanted=$(cat "$root/conformance/main.go" "$root/conformance/go.mod" "$root/conformance/go.sum" | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
if ! command -v "$go" >/dev/null 2>&1; then
  echo "conformance/build.sh: no Go toolchain (set GO=/path/to/go)" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
(cd "$root/conformance" && "$go" build -mod=readonly -o "$out" .) || {
  echo "conformance/build.sh: building the conformance check failed" >&2
  exit 1
}
echo "$wanted" >"$stamp"
echo "conformance/build.sh: $out (cloudflare-go v6.10.0)"
