#include "target_from_options.h"

#include "admin_error.h"
#include "host_manifest.h"
#include "self_path.h"

namespace cabridge::admin {

ManifestTarget manifest_target_from(const TargetOptions& options) {
  ManifestTarget target;
  target.browser_dirs = options.browser_dirs;
  if (options.browsers.empty() && !options.browser_dirs.empty()) {
    // Only the named directories.
  } else if (options.browsers.empty()) {
    target.browsers.assign(all_browsers().begin(), all_browsers().end());
  } else {
    target.browsers = options.browsers;
  }
  target.scope = options.system ? Scope::system : Scope::user;
  target.host = options.host ? *options.host : default_host_path();
  target.extension_ids = options.extension_ids.empty() ? default_extension_ids() : options.extension_ids;
  target.gecko_ids = options.gecko_ids.empty() ? default_gecko_ids() : options.gecko_ids;
  target.root = options.root;
  // System-wide installs must not depend on who runs them (e.g. a package script).
  if (target.scope == Scope::user) target.user = UserDirs::from_environment();
  return target;
}

DoctorOptions doctor_options_from(const TargetOptions& options) {
  DoctorOptions doctor;
  doctor.root = options.root;
  doctor.host = options.host ? *options.host : default_host_path();
  doctor.extension_ids = options.extension_ids.empty() ? default_extension_ids() : options.extension_ids;
  doctor.gecko_ids = options.gecko_ids.empty() ? default_gecko_ids() : options.gecko_ids;
  doctor.user = UserDirs::from_environment();
  // The host is started as one of them; an empty list would leave nothing to start it as.
  if (doctor.extension_ids.empty()) throw AdminError("no extension id to check / 没有要检查的扩展 ID");
  return doctor;
}

}  // namespace cabridge::admin
