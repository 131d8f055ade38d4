// Trace ids (W3C Trace Context, https://www.w3.org/TR/trace-context/): every
// PlaceOrder gets one, taken from the client's `traceparent` header when it
// sent a valid one. The coordinator passes it to the participants in the
// same header, and every log line written while a thread works for that
// order carries it ("trace=<32 hex digits>"), so one grep shows the order's
// story across the three processes. Batch calls carry one traceparent per
// entry (kEntryTraceparentsHeader). Trace ids are never metric labels.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace grpc {
class ClientContext;
class ServerContext;
}  // namespace grpc

namespace order_saga {

inline constexpr char kTraceparentHeader[] = "traceparent";
// The response header in which PlaceOrder returns the trace id it used.
inline constexpr char kTraceIdResponseHeader[] = "ordersaga-trace-id";
// Comma-separated traceparent values, one per entry of a batch call, in
// entry order (an entry without a trace has an empty value).
inline constexpr char kEntryTraceparentsHeader[] = "ordersaga-entry-traceparents";

// The trace id of a valid version-00 traceparent value, else nullopt.
std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent);
// A new random trace id (32 lowercase hex digits, not all zero).
std::string NewTraceId();
// A traceparent value for `trace_id` with a new span id, sampled.
std::string TraceparentFor(absl::string_view trace_id);

// The trace id of the work the calling thread does now; empty if none.
const std::string& CurrentTraceId();

// Sets the calling thread's trace id for the scope's lifetime.
class ScopedTraceId {
 public:
  explicit ScopedTraceId(std::string trace_id);
  ~ScopedTraceId();
  ScopedTraceId(const ScopedTraceId&) = delete;
  ScopedTraceId& operator=(const ScopedTraceId&) = delete;

 private:
  std::string previous_;
};

// Sets the calling thread's trace id to `trace_id` for the scope's
// lifetime unless it already has one (work resumed for an order: its stored
// trace id, unless the caller brought its own).
class ScopedTraceIdUnlessSet {
 public:
  explicit ScopedTraceIdUnlessSet(const std::string& trace_id);

 private:
  std::optional<ScopedTraceId> scope_;
};

// Sets the trace ids of the entries of the batch call the calling thread
// makes in the scope (one per entry, in order).
class ScopedEntryTraceIds {
 public:
  explicit ScopedEntryTraceIds(std::vector<std::string> trace_ids);
  ~ScopedEntryTraceIds();
  ScopedEntryTraceIds(const ScopedEntryTraceIds&) = delete;
  ScopedEntryTraceIds& operator=(const ScopedEntryTraceIds&) = delete;

 private:
  std::vector<std::string> previous_;
};

// Client side: adds the batch's entry traceparents if a ScopedEntryTraceIds
// is active, else the current trace's traceparent if there is one.
void AddTraceMetadata(grpc::ClientContext& context);

// Server side: the trace id a request's traceparent carries ("" if none or
// malformed), and the trace ids of a batch request's `entries` entries
// ("" for each entry without one).
std::string TraceIdOf(const grpc::ServerContext& context);
std::vector<std::string> EntryTraceIdsOf(const grpc::ServerContext& context, size_t entries);

// "trace=<id> " for a log line, or "" for an empty id.
std::string TraceTag(absl::string_view trace_id);

// google::InitGoogleLogging with glog's usual prefix followed by
// "trace=<id>" on lines written by a thread with a current trace id. Pins
// the local time zone first (common/local_time_zone.h), so call it at the
// start of main, before any other thread starts.
void InitLoggingWithTraceIds(const char* argv0);

}  // namespace order_saga
