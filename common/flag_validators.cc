#include "common/flag_validators.h"

#include <cstdio>

namespace order_saga {

bool FlagAtLeastOne(const char* flag, int32_t value) {
  if (value >= 1) return true;
  std::fprintf(stderr, "--%s: must be >= 1, got %d\n", flag, value);
  return false;
}

bool FlagNotNegative(const char* flag, int32_t value) {
  if (value >= 0) return true;
  std::fprintf(stderr, "--%s: must be >= 0, got %d\n", flag, value);
  return false;
}

bool FlagAtMostTenMinutesMs(const char* flag, int32_t value) {
  if (value >= 0 && value <= 600000) return true;
  std::fprintf(stderr, "--%s: must be between 0 and 600000 (10 minutes), got %d\n", flag, value);
  return false;
}

}  // namespace order_saga
