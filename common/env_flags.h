// Every flag of ours is also settable from the environment (Kubernetes).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace order_saga {

// Environment variable that sets flag `flag_name`: the name in upper case
// (mysql_dsn -> MYSQL_DSN).
std::string EnvironmentVariableForFlag(const std::string& flag_name);

// For every flag not defined by gflags or glog themselves, a set environment
// variable named by EnvironmentVariableForFlag() becomes the flag's value.
// Call before gflags::ParseCommandLineFlags so the command line still wins.
// INVALID_ARGUMENT names the variable whose value does not parse.
absl::Status LoadFlagsFromEnvironment();

// Parses flags: environment first, then argv. Exits with a message naming the
// variable if the environment holds a bad value.
void ParseFlagsWithEnvironment(int* argc, char*** argv, const char* usage);

}  // namespace order_saga
