#include "common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace order_saga {
namespace {
constexpr absl::string_view kPrefix = "after:";
}  // namespace

std::string EncodePageToken(int64_t last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kPrefix, last_key));
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token) {
  if (token.empty()) return 0;
  std::string decoded;
  int64_t key = 0;
  const bool decodable =
      token.size() <= 64 && absl::WebSafeBase64Unescape(token, &decoded);
  absl::string_view rest = decoded;
  if (!decodable || !absl::ConsumePrefix(&rest, kPrefix) ||
      !absl::SimpleAtoi(rest, &key) || key < 0) {
    return absl::InvalidArgumentError(
        "page_token: not a token returned by this service");
  }
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
