#include "doctor.h"

namespace cabridge::admin {

std::vector<Finding> diagnose(const DoctorOptions& options) {
  std::vector<Finding> findings;
  check_host_binary(options, findings);
  check_manifests(options, findings);
  check_sandboxed_browsers(options, findings);
  check_browser_profiles(options, findings);
  if (host_is_runnable(options.host)) check_host_answer(options, findings);
  check_legacy_bridge(options, findings);
  return findings;
}

}  // namespace cabridge::admin
