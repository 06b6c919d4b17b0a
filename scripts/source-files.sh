# Sourced by scripts/lint.sh and scripts/format.sh: the project's own C and C++ files, so both
# always check and format exactly the same set. Files git tracks or would track (new files count
# before their first commit; ignored ones do not): no generated files (version.h,
# host_manifest_template.h, cmake_pch.hxx live in the ignored build dirs), no third-party code.
#   cabridge_source_dirs  every folder with project C/C++ code
#   sources               translation units (.c, .cpp): what cppcheck and clang-tidy check
#   all_files             sources plus headers (.h): what clang-format checks and formats
# Run from the repository root.
cabridge_source_dirs=(host plugins common tools tests bench fuzz)
cabridge_patterns=()
for dir in "${cabridge_source_dirs[@]}"; do
  cabridge_patterns+=("$dir/*.c" "$dir/*.cpp" "$dir/*.h")
done
mapfile -t all_files < <(git ls-files --cached --others --exclude-standard -- "${cabridge_patterns[@]}" | sort -u)
mapfile -t sources < <(printf '%s\n' "${all_files[@]}" | grep -E '[.](c|cpp)$')
unset dir cabridge_patterns
