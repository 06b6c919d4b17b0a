# Shared by scripts/fuzz.sh and scripts/fuzz-campaign.sh (sourced): the sanitizer
# environment and each target's libFuzzer limits.
# shellcheck shell=bash

cabridge_fuzz_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$cabridge_fuzz_root/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The fuzz_host_config target calls defaultHostConfig(); keep it away from the real environment.
unset CABRIDGE_PLUGIN_PATH CABRIDGE_CONFIG CABRIDGE_LOG

# Every fuzz target (fuzz/CMakeLists.txt builds fuzz_<name> for each): what scripts/fuzz.sh and
# scripts/fuzz-campaign.sh run when no target is named.
cabridge_fuzz_targets=(host_messages certificate descriptor origin_policy host_config auth_token verify_cli skf_parsing)

# -max_len: a little over the largest real input of the kind (an AuthToken with an
# RSA certificate is under 2 KiB; a host session of several requests under 4 KiB).
# Larger inputs only slow every execution down: the size limits the code enforces
# (1 MiB frames and files) are reached by announcing a length, not by sending it.
cabridge_fuzz_options() {
  local max_len=4096
  case "$1" in
    host_messages) max_len=8192 ;;
  esac
  echo "-timeout=5 -rss_limit_mb=2048 -max_len=$max_len"
}
