#!/usr/bin/env bash
# Build the real Pulumi CLI from Pulumi's Go modules into .engine/bin/ (git-ignored, never committed).
#
#   bash engine/build.sh          # builds once; later runs only check the version and exit
#
# Nothing here is downloaded at run time of the project: the Go module proxy serves the sources,
# a throwaway wrapper module under .engine/src/ builds them, and only this script is committed.
#
# What is built, and why these versions:
# - the CLI, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi, at v3.274.0: the proxy serves no
#   pkg/v3 v3.271-3.273, and v3.274.0 is the nearest build to the Python SDK (3.272, PyPI's newest)
#   that it serves. A CLI newer than the SDK is supported.
# - the Python language host, github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3:
#   an untagged nested module, wanted at the pseudo-version of the pkg/v3.274.0 commit. The proxy
#   here serves no version of it at all (every query, @latest included, is refused), so the build
#   tries it only when BREEZE_LANGUAGE_HOST_VERSION names a pseudo-version, and otherwise says so
#   and goes on: tests/e2e then runs the program through the Automation API's inline path, where
#   the Python SDK serves the language protocol to the real engine itself.
# - pulumi-language-python-exec, copied from the sdk/v3 module beside the binaries.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=v3.274.0
cli_module=github.com/pulumi/pulumi/pkg/v3
cli_package=$cli_module/cmd/pulumi
sdk_module=github.com/pulumi/pulumi/sdk/v3
host_module=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
host_version=${BREEZE_LANGUAGE_HOST_VERSION:-}
bin=$root/.engine/bin
src=$root/.engine/src
go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  go=/usr/local/go/bin/go
fi

fail() {
  echo "engine/build.sh: building $1@$2 failed${3:+: $3}" >&2
  exit 1
}

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-python-exec" ] \
  && [ "$("$bin/pulumi" version 2>/dev/null || true)" = "$version" ] \
  && { [ -z "$host_version" ] || [ -x "$bin/pulumi-language-python" ]; }; then
  echo "engine/build.sh: $bin/pulumi $version already built"
  exit 0
fi
command -v "$go" >/dev/null 2>&1 || fail "$cli_package" "$version" "no Go toolchain on PATH"

mkdir -p "$src" "$bin"
cd "$src"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOTOOLCHAIN=local
flags=(-trimpath -tags osusergo,grpcnotrace -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version")

rm -f go.mod go.sum
cat >go.mod <<EOF
module breeze-infra/engine

go 1.24
EOF
echo "engine/build.sh: building $cli_package@$version (cold: several minutes; measured in docs/e2e.md)"
"$go" get -tool "$cli_package@$version" || fail "$cli_module" "$version"
"$go" build "${flags[@]}" -o "$bin/pulumi" "$cli_package" || fail "$cli_module" "$version"

sdk_dir=$("$go" list -m -f '{{.Dir}}' "$sdk_module") || fail "$sdk_module" "$version"
install -m 755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec" \
  || fail "$sdk_module" "$version" "no python/cmd/pulumi-language-python-exec in the module"

if [ -n "$host_version" ]; then
  echo "engine/build.sh: building $host_module@$host_version"
  "$go" get -tool "$host_module@$host_version" || fail "$host_module" "$host_version"
  "$go" build "${flags[@]}" -o "$bin/pulumi-language-python" "$host_module" \
    || fail "$host_module" "$host_version"
else
  echo "engine/build.sh: no Python language host: the Go module proxy serves no version of" \
    "$host_module (set BREEZE_LANGUAGE_HOST_VERSION to a pseudo-version to try one)"
fi

got=$("$bin/pulumi" version) || fail "$cli_module" "$version" "the built binary does not run"
[ "$got" = "$version" ] || fail "$cli_module" "$version" "it reports version '$got'"
echo "engine/build.sh: $bin/pulumi $got"
