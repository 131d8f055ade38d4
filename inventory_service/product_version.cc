#include "inventory_service/product_version.h"

#include "absl/strings/str_cat.h"

namespace order_saga::inventory {

absl::Status CheckExpectedVersion(const Product& requested,
                                  std::optional<int64_t> stored_version) {
  if (!stored_version.has_value()) {
    return absl::NotFoundError(absl::StrCat("product_id: product ", requested.product_id,
                                            " does not exist (version ", requested.version,
                                            " was expected)"));
  }
  if (*stored_version != requested.version) {
    return absl::AbortedError(absl::StrCat(
        "version: product ", requested.product_id, " is at version ", *stored_version,
        ", not ", requested.version,
        ": it changed since it was read; read it again and decide anew"));
  }
  return absl::OkStatus();
}

}  // namespace order_saga::inventory
