#!/usr/bin/env bash
# Reformats the project's own C and C++ files in place with clang-format: exactly the files
# scripts/lint.sh checks (scripts/source-files.sh), each with the nearest .clang-format
# (the root one, or a folder's own where that folder keeps another style).
# Usage: scripts/format.sh [FILE...]     no arguments: every file of the lint set;
#        with arguments: only those of them that are in the lint set.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
source scripts/source-files.sh
files=("${all_files[@]}")
if [ $# -gt 0 ]; then
  mapfile -t files < <(comm -12 <(printf '%s\n' "${all_files[@]}" | sort) \
                                <(for f in "$@"; do realpath -m --relative-to="$here" "$f"; done | sort))
fi
[ ${#files[@]} -gt 0 ] || { echo "format: no file of the lint set given" >&2; exit 2; }
echo "format: clang-format -i on ${#files[@]} files"
clang-format -i "${files[@]}"
