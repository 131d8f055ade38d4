#include "common/env_flags.h"

#include <cstdlib>
#include <iostream>
#include <vector>

#include <gflags/gflags.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace order_saga {

std::string EnvironmentVariableForFlag(const std::string& flag_name) {
  return absl::AsciiStrToUpper(flag_name);
}

absl::Status LoadFlagsFromEnvironment() {
  std::vector<gflags::CommandLineFlagInfo> flags;
  gflags::GetAllFlags(&flags);
  for (const gflags::CommandLineFlagInfo& flag : flags) {
    if (absl::StrContains(flag.filename, "gflags") ||
        absl::StrContains(flag.filename, "glog")) {
      continue;
    }
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
  if (absl::Status status = LoadFlagsFromEnvironment(); !status.ok()) {
    std::cerr << status.message() << "\n";
    std::exit(2);
  }
  gflags::ParseCommandLineFlags(argc, argv, true);
}

}  // namespace order_saga
