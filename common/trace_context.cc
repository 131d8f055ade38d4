#include "common/trace_context.h"

#include <glog/logging.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <iomanip>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/local_time_zone.h"

namespace order_saga {
namespace {

thread_local std::string current_trace_id;
thread_local std::vector<std::string> entry_trace_ids;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

// 16 or 32 random lowercase hex digits, not all zero.
std::string RandomHex(bool long_id) {
  thread_local absl::BitGen random;
  while (true) {
    const uint64_t high = absl::Uniform<uint64_t>(random);
    const uint64_t low = long_id ? absl::Uniform<uint64_t>(random) : 0;
    if (high == 0 && low == 0) continue;
    return long_id ? absl::StrFormat("%016x%016x", high, low) : absl::StrFormat("%016x", high);
  }
}

std::string Metadata(const grpc::ServerContext& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

void PrefixWithTraceId(std::ostream& out, const google::LogMessageInfo& info, void*) {
  const google::LogMessageTime& time = info.time;
  out << info.severity[0] << std::setw(4) << 1900 + time.year() << std::setw(2)
      << std::setfill('0') << 1 + time.month() << std::setw(2) << time.day() << ' '
      << std::setw(2) << time.hour() << ':' << std::setw(2) << time.min() << ':'
      << std::setw(2) << time.sec() << '.' << std::setw(6) << time.usec() << ' '
      << std::setfill(' ') << std::setw(5) << info.thread_id << std::setfill('0') << ' '
      << info.filename << ':' << info.line_number << ']';
  if (!current_trace_id.empty()) out << " trace=" << current_trace_id;
}

}  // namespace

std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" flags: 00-<32 hex>-<16 hex>-<2 hex>
  std::vector<absl::string_view> parts = absl::StrSplit(traceparent, '-');
  if (parts.size() != 4 || parts[0] != "00" || parts[1].size() != 32 ||
      parts[2].size() != 16 || parts[3].size() != 2) {
    return std::nullopt;
  }
  for (absl::string_view part : parts) {
    if (!IsLowerHex(part)) return std::nullopt;
  }
  if (AllZero(parts[1]) || AllZero(parts[2])) return std::nullopt;
  return std::string(parts[1]);
}

std::string NewTraceId() { return RandomHex(true); }

std::string TraceparentFor(absl::string_view trace_id) {
  return absl::StrCat("00-", trace_id, "-", RandomHex(false), "-01");
}

const std::string& CurrentTraceId() { return current_trace_id; }

ScopedTraceId::ScopedTraceId(std::string trace_id)
    : previous_(std::exchange(current_trace_id, std::move(trace_id))) {}

ScopedTraceId::~ScopedTraceId() { current_trace_id = std::move(previous_); }

ScopedTraceIdUnlessSet::ScopedTraceIdUnlessSet(const std::string& trace_id) {
  if (current_trace_id.empty()) scope_.emplace(trace_id);
}

ScopedEntryTraceIds::ScopedEntryTraceIds(std::vector<std::string> trace_ids)
    : previous_(std::exchange(entry_trace_ids, std::move(trace_ids))) {}

ScopedEntryTraceIds::~ScopedEntryTraceIds() { entry_trace_ids = std::move(previous_); }

void AddTraceMetadata(grpc::ClientContext& context) {
  if (!entry_trace_ids.empty()) {
    std::vector<std::string> values;
    values.reserve(entry_trace_ids.size());
    for (const std::string& id : entry_trace_ids) {
      values.push_back(id.empty() ? "" : TraceparentFor(id));
    }
    context.AddMetadata(kEntryTraceparentsHeader, absl::StrJoin(values, ","));
  } else if (!current_trace_id.empty()) {
    context.AddMetadata(kTraceparentHeader, TraceparentFor(current_trace_id));
  }
}

std::string TraceIdOf(const grpc::ServerContext& context) {
  return TraceIdFromTraceparent(Metadata(context, kTraceparentHeader)).value_or("");
}

std::vector<std::string> EntryTraceIdsOf(const grpc::ServerContext& context,
                                         size_t entries) {
  std::vector<std::string> ids(entries);
  const std::string header = Metadata(context, kEntryTraceparentsHeader);
  if (header.empty()) return ids;
  size_t i = 0;
  for (absl::string_view value : absl::StrSplit(header, ',')) {
    if (i == entries) break;
    ids[i++] = TraceIdFromTraceparent(value).value_or("");
  }
  return ids;
}

std::string TraceTag(absl::string_view trace_id) {
  if (trace_id.empty()) return "";
  return absl::StrCat("trace=", trace_id, " ");
}

void InitLoggingWithTraceIds(const char* argv0) {
  PinLocalTimeZone();
  google::InitGoogleLogging(argv0, &PrefixWithTraceId, nullptr);
}

}  // namespace order_saga
