#!/usr/bin/env bash
# Code health: clang-tidy (.clang-tidy), cppcheck and clang-format (.clang-format) over the
# project's own C and C++ sources (scripts/source-files.sh). Needs a configured build dir (its
# compile_commands.json and configure-time headers such as cabridge/version.h); no build needed.
# Usage: scripts/lint.sh [BUILD_DIR]     exit 0 only when all three are clean.
# env:   CABRIDGE_LINT="format cppcheck tidy" (default: all three) runs only the named tools.
#        CABRIDGE_TIDY_ONLY="regex ..." has clang-tidy check only the files matching one of the regexes.
#        CABRIDGE_TIDY_CACHE=off checks every file, whatever the ledger says.
# Cost on 2 cores: clang-format seconds, cppcheck under a minute, clang-tidy 12-40 s of CPU per translation
# unit (each parses nlohmann/json, the tests GoogleTest and Boost.Process too, and clang-tidy 14 matches
# inside those headers as well): 20-30 min for all of them on an idle machine. So clang-tidy checks only
# the files whose exact input (preprocessed text, arguments, checks, version) is not in the ledger of clean
# runs, .ci/clang-tidy-clean.txt (scripts/clang-tidy-cached.py; docs/ci.md); commit the ledger it rewrites.
# clang-tidy 19 (Debian 12 has it) was measured slower on the same files, not faster: docs/ci.md.
# scripts/test.sh runs this beside the main phase's tests, at nice 19.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${1:-build}
tools=${CABRIDGE_LINT:-format cppcheck tidy}
has_tool() { [[ " $tools " == *" $1 "* ]]; }
[ -f "$build/compile_commands.json" ] || { echo "lint: run cmake first ($build/compile_commands.json missing)" >&2; exit 2; }
jobs=$(nproc)
status=0

source scripts/source-files.sh
# Every tracked C/C++ file must be in the lint set: a new source folder has to be added there.
mapfile -t uncovered < <(comm -23 <(git ls-files -- '*.c' '*.cc' '*.cpp' '*.cxx' '*.h' '*.hh' '*.hpp' '*.hxx' | sort) \
                                  <(printf '%s\n' "${all_files[@]}" | sort))
if [ ${#uncovered[@]} -gt 0 ]; then
  echo "lint: not covered by scripts/source-files.sh: ${uncovered[*]}" >&2
  status=1
fi

if has_tool format; then
  echo "lint: clang-format on ${#all_files[@]} files"
  if ! clang-format --dry-run -Werror "${all_files[@]}"; then
    echo "lint: clang-format: run scripts/format.sh" >&2
    status=1
  fi
fi

if has_tool cppcheck; then
  echo "lint: cppcheck on ${#sources[@]} files"
  t=$(date +%s)
  if ! cppcheck --quiet --error-exitcode=1 --inline-suppr --enable=warning,performance,portability \
       --std=c++20 --library=googletest --suppress=missingIncludeSystem --suppress=unknownMacro \
       -j "$jobs" -I host/src/front -I host/src/engine -I host/include/cabridge/host -I host/include -I plugins/include -I plugins/common/include -I tools/verify/include \
       -I common/include "${sources[@]}"; then
    status=1
  fi
  echo "lint: cppcheck took $(( $(date +%s) - t )) s"
fi

if has_tool tidy; then
  # clang-tidy gets its own compile database: each project source once (several targets compile
  # the same file, e.g. fuzz/replay_main.cpp in every fuzz_replay_* and fuzz_*; a file is only
  # checked again when a -D that differs between its targets appears in it, as in
  # tests/integration/soft_token_plugin.cpp), no generated files, and no precompiled header (a
  # g++ .gch is not a clang PCH; without it every file must include what it uses).
  # Headers are checked through the files that include them (HeaderFilterRegex in .clang-tidy).
  db="$build/lint"
  mkdir -p "$db"
  if ! python3 - "$build/compile_commands.json" "$db/compile_commands.json" "$here" "${sources[@]}" <<'EOF'
import json, os, re, shlex, sys

src_db, out_db, root, *files = sys.argv[1:]
wanted = {os.path.join(root, f) for f in files}
seen, out = set(), []
for entry in json.load(open(src_db)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    if path not in wanted:
        continue
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    kept, i = [], 0
    while i < len(args):
        a = args[i]
        if a == "-include" and args[i + 1].endswith("cmake_pch.hxx"):        # g++ PCH
            i += 2
            continue
        if a == "-Xclang" and args[i + 1] in ("-include-pch", "-include") and \
                i + 3 < len(args) and re.search(r"cmake_pch\.hxx(\.pch)?$", args[i + 3]):  # clang PCH
            i += 4
            continue
        if a == "-Winvalid-pch":
            i += 1
            continue
        kept.append(a)
        i += 1
    text = open(path, encoding="utf-8", errors="replace").read()
    defines = sorted(d for d in (a[2:] for a in kept if a.startswith("-D"))
                     if re.search(r"\b%s\b" % re.escape(d.split("=")[0]), text))
    key = (path, tuple(defines))
    if key in seen:
        continue
    seen.add(key)
    out.append({"directory": entry["directory"], "file": path, "arguments": kept})
missing = sorted(wanted - {path for path, _ in seen})
if missing:
    sys.exit("lint: no compile command in %s for: %s (configure with tests on)"
             % (src_db, " ".join(os.path.relpath(m, root) for m in missing)))
json.dump(out, open(out_db, "w"), indent=1)
print("lint: clang-tidy on %d files (%d translation units)" % (len(wanted), len(out)))
EOF
  then
    status=1
  else
    t=$(date +%s)
    # Headers: only the project's own, under this source tree (not generated ones in a build dir
    # inside it, e.g. build/host/generated/cabridge/version.h); .clang-tidy's regex is for editors.
    root_re=$(printf '%s' "$here" | sed 's/[][\\.^$*+?(){}|]/\\&/g')
    header_filter="^$root_re/($(IFS='|'; echo "${cabridge_source_dirs[*]}"))/"
    # -Wno-unknown-warning-option: the database may come from g++ (-Wno-error=stringop-overflow).
    # Files whose preprocessed text, arguments, checks and clang-tidy version match a clean run
    # recorded in .ci/clang-tidy-clean.txt are not checked again (scripts/clang-tidy-cached.py).
    # shellcheck disable=SC2086  # CABRIDGE_TIDY_ONLY is a list of regexes
    if ! python3 scripts/clang-tidy-cached.py "$db" "$here" "$header_filter" .ci/clang-tidy-clean.txt \
         "$jobs" "$build/clang-tidy.log" ${CABRIDGE_TIDY_ONLY:-}; then
      grep -E "(warning|error): " "$build/clang-tidy.log" | sort -u | head -100
      echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)" >&2
      status=1
    fi
    echo "lint: clang-tidy took $(( $(date +%s) - t )) s"
  fi
fi
exit $status
