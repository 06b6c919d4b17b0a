// Turns parsed command-line options into what install/uninstall/doctor act on,
// applying the defaults (all browsers, host next to this program, our extension id).
#pragma once

#include "command_line.h"
#include "doctor.h"
#include "manifest_installer.h"

namespace cabridge::admin {

ManifestTarget manifest_target_from(const TargetOptions& options);
DoctorOptions doctor_options_from(const TargetOptions& options);

}  // namespace cabridge::admin
