#include "common/mysql/mysql_dsn.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace order_saga {

std::string MysqlDsn::Redacted() const {
  return absl::StrCat("mysql://", user, password.empty() ? "" : ":***", "@",
                      socket.empty() ? absl::StrCat(host, ":", port) : "localhost", "/",
                      schema, socket.empty() ? "" : absl::StrCat("?socket=", socket));
}

absl::StatusOr<MysqlDsn> ParseMysqlDsn(absl::string_view text) {
  auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mysql DSN: ", why,
        " (expected mysql://USER[:PASSWORD]@HOST[:PORT]/SCHEMA[?socket=PATH])"));
  };
  if (!absl::ConsumePrefix(&text, "mysql://")) return bad("missing mysql://");
  MysqlDsn dsn;
  const size_t at = text.rfind('@');
  if (at == absl::string_view::npos) return bad("missing USER@");
  absl::string_view credentials = text.substr(0, at);
  text.remove_prefix(at + 1);
  std::pair<absl::string_view, absl::string_view> user_password =
      absl::StrSplit(credentials, absl::MaxSplits(':', 1));
  dsn.user = std::string(user_password.first);
  dsn.password = std::string(user_password.second);
  if (dsn.user.empty()) return bad("empty user");

  absl::string_view query;
  if (size_t q = text.find('?'); q != absl::string_view::npos) {
    query = text.substr(q + 1);
    text = text.substr(0, q);
  }
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return bad("missing /SCHEMA");
  dsn.schema = std::string(text.substr(slash + 1));
  if (dsn.schema.empty()) return bad("empty schema");
  absl::string_view host_port = text.substr(0, slash);
  if (size_t colon = host_port.rfind(':'); colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(host_port.substr(colon + 1), &dsn.port) ||
        dsn.port <= 0 || dsn.port > 65535) {
      return bad("bad port");
    }
    host_port = host_port.substr(0, colon);
  }
  if (!host_port.empty()) dsn.host = std::string(host_port);
  for (absl::string_view param : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&param, "socket=")) {
      dsn.socket = std::string(param);
    } else {
      return bad(absl::StrCat("unknown parameter '", param, "'"));
    }
  }
  return dsn;
}

}  // namespace order_saga
