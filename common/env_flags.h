// Every flag of ours is also settable from the environment (Kubernetes).
#pragma once

#include <ostream>
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

// The usage message and the project's flags, grouped by the file that
// defines them, each with its type, default and environment variable; not
// the flags of gflags and glog themselves.
void PrintProjectFlagsHelp(std::ostream& out);

// Parses flags: environment first, then argv. Exits with a message naming the
// variable if the environment holds a bad value. --help prints
// PrintProjectFlagsHelp() and exits 0; --helpfull prints every flag; both
// show the compiled-in defaults (the environment is not read for them).
void ParseFlagsWithEnvironment(int* argc, char*** argv, const char* usage);

}  // namespace order_saga
