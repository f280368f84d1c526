// Status propagation helpers.
//
// Debian's Abseil (20220623) ships absl::Status and absl::StatusOr but not the
// RETURN_IF_ERROR / ASSIGN_OR_RETURN macros Google uses internally, so embedis
// defines its own, prefixed EMBEDIS_.
//
// Example:
//
//   absl::StatusOr<int> ParsePort(std::string_view s);
//
//   absl::Status Listen(std::string_view port_text) {
//     EMBEDIS_ASSIGN_OR_RETURN(int port, ParsePort(port_text));
//     EMBEDIS_RETURN_IF_ERROR(Bind(port));
//     return absl::OkStatus();
//   }
#ifndef EMBEDIS_LIB_UTIL_STATUS_MACROS_H_
#define EMBEDIS_LIB_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function
// when it is not OK.
#define EMBEDIS_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::absl::Status embedis_status_ = (expr);           \
    if (!embedis_status_.ok()) return embedis_status_; \
  } while (0)

#define EMBEDIS_STATUS_CONCAT_INNER_(a, b) a##b
#define EMBEDIS_STATUS_CONCAT_(a, b) EMBEDIS_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`, `int y`) or an existing variable.
#define EMBEDIS_ASSIGN_OR_RETURN(lhs, rexpr) \
  EMBEDIS_ASSIGN_OR_RETURN_IMPL_(EMBEDIS_STATUS_CONCAT_(embedis_statusor_, __LINE__), lhs, rexpr)

#define EMBEDIS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = *std::move(statusor)

#endif  // EMBEDIS_LIB_UTIL_STATUS_MACROS_H_
