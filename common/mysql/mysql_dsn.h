// Where a service's database is and who it connects as.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace order_saga {

// mysql://USER[:PASSWORD]@HOST[:PORT]/SCHEMA[?socket=/path/to/mysqld.sock]
// With `socket`, HOST is ignored and the Unix socket is used.
struct MysqlDsn {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;
  std::string schema;

  // The DSN with the password masked, for logs.
  std::string Redacted() const;
};

// INVALID_ARGUMENT with a message saying which part is wrong.
absl::StatusOr<MysqlDsn> ParseMysqlDsn(absl::string_view text);

}  // namespace order_saga
