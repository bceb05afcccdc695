#!/usr/bin/env bash
# Downloads the course's grader bundle into .grader/bundle: the `grader` binary (the hidden test
# suites are compiled into it) and the reference probes (the reference solutions, compiled). Run
# it once per machine; the CI workflow runs it in every job. Written by `grader export student`.
#
#   GRADER_BUNDLE_URL     where to download from (default: the course's release)
#   GRADER_BUNDLE_SHA256  when set, the archive must have this SHA-256
#   GRADER_FORCE_DOWNLOAD when set, download again even if a bundle is there
set -euo pipefail
cd "$(dirname "$0")/.."
url="${GRADER_BUNDLE_URL:-{{BUNDLE_URL}}}"
# The bundle's binaries are built for x86_64 Linux (the CI runners' platform).
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "the grader bundle runs on x86_64 Linux; this machine is $(uname -s) $(uname -m)." >&2
    echo "Grade in WSL 2 or a Linux container (docker run -it -v \"\$PWD\":/w -w /w rust:1 bash)," >&2
    echo "or push: the CI workflow grades every push and attaches the report." >&2
    exit 1
fi
dest=.grader/bundle
if [ -x "$dest/bin/grader" ] && [ -z "${GRADER_FORCE_DOWNLOAD:-}" ]; then
    echo "the grader bundle is already in $dest (GRADER_FORCE_DOWNLOAD=1 to download it again)"
    exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "downloading the grader bundle from $url"
curl -fsSL --retry 3 -o "$tmp/bundle.tar.gz" "$url"
if [ -n "${GRADER_BUNDLE_SHA256:-}" ]; then
    echo "$GRADER_BUNDLE_SHA256  $tmp/bundle.tar.gz" | sha256sum -c -
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tmp/bundle.tar.gz" -C "$dest"
"$dest/bin/grader" --version
echo "grader ready: $dest/bin/grader"
echo "put it on your PATH for this shell:  export PATH=\"$(pwd)/$dest/bin:\$PATH\""
