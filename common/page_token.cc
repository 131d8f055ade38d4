#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace order_saga {
namespace {
constexpr absl::string_view kPrefix = "after:";
constexpr absl::string_view kKeyPrefix = "after-key:";
// Longest token accepted: keys are at most 128 bytes.
constexpr size_t kMaxTokenBytes = 256;

absl::Status NotOurToken() {
  return absl::InvalidArgumentError("page_token: not a token returned by this service");
}

// The key inside `token` after `prefix`, or NotOurToken().
absl::StatusOr<std::string> Unwrap(absl::string_view token, absl::string_view prefix) {
  std::string decoded;
  if (token.size() > kMaxTokenBytes || !absl::WebSafeBase64Unescape(token, &decoded)) {
    return NotOurToken();
  }
  absl::string_view rest = decoded;
  if (!absl::ConsumePrefix(&rest, prefix)) return NotOurToken();
  return std::string(rest);
}

}  // namespace

std::string EncodePageToken(int64_t last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kPrefix, last_key));
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token) {
  if (token.empty()) return 0;
  absl::StatusOr<std::string> key_text = Unwrap(token, kPrefix);
  int64_t key = 0;
  if (!key_text.ok() || !absl::SimpleAtoi(*key_text, &key) || key < 0) {
    return NotOurToken();
  }
  return key;
}

std::string EncodeKeyPageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kKeyPrefix, last_key));
}

absl::StatusOr<std::string> DecodeKeyPageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  absl::StatusOr<std::string> key = Unwrap(token, kKeyPrefix);
  if (!key.ok() || key->empty()) return NotOurToken();
  return key;
}

absl::StatusOr<int> ResolvePageSize(int32_t requested, int default_size,
                                    int max_size) {
  if (requested == 0) return default_size;
  if (requested < 0 || requested > max_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be between 1 and ", max_size, ", got ", requested));
  }
  return requested;
}

}  // namespace order_saga
