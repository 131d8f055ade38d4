#include "gateway/sse.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace order_saga::gateway {

std::string SseRetry(absl::Duration delay) {
  return absl::StrCat("retry: ", absl::ToInt64Milliseconds(delay), "\n\n");
}

std::string SseEvent(int64_t id, absl::string_view event, absl::string_view data) {
  std::string out = absl::StrCat("id: ", id, "\nevent: ", event, "\n");
  // CRLF, CR and LF are each one line break in the format.
  const std::string lines = absl::StrReplaceAll(data, {{"\r\n", "\n"}, {"\r", "\n"}});
  for (absl::string_view line : absl::StrSplit(lines, '\n')) {
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  out.push_back('\n');
  return out;
}

std::string SsePing() { return ": ping\n\n"; }

absl::StatusOr<int64_t> ParseEventId(absl::string_view text, absl::string_view field) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be an event id, a whole number from 0 to 9223372036854775807"));
  };
  if (text.empty() || text.size() > 19) return invalid();
  for (char c : text) {
    if (c < '0' || c > '9') return invalid();
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value > static_cast<uint64_t>(INT64_MAX)) {
    return invalid();
  }
  return static_cast<int64_t>(value);
}

}  // namespace order_saga::gateway
