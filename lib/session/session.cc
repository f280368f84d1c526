#include "lib/session/session.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil), and back. Exact for every year JavaScript dates cover.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, millis, weekday;  // weekday: 0 = Sunday
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil CivilFromMillis(int64_t ms) {
  const int64_t days = FloorDiv(ms, 86'400'000);
  int64_t rem = ms - days * 86'400'000;
  Civil c;
  c.millis = rem % 1000;
  rem /= 1000;
  c.second = rem % 60;
  c.minute = (rem / 60) % 60;
  c.hour = rem / 3600;
  c.weekday = static_cast<unsigned>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  return c;
}

int64_t ToUnixMillisFloor(absl::Time t) {
  return absl::ToInt64Milliseconds(absl::Floor(t - absl::UnixEpoch(), absl::Milliseconds(1)));
}

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

void SessionCookie::SetMaxAge(absl::Duration max_age, absl::Time now) {
  const int64_t ms = absl::ToInt64Milliseconds(max_age);
  expires = absl::FromUnixMillis(ToUnixMillisFloor(now) + ms);
  original_max_age = ms;
}

void SessionCookie::SetExpires(std::optional<absl::Time> when, absl::Time now) {
  if (!when) {
    expires.reset();
    original_max_age.reset();
    return;
  }
  expires = absl::FromUnixMillis(ToUnixMillisFloor(*when));
  original_max_age = ToUnixMillisFloor(*expires) - ToUnixMillisFloor(now);
}

std::optional<absl::Duration> SessionCookie::MaxAge(absl::Time now) const {
  if (!expires) return std::nullopt;
  return absl::Milliseconds(ToUnixMillisFloor(*expires) - ToUnixMillisFloor(now));
}

void SessionCookie::ResetMaxAge(absl::Time now) {
  if (original_max_age) {
    SetMaxAge(absl::Milliseconds(*original_max_age), now);
  } else {
    expires.reset();
  }
}

Session Session::New(const SessionCookieOptions& options, absl::Time now, bool secure_request) {
  Session s;
  SessionCookie& c = s.cookie;
  // The order of express-session's Cookie constructor: path, maxAge = null,
  // httpOnly, then the options.
  c.path = options.path;
  c.http_only = options.http_only;
  c.domain = options.domain;
  c.partitioned = options.partitioned;
  c.priority = options.priority;
  if (options.max_age) {
    c.SetMaxAge(*options.max_age, now);
  } else if (options.expires) {
    c.SetExpires(*options.expires, now);
  }
  switch (options.secure) {
    case SessionCookieOptions::Secure::kUnset:
      break;
    case SessionCookieOptions::Secure::kOff:
      c.secure = false;
      break;
    case SessionCookieOptions::Secure::kOn:
      c.secure = true;
      break;
    case SessionCookieOptions::Secure::kAuto:
      c.secure = secure_request;
      break;
  }
  if (options.same_site) {
    c.same_site =
        *options.same_site == "auto" ? (secure_request ? "none" : "lax") : *options.same_site;
  }
  return s;
}

std::string FormatIsoTime(absl::Time t) {
  const Civil c = CivilFromMillis(ToUnixMillisFloor(t));
  if (c.year >= 0 && c.year <= 9999) {
    // The common case, without snprintf: "YYYY-MM-DDTHH:MM:SS.mmmZ".
    std::string out = "0000-00-00T00:00:00.000Z";
    const auto put = [&](size_t pos, unsigned value, int digits) {
      for (int i = digits - 1; i >= 0; --i, value /= 10) out[pos + i] = '0' + value % 10;
    };
    put(0, static_cast<unsigned>(c.year), 4);
    put(5, c.month, 2);
    put(8, c.day, 2);
    put(11, c.hour, 2);
    put(14, c.minute, 2);
    put(17, c.second, 2);
    put(20, c.millis, 3);
    return out;
  }
  // JavaScript's expanded years: +275760-... / -000001-...
  char buf[48];
  const int n =
      std::snprintf(buf, sizeof buf, "%c%06lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                    c.year < 0 ? '-' : '+', static_cast<long long>(c.year < 0 ? -c.year : c.year),
                    c.month, c.day, c.hour, c.minute, c.second, c.millis);
  return std::string(buf, n);
}

absl::StatusOr<absl::Time> ParseIsoTime(std::string_view s) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second = 0;
  int sign = 1;
  bool ok;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    pos = 1;
    ok = ReadDigits(s, pos, 6, year);
  } else {
    ok = ReadDigits(s, pos, 4, year);
  }
  ok = ok && Expect(s, pos, '-') && ReadDigits(s, pos, 2, month) && Expect(s, pos, '-') &&
       ReadDigits(s, pos, 2, day) && Expect(s, pos, 'T') && ReadDigits(s, pos, 2, hour) &&
       Expect(s, pos, ':') && ReadDigits(s, pos, 2, minute);
  if (ok && pos < s.size() && s[pos] == ':') {
    ++pos;
    ok = ReadDigits(s, pos, 2, second);
  }
  int64_t millis = 0;
  if (ok && pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    ok = pos > start;
  }
  int64_t offset_minutes = 0;
  if (ok && pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (ok && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int offset_sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om;
    ok = ReadDigits(s, pos, 2, oh) && Expect(s, pos, ':') && ReadDigits(s, pos, 2, om) &&
         oh <= 23 && om <= 59;
    offset_minutes = offset_sign * (oh * 60 + om);
  } else {
    ok = false;  // JavaScript reads a date-time without zone as local time: refuse it
  }
  ok = ok && pos == s.size() && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 24 &&
       minute <= 59 && second <= 59 && (hour < 24 || (minute == 0 && second == 0 && millis == 0));
  if (!ok) {
    return absl::InvalidArgumentError(ToAbsl("not an ISO 8601 date: \"" + std::string(s) + "\""));
  }
  const int64_t days =
      DaysFromCivil(sign * year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (CivilFromMillis(days * 86'400'000).day != day) {  // 2026-02-30 and the like
    return absl::InvalidArgumentError(ToAbsl("not a calendar date: \"" + std::string(s) + "\""));
  }
  const int64_t ms =
      ((days * 24 + hour) * 60 + minute - offset_minutes) * 60'000 + second * 1000 + millis;
  return absl::FromUnixMillis(ms);
}

std::string FormatHttpDate(absl::Time t) {
  const Civil c = CivilFromMillis(ToUnixMillisFloor(t));
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u GMT",
                              kWeekdays[c.weekday], c.day, kMonths[c.month - 1],
                              static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return std::string(buf, n);
}

}  // namespace embedis
