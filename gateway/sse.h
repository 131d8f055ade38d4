// Server-Sent Events framing (the WHATWG HTML "text/event-stream" format):
// what the gateway writes on a stream, and how it reads a resume position.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace order_saga::gateway {

// "retry: <ms>\n\n": how long a browser waits before it reconnects.
std::string SseRetry(absl::Duration delay);
// "id: <id>\nevent: <event>\ndata: <data>\n\n". `data` must be one line
// (JSON from ToJson is); a line break in it would end the field early, so
// each line becomes a data field of its own.
std::string SseEvent(int64_t id, absl::string_view event, absl::string_view data);
// ": ping\n\n", a comment that keeps idle connections (and proxies) alive.
std::string SsePing();

// A resume position (Last-Event-ID header, ?after=): a decimal event id,
// 0 to 2^63-1, no sign, no spaces, at most 19 digits. INVALID_ARGUMENT
// naming `field` otherwise.
absl::StatusOr<int64_t> ParseEventId(absl::string_view text, absl::string_view field);

}  // namespace order_saga::gateway
