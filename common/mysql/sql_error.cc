#include "common/mysql/sql_error.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace order_saga {
namespace {

// Server and client error numbers (mysqld_error.h / errmsg.h).
constexpr int kDuplicateEntry = 1062;
constexpr int kLockWaitTimeout = 1205;
constexpr int kDeadlock = 1213;
constexpr int kCheckConstraintViolated = 4025;
constexpr int kRowIsReferenced = 1451;
constexpr int kNoReferencedRow = 1452;
constexpr int kServerShutdown = 1053;
constexpr int kConnectionKilled = 1927;
constexpr int kCannotConnect = 2002;
constexpr int kCannotConnectTcp = 2003;
constexpr int kServerGone = 2006;
constexpr int kServerLost = 2013;
constexpr int kServerLostExtended = 2055;

}  // namespace

bool IsConnectionLost(const sql::SQLException& e) {
  switch (e.getErrorCode()) {
    case kServerShutdown:
    case kConnectionKilled:
    case kCannotConnect:
    case kCannotConnectTcp:
    case kServerGone:
    case kServerLost:
    case kServerLostExtended:
      return true;
    default:
      // Connector/C++ reports a closed connection with code 0 and state HY000
      // or 08xxx.
      return e.getSQLState().rfind("08", 0) == 0;
  }
}

absl::Status StatusFromSqlException(const sql::SQLException& e) {
  const std::string message =
      absl::StrCat("mysql error ", e.getErrorCode(), " (", e.getSQLState(),
                   "): ", e.what());
  switch (e.getErrorCode()) {
    case kDuplicateEntry:
      return absl::AlreadyExistsError(message);
    case kLockWaitTimeout:
    case kDeadlock:
      return absl::AbortedError(message);
    case kCheckConstraintViolated:
    case kRowIsReferenced:
    case kNoReferencedRow:
      return absl::FailedPreconditionError(message);
    default:
      break;
  }
  if (IsConnectionLost(e)) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::string_view SqlErrorKind(const sql::SQLException& e) {
  switch (e.getErrorCode()) {
    case kDeadlock: return "deadlock";
    case kLockWaitTimeout: return "lock_wait_timeout";
    case kDuplicateEntry: return "duplicate_key";
    case kCheckConstraintViolated:
    case kRowIsReferenced:
    case kNoReferencedRow: return "constraint";
    default: break;
  }
  return IsConnectionLost(e) ? "connection_lost" : "other";
}

}  // namespace order_saga
