// cabridge: the administrator's tool. Dispatches to one subcommand (see subcommands.def).
#include <iostream>
#include <string>
#include <vector>

#include "admin_error.h"
#include "subcommand.h"

namespace {

void print_usage(std::ostream& out) {
  out << "usage: cabridge <command> [options]\n\ncommands:\n";
  for (const auto& sub : cabridge::admin::kSubcommands) {
    out << "  " << sub.name << std::string(12 - std::min<size_t>(11, sub.name.size()), ' ') << sub.summary << "\n";
  }
  out << "\nRun `cabridge <command> --help` for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  for (const auto& sub : cabridge::admin::kSubcommands) {
    if (sub.name != args[0]) continue;
    try {
      return sub.run(std::span<const std::string>(args).subspan(1));
    } catch (const cabridge::admin::UsageError& e) {
      std::cerr << "cabridge " << args[0] << ": " << e.what() << "\n";
      return 2;
    } catch (const cabridge::admin::AdminError& e) {
      std::cerr << "cabridge " << args[0] << ": " << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "cabridge " << args[0] << ": unexpected failure: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "cabridge: unknown command '" << args[0] << "'\n";
  print_usage(std::cerr);
  return 2;
}
