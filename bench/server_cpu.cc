#include "bench/server_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace order_saga::bench {

absl::Duration CpuTimeOf(const std::vector<pid_t>& pids) {
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  double seconds = 0;
  for (pid_t pid : pids) {
    std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    if (!std::getline(file, line)) continue;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime field 14, stime field 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int index = 3; index <= 15 && (rest >> field); ++index) {
      if (index == 14) utime = std::stod(field);
      if (index == 15) stime = std::stod(field);
    }
    seconds += (utime + stime) / ticks_per_second;
  }
  return absl::Seconds(seconds);
}

}  // namespace order_saga::bench
