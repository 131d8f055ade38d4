// The error classification table of docs/ARCHITECTURE.md ("Error
// classification"), one test per row: which gRPC codes the coordinator
// retries when a participant answers with them, and how each MySQL error
// becomes a status and whether a transaction is run again for it. A
// permanent error is never retried.
#include <cppconn/exception.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "common/mysql/sql_error.h"
#include "saga/retry.h"

namespace order_saga {
namespace {

struct GrpcRow {
  absl::StatusCode code;
  bool retried;
};

class ParticipantErrorTest : public ::testing::TestWithParam<GrpcRow> {};

TEST_P(ParticipantErrorTest, IsRetriedByTheCoordinatorExactlyWhenTheTableSaysSo) {
  const absl::Status status(GetParam().code, "participant said so");
  EXPECT_EQ(coordinator::IsRetryable(status), GetParam().retried);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParticipantErrorTest,
    ::testing::Values(
        // Transient: the outcome is unknown or a retry can succeed.
        GrpcRow{absl::StatusCode::kUnavailable, true},
        GrpcRow{absl::StatusCode::kDeadlineExceeded, true},
        GrpcRow{absl::StatusCode::kAborted, true},
        GrpcRow{absl::StatusCode::kResourceExhausted, true},
        // Permanent or a business answer: never retried.
        GrpcRow{absl::StatusCode::kInvalidArgument, false},
        GrpcRow{absl::StatusCode::kNotFound, false},
        GrpcRow{absl::StatusCode::kAlreadyExists, false},
        GrpcRow{absl::StatusCode::kPermissionDenied, false},
        GrpcRow{absl::StatusCode::kUnauthenticated, false},
        GrpcRow{absl::StatusCode::kFailedPrecondition, false},
        GrpcRow{absl::StatusCode::kOutOfRange, false},
        GrpcRow{absl::StatusCode::kUnimplemented, false},
        GrpcRow{absl::StatusCode::kInternal, false},
        GrpcRow{absl::StatusCode::kDataLoss, false},
        GrpcRow{absl::StatusCode::kUnknown, false},
        GrpcRow{absl::StatusCode::kCancelled, false}),
    [](const ::testing::TestParamInfo<GrpcRow>& info) {
      return absl::StatusCodeToString(info.param.code);
    });

struct MysqlRow {
  const char* name;
  int error_number;
  const char* sql_state;
  absl::StatusCode code;
  const char* kind;  // the ordersaga_db_errors_total label
  bool retried;      // by MysqlTransactionRunner (first attempt)
};

class MysqlErrorTest : public ::testing::TestWithParam<MysqlRow> {};

TEST_P(MysqlErrorTest, BecomesItsStatusAndIsRetriedExactlyWhenTheTableSaysSo) {
  const MysqlRow& row = GetParam();
  const sql::SQLException error("server said so", row.sql_state, row.error_number);
  const absl::Status status = StatusFromSqlException(error);
  EXPECT_EQ(status.code(), row.code) << status;
  EXPECT_EQ(SqlErrorKind(error), row.kind);
  EXPECT_EQ(MysqlTransactionRunner::RetriesAfter(status, 1), row.retried);
  EXPECT_NE(status.message().find(absl::StrCat("mysql error ", row.error_number)),
            absl::string_view::npos)
      << "the message keeps the server's error number";
}

INSTANTIATE_TEST_SUITE_P(
    Table, MysqlErrorTest,
    ::testing::Values(
        MysqlRow{"Deadlock", 1213, "40001", absl::StatusCode::kAborted, "deadlock", true},
        MysqlRow{"LockWaitTimeout", 1205, "HY000", absl::StatusCode::kAborted,
                 "lock_wait_timeout", true},
        MysqlRow{"ServerGone", 2006, "HY000", absl::StatusCode::kUnavailable,
                 "connection_lost", true},
        MysqlRow{"ServerLost", 2013, "HY000", absl::StatusCode::kUnavailable,
                 "connection_lost", true},
        MysqlRow{"CannotConnect", 2002, "HY000", absl::StatusCode::kUnavailable,
                 "connection_lost", true},
        MysqlRow{"ConnectionKilled", 1927, "70100", absl::StatusCode::kUnavailable,
                 "connection_lost", true},
        MysqlRow{"ServerShutdown", 1053, "08S01", absl::StatusCode::kUnavailable,
                 "connection_lost", true},
        MysqlRow{"DuplicateKey", 1062, "23000", absl::StatusCode::kAlreadyExists,
                 "duplicate_key", false},
        MysqlRow{"CheckConstraint", 4025, "23000", absl::StatusCode::kFailedPrecondition,
                 "constraint", false},
        MysqlRow{"RowIsReferenced", 1451, "23000", absl::StatusCode::kFailedPrecondition,
                 "constraint", false},
        MysqlRow{"NoReferencedRow", 1452, "23000", absl::StatusCode::kFailedPrecondition,
                 "constraint", false},
        MysqlRow{"AccessDenied", 1142, "42000", absl::StatusCode::kInternal, "other", false},
        MysqlRow{"SyntaxError", 1064, "42000", absl::StatusCode::kInternal, "other", false},
        MysqlRow{"UnknownTable", 1146, "42S02", absl::StatusCode::kInternal, "other", false}),
    [](const ::testing::TestParamInfo<MysqlRow>& info) { return std::string(info.param.name); });

TEST(MysqlErrorTest, AnUnreachableDatabaseIsReportedAfterTheThirdAttempt) {
  const absl::Status unavailable = absl::UnavailableError("gone");
  EXPECT_TRUE(MysqlTransactionRunner::RetriesAfter(unavailable, 2));
  EXPECT_FALSE(MysqlTransactionRunner::RetriesAfter(unavailable, 3));
  // A deadlock keeps being retried (up to the runner's max_attempts).
  EXPECT_TRUE(MysqlTransactionRunner::RetriesAfter(absl::AbortedError("deadlock"), 10));
}

}  // namespace
}  // namespace order_saga
