#!/bin/sh
# Compiles the library's src/ as of a git ref into .bench/baseline/<ref>/, for
# bench/store-overhead.ts to load beside the working tree's code in ONE process.
#   sh bench/build-baseline.sh <ref>     e.g. f8aaf3d (the last commit before the store seam)
set -eu
ref="${1:?usage: bench/build-baseline.sh <git-ref>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.bench/baseline/$ref"
rm -rf "$dir" && mkdir -p "$dir"
git -C "$root" archive "$ref" src | tar -x -C "$dir"
cat > "$dir/tsconfig.json" <<JSON
{ "extends": "../../../tsconfig.json",
  "compilerOptions": { "noEmit": false, "declaration": false, "sourceMap": false, "rootDir": ".", "outDir": "js", "paths": {} },
  "include": ["src"] }
JSON
(cd "$root" && npx tsc -p "$dir/tsconfig.json")
echo "$dir/js/src/index.js"
