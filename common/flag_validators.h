// gflags validators shared by the binaries: a bad value is refused while
// parsing, with a message naming the flag (the environment loader names the
// variable).
#pragma once

#include <cstdint>

namespace order_saga {

bool FlagAtLeastOne(const char* flag, int32_t value);
bool FlagNotNegative(const char* flag, int32_t value);
// 0 to 600000 milliseconds (ten minutes).
bool FlagAtMostTenMinutesMs(const char* flag, int32_t value);

}  // namespace order_saga
