// ParseRedisUrl, ParseRedisClusterUrl and ParseRedisSentinelUrl (redis_store.h): redis://,
// rediss://, unix://, redis+cluster:// and redis+sentinel:// URLs into client options. Anything
// malformed is kInvalidArgument naming the problem (never quoting a password).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/store/redis_store.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

absl::Status UrlError(std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("invalid Redis URL: ", ToAbsl(problem)));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s`; `what` names it in errors (never its value: it may be
// a password).
absl::StatusOr<std::string> PercentDecode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? HexDigit(s[i + 1]) : -1;
    int lo = hi >= 0 ? HexDigit(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return UrlError(absl::StrCat("bad percent-encoding in the ", ToAbsl(what)));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// A non-negative decimal integer (digits only) no larger than `max`.
std::optional<int64_t> ParseNumber(std::string_view s, int64_t max) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool ConsumePrefixIgnoreCase(std::string_view* s, std::string_view prefix) {
  if (s->size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>((*s)[i])) != prefix[i]) return false;
  }
  s->remove_prefix(prefix.size());
  return true;
}

absl::Status ParseUserInfo(std::string_view userinfo, ClientOptions* o) {
  size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    EMBEDIS_ASSIGN_OR_RETURN(o->username, PercentDecode(userinfo, "user name"));
    return absl::OkStatus();
  }
  EMBEDIS_ASSIGN_OR_RETURN(o->username, PercentDecode(userinfo.substr(0, colon), "user name"));
  EMBEDIS_ASSIGN_OR_RETURN(o->password, PercentDecode(userinfo.substr(colon + 1), "password"));
  return absl::OkStatus();
}

absl::Status ParseDb(std::string_view text, ClientOptions* o) {
  std::optional<int64_t> db = ParseNumber(text, INT32_MAX);
  if (!db) return UrlError(absl::StrCat("bad db '", ToAbsl(text), "' (want a number >= 0)"));
  o->db = static_cast<int>(*db);
  return absl::OkStatus();
}

absl::Status ParseQuery(std::string_view query, ClientOptions* o) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    if (eq == std::string_view::npos) {
      return UrlError(absl::StrCat("parameter '", ToAbsl(name), "' needs a value"));
    }
    EMBEDIS_ASSIGN_OR_RETURN(std::string value,
                             PercentDecode(item.substr(eq + 1), "parameter values"));
    auto millis = [&](absl::Duration* out, bool allow_zero) -> absl::Status {
      std::optional<int64_t> ms = ParseNumber(value, int64_t{1} << 40);
      if (!ms || (*ms == 0 && !allow_zero)) {
        return UrlError(absl::StrCat("bad ", ToAbsl(name), " '", value, "' (want milliseconds",
                                     allow_zero ? " >= 0)" : " > 0)"));
      }
      *out = absl::Milliseconds(*ms);
      return absl::OkStatus();
    };
    if (name == "db") {
      EMBEDIS_RETURN_IF_ERROR(ParseDb(value, o));
    } else if (name == "timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->command_timeout, false));
    } else if (name == "connect_timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->connect_timeout, false));
    } else if (name == "pool_timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->pool_wait_timeout, true));
    } else if (name == "pool") {
      std::optional<int64_t> n = ParseNumber(value, 1 << 20);
      if (!n || *n < 1) {
        return UrlError(absl::StrCat("bad pool '", value, "' (want a number >= 1)"));
      }
      o->pool_size = static_cast<int>(*n);
    } else if (name == "protocol") {
      if (value != "2" && value != "3") {
        return UrlError(absl::StrCat("bad protocol '", value, "' (want 2 or 3)"));
      }
      o->resp3 = value == "3";
    } else if (name == "name") {
      o->client_name = value;
    } else if (name == "ca_file" || name == "ca_dir" || name == "cert_file" || name == "key_file" ||
               name == "sni" || name == "verify") {
      if (!o->tls.enabled) {
        return UrlError(absl::StrCat("TLS parameter '", ToAbsl(name), "' needs a rediss:// URL"));
      }
      if (name == "ca_file") {
        o->tls.ca_file = value;
      } else if (name == "ca_dir") {
        o->tls.ca_dir = value;
      } else if (name == "cert_file") {
        o->tls.cert_file = value;
      } else if (name == "key_file") {
        o->tls.key_file = value;
      } else if (name == "sni") {
        o->tls.sni = value;
      } else if (value == "none") {
        o->tls.verify_peer = false;
      } else if (value == "full") {
        o->tls.verify_peer = true;
      } else {
        return UrlError(absl::StrCat("bad verify '", value, "' (want full or none)"));
      }
    } else {
      return UrlError(absl::StrCat("unknown parameter '", ToAbsl(name), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClientOptions> ParseRedisUrl(std::string_view url) {
  ClientOptions o;
  std::string_view rest = url;
  bool is_unix = false;
  if (ConsumePrefixIgnoreCase(&rest, "redis://")) {
  } else if (ConsumePrefixIgnoreCase(&rest, "unix://")) {
    is_unix = true;
  } else if (ConsumePrefixIgnoreCase(&rest, "rediss://")) {
    o.tls.enabled = true;
  } else {
    size_t colon = rest.find("://");
    return UrlError(colon == std::string_view::npos
                        ? std::string("missing scheme (want redis://, rediss:// or unix://)")
                        : absl::StrCat("unsupported scheme '", ToAbsl(rest.substr(0, colon)),
                                       "://' (want redis://, rediss:// or unix://)"));
  }
  if (rest.find('#') != std::string_view::npos) {
    return UrlError("a fragment ('#') is not allowed (percent-encode '#' as %23)");
  }
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  if (is_unix) {
    // unix://[userinfo@]/path
    if (!rest.empty() && rest[0] != '/') {
      size_t at = rest.find('@');
      if (at == std::string_view::npos) {
        return UrlError("the socket path of a unix:// URL must be absolute (unix:///path)");
      }
      EMBEDIS_RETURN_IF_ERROR(ParseUserInfo(rest.substr(0, at), &o));
      rest = rest.substr(at + 1);
    }
    if (rest.empty() || rest == "/") return UrlError("missing socket path in a unix:// URL");
    if (rest[0] != '/') {
      return UrlError("the socket path of a unix:// URL must be absolute (unix:///path)");
    }
    EMBEDIS_ASSIGN_OR_RETURN(o.unix_socket, PercentDecode(rest, "socket path"));
  } else {
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      EMBEDIS_RETURN_IF_ERROR(ParseUserInfo(authority.substr(0, at), &o));
      authority = authority.substr(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    bool bracketed = false;
    if (!authority.empty() && authority[0] == '[') {
      bracketed = true;
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return UrlError("unterminated '[' in an IPv6 host");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') {
          return UrlError(absl::StrCat("unexpected '", ToAbsl(after), "' after the IPv6 host"));
        }
        port = after.substr(1);
        has_port = true;
      }
      if (host.empty()) return UrlError("empty IPv6 host '[]'");
    } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) {
        return UrlError("an IPv6 host must be in brackets (redis://[::1]:6379)");
      }
    }
    for (char c : host) {
      if (c == ' ' || (c == '%' && !bracketed) || c == '[' || c == ']' || c == '@') {
        return UrlError(absl::StrCat("bad host '", ToAbsl(host), "'"));
      }
    }
    if (bracketed) {
      // An IPv6 zone (RFC 6874): [fe80::1%25eth0] is fe80::1%eth0.
      EMBEDIS_ASSIGN_OR_RETURN(o.host, PercentDecode(host, "IPv6 host"));
    } else if (!host.empty()) {
      o.host = std::string(host);
    }
    if (has_port) {
      std::optional<int64_t> p = ParseNumber(port, 65535);
      if (!p || *p == 0) {
        return UrlError(absl::StrCat("bad port '", ToAbsl(port), "' (want 1-65535)"));
      }
      o.port = static_cast<int>(*p);
    }
    if (path.size() > 1) EMBEDIS_RETURN_IF_ERROR(ParseDb(path.substr(1), &o));
  }
  EMBEDIS_RETURN_IF_ERROR(ParseQuery(query, &o));
  return o;
}

namespace {

// A URL of several hosts: scheme://[userinfo@]host[:port][,host[:port]...][/path][?query].
struct MultiHostUrl {
  std::string_view userinfo;  // with its '@', or empty
  std::string_view hosts;
  std::string_view path;  // from its '/', or empty
  std::string_view query;
};

absl::StatusOr<MultiHostUrl> SplitMultiHostUrl(std::string_view url, std::string_view scheme,
                                               std::string_view what) {
  std::string_view rest = url;
  if (!ConsumePrefixIgnoreCase(&rest, scheme)) {
    return UrlError(absl::StrCat("a ", ToAbsl(what), " URL starts with ", ToAbsl(scheme)));
  }
  MultiHostUrl u;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    u.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  u.hosts = rest.substr(0, slash);
  u.path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (size_t at = u.hosts.rfind('@'); at != std::string_view::npos) {
    u.userinfo = u.hosts.substr(0, at + 1);
    u.hosts = u.hosts.substr(at + 1);
  }
  return u;
}

// The (host, port) pairs of a comma-separated host list; `default_port` when one has none.
absl::StatusOr<std::vector<std::pair<std::string, int>>> ParseHosts(std::string_view hosts,
                                                                    int default_port,
                                                                    std::string_view scheme) {
  if (hosts.empty()) return UrlError(absl::StrCat("no hosts in a ", ToAbsl(scheme), " URL"));
  std::vector<std::pair<std::string, int>> out;
  for (absl::string_view host : absl::StrSplit(ToAbsl(hosts), ',')) {
    if (host.empty()) return UrlError(absl::StrCat("empty host in a ", ToAbsl(scheme), " URL"));
    std::string with_port(host);
    if (with_port.find(':') == std::string::npos || with_port.back() == ']') {
      absl::StrAppend(&with_port, ":", default_port);
    }
    EMBEDIS_ASSIGN_OR_RETURN(ClientOptions o, ParseRedisUrl(absl::StrCat("redis://", with_port)));
    out.emplace_back(o.host, o.port);
  }
  return out;
}

// Calls `take(name, value)` for each parameter of `query`; those it does not know (false) are
// appended to `*rest`, for ParseRedisUrl.
absl::Status TakeParams(
    std::string_view query, std::string* rest,
    absl::FunctionRef<absl::StatusOr<bool>(std::string_view name, std::string_view value)> take) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = item.find('=');
    std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    EMBEDIS_ASSIGN_OR_RETURN(bool taken, take(item.substr(0, eq), value));
    if (taken) continue;
    absl::StrAppend(rest, rest->empty() ? "?" : "&", ToAbsl(item));
  }
  return absl::OkStatus();
}

// A number parameter from 0 to `max`.
absl::StatusOr<int64_t> NumberParam(std::string_view name, std::string_view value, int64_t max) {
  std::optional<int64_t> n = ParseNumber(value, max);
  if (!n) {
    return UrlError(absl::StrCat("bad ", ToAbsl(name), " '", ToAbsl(value),
                                 "' (want a number from 0 to ", max, ")"));
  }
  return *n;
}

}  // namespace

absl::StatusOr<ClusterOptions> ParseRedisClusterUrl(std::string_view url) {
  // rediss+cluster://: TLS to every node (the TLS parameters apply to each).
  std::string_view probe = url;
  const bool tls = ConsumePrefixIgnoreCase(&probe, "rediss+cluster://");
  EMBEDIS_ASSIGN_OR_RETURN(
      MultiHostUrl u,
      SplitMultiHostUrl(url, tls ? "rediss+cluster://" : "redis+cluster://", "Redis Cluster"));
  ClusterOptions cluster;
  std::string node_query;  // the parameters of every node's connections
  EMBEDIS_RETURN_IF_ERROR(TakeParams(
      u.query, &node_query,
      [&](std::string_view name, std::string_view value) -> absl::StatusOr<bool> {
        if (name == "read_from") {
          if (value != "primary" && value != "replica") {
            return UrlError(
                absl::StrCat("bad read_from '", ToAbsl(value), "' (want primary or replica)"));
          }
          cluster.read_from_replica = value == "replica";
        } else if (name == "wait_replicas") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 100));
          cluster.wait_replicas = static_cast<int>(n);
        } else if (name == "wait_timeout_ms") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, int64_t{1} << 31));
          cluster.wait_timeout = absl::Milliseconds(n);
        } else if (name == "max_redirects") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 100));
          cluster.max_redirects = static_cast<int>(n);
        } else if (name == "max_retries") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 1000));
          cluster.max_retries = static_cast<int>(n);
        } else if (name == "refresh_ms") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, int64_t{1} << 31));
          cluster.refresh_interval = absl::Milliseconds(n);
        } else {
          return false;
        }
        return true;
      }));
  EMBEDIS_ASSIGN_OR_RETURN(cluster.seeds, ParseHosts(u.hosts, 6379, "redis+cluster://"));
  EMBEDIS_ASSIGN_OR_RETURN(
      cluster.node, ParseRedisUrl(absl::StrCat(tls ? "rediss://" : "redis://", ToAbsl(u.userinfo),
                                               "127.0.0.1", ToAbsl(u.path), node_query)));
  if (cluster.node.db != 0) return UrlError("a Redis Cluster has only db 0");
  return cluster;
}

absl::StatusOr<SentinelOptions> ParseRedisSentinelUrl(std::string_view url) {
  // rediss+sentinel://: TLS to the sentinels and to the servers they name.
  std::string_view probe = url;
  const bool tls = ConsumePrefixIgnoreCase(&probe, "rediss+sentinel://");
  EMBEDIS_ASSIGN_OR_RETURN(
      MultiHostUrl u,
      SplitMultiHostUrl(url, tls ? "rediss+sentinel://" : "redis+sentinel://", "Redis Sentinel"));
  // path: /name[/db]
  std::string_view name = u.path.empty() ? "" : u.path.substr(1);
  std::string_view db;
  if (size_t s = name.find('/'); s != std::string_view::npos) {
    db = name.substr(s);
    name = name.substr(0, s);
  }
  if (name.empty()) {
    return UrlError("no master name in a redis+sentinel:// URL (redis+sentinel://host/mymaster)");
  }
  SentinelOptions sentinel;
  EMBEDIS_ASSIGN_OR_RETURN(sentinel.master_name, PercentDecode(name, "master name"));
  std::string node_query;  // the parameters of the primary's connections
  EMBEDIS_RETURN_IF_ERROR(
      TakeParams(u.query, &node_query,
                 [&](std::string_view param, std::string_view value) -> absl::StatusOr<bool> {
                   if (param == "sentinel_password") {
                     EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinel_password,
                                              PercentDecode(value, "sentinel password"));
                   } else if (param == "sentinel_username") {
                     EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinel_username,
                                              PercentDecode(value, "sentinel user name"));
                   } else if (param == "max_retries") {
                     EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(param, value, 1000));
                     sentinel.max_retries = static_cast<int>(n);
                   } else if (param == "read_from") {
                     if (value != "primary" && value != "replica") {
                       return UrlError(absl::StrCat("bad read_from '", ToAbsl(value),
                                                    "' (want primary or replica)"));
                     }
                     sentinel.read_from_replica = value == "replica";
                   } else {
                     return false;
                   }
                   return true;
                 }));
  EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinels, ParseHosts(u.hosts, 26379, "redis+sentinel://"));
  EMBEDIS_ASSIGN_OR_RETURN(
      sentinel.node, ParseRedisUrl(absl::StrCat(tls ? "rediss://" : "redis://", ToAbsl(u.userinfo),
                                                "127.0.0.1", ToAbsl(db), node_query)));
  return sentinel;
}

}  // namespace embedis
