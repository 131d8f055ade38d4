#include "common/random_id.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace order_saga {

std::string RandomUuid() {
  thread_local absl::BitGen random;
  const uint64_t high = absl::Uniform<uint64_t>(random);
  const uint64_t low = absl::Uniform<uint64_t>(random);
  // Version 4, variant 10xx.
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff),
                         low & 0xffffffffffffULL);
}

}  // namespace order_saga
