// Errors the admin tool reports to the person running it.
#pragma once

#include <stdexcept>
#include <string>

namespace cabridge::admin {

// Something on the machine prevents the requested action (unwritable directory, bad value).
// The message names the path or value and is printed as is; exit status 1.
class AdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command line itself is wrong; printed with the usage text, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cabridge::admin
