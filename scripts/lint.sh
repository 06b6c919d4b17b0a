#!/usr/bin/env bash
# Code health: clang-tidy (.clang-tidy), cppcheck and clang-format (.clang-format) over the
# project's own C and C++ sources. Needs a configured build dir for compile_commands.json.
# Usage: scripts/lint.sh [BUILD_DIR]     exit 0 only when all three are clean.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "lint: run cmake first ($build/compile_commands.json missing)" >&2; exit 2; }

# The project's own translation units (no generated files, no third-party code).
mapfile -t sources < <(git ls-files 'host/*.cpp' 'plugins/*.cpp' 'tools/*.cpp' 'tests/*.cpp' 'tests/*.c' 'bench/*.cpp' 'fuzz/*.cpp')
mapfile -t all_files < <(git ls-files 'host/*.cpp' 'host/*.h' 'plugins/*.cpp' 'plugins/*.h' 'tools/*.cpp' 'tools/*.h' \
                          'tests/*.cpp' 'tests/*.h' 'tests/*.c' 'bench/*.cpp' 'fuzz/*.cpp' 'fuzz/*.h')
status=0

echo "lint: clang-format on ${#all_files[@]} files"
if ! clang-format --dry-run -Werror "${all_files[@]}"; then
  echo "lint: clang-format: run 'clang-format -i' on the files above" >&2
  status=1
fi

echo "lint: cppcheck"
if ! cppcheck --quiet --error-exitcode=1 --inline-suppr --enable=warning,performance,portability \
     --std=c++20 --suppress=missingIncludeSystem --suppress=unknownMacro \
     -j "$(nproc)" -I host/src -I plugins/include -I plugins/common/include -I tools/verify/include \
     "${sources[@]}"; then
  status=1
fi

echo "lint: clang-tidy on ${#sources[@]} files"
# Only files the build compiles have a compile command; run-clang-tidy matches by regex.
regex="^$here/($(printf '%s|' "${sources[@]}" | sed 's/[.]/[.]/g; s/|$//'))\$"
if ! run-clang-tidy -quiet -p "$build" -j "$(nproc)" "$regex" >"$build/clang-tidy.log" 2>&1; then
  grep -E "(warning|error): " "$build/clang-tidy.log" | sort -u | head -100
  echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)" >&2
  status=1
fi
exit $status
