// The shape every subcommand has, and the table built from subcommands.def.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cabridge::admin {

// Runs with the arguments after the subcommand name; returns the exit status.
// May throw UsageError (exit 2) or AdminError (exit 1); main prints them.
using SubcommandFn = int (*)(std::span<const std::string> args);

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  SubcommandFn run;
};

#define CABRIDGE_SUBCOMMAND(fn, name, summary) int run_##fn(std::span<const std::string> args);
#include "subcommands.def"
#undef CABRIDGE_SUBCOMMAND

inline constexpr Subcommand kSubcommands[] = {
#define CABRIDGE_SUBCOMMAND(fn, name, summary) {name, summary, &run_##fn},
#include "subcommands.def"
#undef CABRIDGE_SUBCOMMAND
};

}  // namespace cabridge::admin
