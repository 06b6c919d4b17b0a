// `cabridge plugins`: parses the options and hands over to one action.
#include "plugins_command.h"

#include <iostream>

#include "admin_error.h"
#include "command_line.h"
#include "subcommand.h"

namespace cabridge::admin {

namespace {

constexpr const char *kUsage =
    "usage: cabridge plugins list [--root DIR] [--json]\n"
    "       cabridge plugins add DESCRIPTOR.json [--link] [--dir DIR] [--root DIR]\n"
    "       cabridge plugins remove ID [--dir DIR] [--root DIR]\n"
    "       cabridge plugins check ID|DESCRIPTOR.json [--root DIR] [--json]\n"
    "Vendor plugins the host loads. add checks a descriptor as the host will (JSON, id,\n"
    "ABI, library, create) and installs it in /etc/cabridge/plugins.d (or DIR); check\n"
    "loads one and lists the tokens and certificates it sees. --root DIR prefixes /etc.\n";

PluginsOptions parse(std::span<const std::string> args, bool accept_link, bool accept_dir, bool accept_json) {
  PluginsOptions options;
  ArgumentReader reader(args);
  while (!reader.done()) {
    const std::string &arg = reader.next();
    const std::string_view flag = reader.flag_name(arg);
    if (flag == "--root") {
      options.root = reader.value_of(flag);
    } else if (flag == "--dir" && accept_dir) {
      options.dir = reader.value_of(flag);
    } else if (flag == "--link" && accept_link && !reader.has_inline_value()) {
      options.link = true;
    } else if (flag == "--json" && accept_json && !reader.has_inline_value()) {
      options.json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option " + arg);
    } else {
      options.operands.push_back(arg);
    }
  }
  return options;
}

PluginsOptions parse_with_operand(std::span<const std::string> args, bool link, bool dir, bool json, const char *what) {
  PluginsOptions options = parse(args, link, dir, json);
  if (options.operands.size() != 1) throw UsageError(std::string("expected exactly one ") + what);
  return options;
}

}  // namespace

int run_plugins(std::span<const std::string> args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string &action = args[0];
  const auto rest = args.subspan(1);
  if (action == "--help" || action == "-h" || action == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (action == "list") {
    PluginsOptions options = parse(rest, false, false, true);
    if (!options.operands.empty()) throw UsageError("list takes no operand");
    return run_plugins_list(options);
  }
  if (action == "add") return run_plugins_add(parse_with_operand(rest, true, true, false, "descriptor file"));
  if (action == "remove") return run_plugins_remove(parse_with_operand(rest, false, true, false, "plugin id"));
  if (action == "check")
    return run_plugins_check(parse_with_operand(rest, false, false, true, "plugin id or descriptor file"));
  throw UsageError("unknown action '" + action + "' (list, add, remove, check)");
}

}  // namespace cabridge::admin
