// The exception the checks throw internally; verify_auth_token turns it into a VerifyFailure.
#pragma once

#include <stdexcept>
#include <string>

#include "cabridge/verify.h"

namespace cabridge::verify::detail {

class VerifyError : public std::runtime_error {
 public:
  VerifyError(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace cabridge::verify::detail
