// Opaque page tokens: the position after which the next page starts.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace order_saga {

// Encodes "continue after key `last_key`" as a URL-safe opaque string.
std::string EncodePageToken(int64_t last_key);

// Decodes a token made by EncodePageToken; an empty token is the first page
// (returns 0). INVALID_ARGUMENT ("page_token: ...") for anything else.
absl::StatusOr<int64_t> DecodePageToken(absl::string_view token);

// The same for string keys (order ids, say): "continue after `last_key`".
std::string EncodeKeyPageToken(absl::string_view last_key);
// An empty token is the first page (returns ""); INVALID_ARGUMENT
// ("page_token: ...") for anything not made by EncodeKeyPageToken.
absl::StatusOr<std::string> DecodeKeyPageToken(absl::string_view token);

// page_size 0 -> default; otherwise 1..max. INVALID_ARGUMENT names the field.
absl::StatusOr<int> ResolvePageSize(int32_t requested, int default_size = 100,
                                    int max_size = 1000);

}  // namespace order_saga
