#include "common/env_flags.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include <gflags/gflags.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace order_saga {

namespace {

// gflags' and glog's own flags (--logtostderr, --v, --flagfile, ...): not
// ours. Debian's packages record them as "./src/logging.cc" (glog) and
// "/build/gflags-.../src/gflags.cc"; ours come from the project's directories.
bool IsLibraryFlag(const gflags::CommandLineFlagInfo& flag) {
  return absl::StartsWith(flag.filename, "./src/") || absl::StrContains(flag.filename, "gflags") ||
         absl::StrContains(flag.filename, "glog");
}

// "order_service/main.cc" from the path the compiler was given.
std::string FlagGroup(const std::string& filename) {
  std::vector<std::string> parts = absl::StrSplit(filename, '/');
  if (parts.size() < 2) return filename;
  return absl::StrCat(parts[parts.size() - 2], "/", parts.back());
}

}  // namespace

std::string EnvironmentVariableForFlag(const std::string& flag_name) {
  return absl::AsciiStrToUpper(flag_name);
}

void PrintProjectFlagsHelp(std::ostream& out) {
  out << gflags::ProgramUsage() << "\n";
  std::vector<gflags::CommandLineFlagInfo> flags;
  gflags::GetAllFlags(&flags);
  std::map<std::string, std::vector<const gflags::CommandLineFlagInfo*>> groups;
  for (const gflags::CommandLineFlagInfo& flag : flags) {
    if (!IsLibraryFlag(flag)) groups[FlagGroup(flag.filename)].push_back(&flag);
  }
  for (auto& [group, members] : groups) {
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->name < b->name; });
    out << "\n  " << group << ":\n";
    for (const gflags::CommandLineFlagInfo* flag : members) {
      const std::string variable = EnvironmentVariableForFlag(flag->name);
      out << "    --" << flag->name << " (" << flag->type << ", default \""
          << flag->default_value << "\")\n      " << flag->description;
      if (!absl::StrContains(flag->description, "env " + variable)) out << " (env " << variable << ")";
      out << "\n";
    }
  }
  out << "\nEvery flag is also read from the environment variable named in its text "
         "(the command line wins).\n"
         "--helpfull: also the libraries' flags (glog's logging flags, gflags' own).\n";
}

absl::Status LoadFlagsFromEnvironment() {
  std::vector<gflags::CommandLineFlagInfo> flags;
  gflags::GetAllFlags(&flags);
  for (const gflags::CommandLineFlagInfo& flag : flags) {
    if (IsLibraryFlag(flag)) continue;
    const std::string variable = EnvironmentVariableForFlag(flag.name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    if (gflags::SetCommandLineOptionWithMode(flag.name.c_str(), value,
                                             gflags::SET_FLAGS_DEFAULT)
            .empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", variable, "='", value,
          "' is not a valid value for --", flag.name, " (", flag.type, ")"));
    }
  }
  return absl::OkStatus();
}

void ParseFlagsWithEnvironment(int* argc, char*** argv, const char* usage) {
  gflags::SetUsageMessage(usage);
  // Help shows the compiled-in defaults: the environment is not read then,
  // so a DSN with a password there (MYSQL_DSN) is never printed.
  bool asks_for_help = false;
  for (int i = 1; i < *argc; ++i) {
    const absl::string_view arg = (*argv)[i];
    if (absl::StartsWith(arg, "--help") || absl::StartsWith(arg, "-help")) asks_for_help = true;
  }
  if (absl::Status status = asks_for_help ? absl::OkStatus() : LoadFlagsFromEnvironment();
      !status.ok()) {
    std::cerr << status.message() << "\n";
    std::exit(2);
  }
  // --help shows ours; --helpfull and the other --help* flags stay gflags'.
  gflags::ParseCommandLineNonHelpFlags(argc, argv, true);
  std::string help;
  if (gflags::GetCommandLineOption("help", &help) && help == "true") {
    PrintProjectFlagsHelp(std::cout);
    std::exit(0);
  }
  gflags::HandleCommandLineHelpFlags();
}

}  // namespace order_saga
