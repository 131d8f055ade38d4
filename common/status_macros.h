// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status and absl::StatusOr.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ORDER_SAGA_CONCAT_INNER(a, b) a##b
#define ORDER_SAGA_CONCAT(a, b) ORDER_SAGA_CONCAT_INNER(a, b)

// Returns `expr`'s status from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    if (absl::Status status_ = (expr); !status_.ok()) \
      return status_;                                  \
  } while (false)

// `lhs = value of expr`, or returns expr's status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ORDER_SAGA_CONCAT(status_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = *std::move(tmp)
