// Runs a shell command and keeps what it printed, for tests of the project's
// command-line tools.
#pragma once

#include <cstdio>
#include <iostream>
#include <string>

namespace order_saga::testing {

struct CommandRun {
  std::string output;  // stdout (add 2>&1 to the command for stderr too)
  int status = -1;     // as from pclose (WEXITSTATUS for the exit code)
};

// Runs `command` with /bin/sh, echoes its output to the test log, and
// returns the output and status (status -1 if it could not be started).
inline CommandRun RunCommand(const std::string& command) {
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) run.output += buffer;
  run.status = pclose(pipe);
  std::cout << run.output;
  return run;
}

}  // namespace order_saga::testing
