// The storefront's files (web/), read once at start and served from memory:
// a few small files, so a request never touches the disk and a file
// changed on disk after start is not half-read.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace order_saga::gateway {

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // Every regular file below `root` (not following links out of it).
  // INVALID_ARGUMENT naming --web_root if it is not a readable folder.
  static absl::StatusOr<StaticFiles> Load(const std::string& root);
  StaticFiles() = default;

  // `path` relative to the root ("index.html"); null if there is none.
  const StaticFile* Find(const std::string& path) const;
  size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile> files_;
};

}  // namespace order_saga::gateway
