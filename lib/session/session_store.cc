#include "lib/session/session_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

// DEL and MGET take at most this many keys per call, so a huge Clear() or
// All() does not build one giant command.
constexpr size_t kBatch = 1000;

}  // namespace

std::string EscapeGlob(std::string_view literal) {
  std::string out;
  out.reserve(literal.size() + 4);
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

SessionStore::SessionStore(Store* store, SessionStoreOptions options)
    : store_(store), options_(std::move(options)) {
  if (options_.serializer == nullptr) options_.serializer = JsonSessionSerializer();
  if (options_.scan_count <= 0) options_.scan_count = 100;
  if (auto* seconds = std::get_if<int64_t>(&options_.ttl); seconds != nullptr && *seconds == 0) {
    *seconds = 86400;
  }
  if (auto* fn = std::get_if<std::function<int64_t(const Session&)>>(&options_.ttl);
      fn != nullptr && !*fn) {
    options_.ttl = int64_t{86400};
  }
  match_ = EscapeGlob(options_.prefix) + "*";
}

std::string SessionStore::Key(std::string_view sid) const {
  std::string key;
  key.reserve(options_.prefix.size() + sid.size());
  key.append(options_.prefix).append(sid);
  return key;
}

int64_t SessionStore::TtlSeconds(const Session& session) const {
  if (const auto* fn = std::get_if<std::function<int64_t(const Session&)>>(&options_.ttl)) {
    return (*fn)(session);
  }
  if (session.cookie.expires) {
    // Math.ceil((expires - Date.now()) / 1000), in whole milliseconds.
    const int64_t ms = absl::ToUnixMillis(*session.cookie.expires) - store_->clock()->NowMs();
    return ms > 0 ? (ms + 999) / 1000 : ms / 1000;
  }
  return std::get<int64_t>(options_.ttl);
}

absl::StatusOr<std::optional<Session>> SessionStore::Get(std::string_view sid) const {
  EMBEDIS_ASSIGN_OR_RETURN(std::optional<std::string> data, store_->Get(Key(sid)));
  if (!data || data->empty()) return std::optional<Session>();
  EMBEDIS_ASSIGN_OR_RETURN(Session session, options_.serializer->Parse(*data));
  return std::optional<Session>(std::move(session));
}

absl::Status SessionStore::Set(std::string_view sid, const Session& session) const {
  const int64_t ttl = TtlSeconds(session);
  if (ttl <= 0) return Destroy(sid);
  const std::string value = options_.serializer->Stringify(session);
  StoreSetOptions set;
  if (!options_.disable_ttl) set.ttl = absl::Seconds(ttl);
  return store_->Set(Key(sid), value, set).status();
}

absl::Status SessionStore::Touch(std::string_view sid, const Session& session) const {
  if (options_.disable_touch || options_.disable_ttl) return absl::OkStatus();
  return store_->Expire(Key(sid), absl::Seconds(TtlSeconds(session))).status();
}

absl::Status SessionStore::Destroy(std::string_view sid) const {
  const std::string key = Key(sid);
  const std::string_view keys[] = {key};
  return store_->Del(keys).status();
}

absl::Status SessionStore::Destroy(absl::Span<const std::string_view> sids) const {
  for (size_t begin = 0; begin < sids.size(); begin += kBatch) {
    const size_t end = std::min(sids.size(), begin + kBatch);
    std::vector<std::string> keys;
    keys.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) keys.push_back(Key(sids[i]));
    std::vector<std::string_view> views(keys.begin(), keys.end());
    EMBEDIS_RETURN_IF_ERROR(store_->Del(views).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SessionStore::AllKeys() const {
  StringSet seen;
  std::vector<std::string> keys;  // in the order SCAN first returned them
  uint64_t cursor = 0;
  StoreScanOptions scan;
  scan.match = match_;
  scan.count = options_.scan_count;
  do {
    EMBEDIS_ASSIGN_OR_RETURN(StoreScanPage page, store_->Scan(cursor, scan));
    for (std::string& key : page.keys) {
      if (seen.insert(key).second) keys.push_back(std::move(key));
    }
    cursor = page.cursor;
  } while (cursor != 0);
  return keys;
}

absl::Status SessionStore::Clear() const {
  EMBEDIS_ASSIGN_OR_RETURN(std::vector<std::string> keys, AllKeys());
  for (size_t begin = 0; begin < keys.size(); begin += kBatch) {
    const size_t end = std::min(keys.size(), begin + kBatch);
    std::vector<std::string_view> views(keys.begin() + begin, keys.begin() + end);
    EMBEDIS_RETURN_IF_ERROR(store_->Del(views).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SessionStore::Length() const {
  EMBEDIS_ASSIGN_OR_RETURN(std::vector<std::string> keys, AllKeys());
  return static_cast<int64_t>(keys.size());
}

absl::StatusOr<std::vector<std::string>> SessionStore::Ids() const {
  EMBEDIS_ASSIGN_OR_RETURN(std::vector<std::string> keys, AllKeys());
  for (std::string& key : keys) key.erase(0, options_.prefix.size());
  return keys;
}

absl::StatusOr<std::vector<std::pair<std::string, Session>>> SessionStore::All() const {
  EMBEDIS_ASSIGN_OR_RETURN(std::vector<std::string> keys, AllKeys());
  std::vector<std::pair<std::string, Session>> out;
  out.reserve(keys.size());
  for (size_t begin = 0; begin < keys.size(); begin += kBatch) {
    const size_t end = std::min(keys.size(), begin + kBatch);
    std::vector<std::string_view> views(keys.begin() + begin, keys.begin() + end);
    EMBEDIS_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values, store_->MGet(views));
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i] || values[i]->empty()) continue;  // vanished since the SCAN
      EMBEDIS_ASSIGN_OR_RETURN(Session session, options_.serializer->Parse(*values[i]));
      out.emplace_back(keys[begin + i].substr(options_.prefix.size()), std::move(session));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Store::Subscription>> SessionStore::OnExpired(
    SessionEventCallback callback) const {
  return OnKeyEvent("Ex", "expired", std::move(callback));
}

absl::StatusOr<std::unique_ptr<Store::Subscription>> SessionStore::OnDestroyed(
    SessionEventCallback callback) const {
  return OnKeyEvent("Eg", "del", std::move(callback));
}

absl::StatusOr<std::unique_ptr<Store::Subscription>> SessionStore::OnKeyEvent(
    std::string_view classes, std::string_view event, SessionEventCallback callback) const {
  if (!callback) return absl::InvalidArgumentError("no callback");
  absl::Status enabled = store_->EnableKeyspaceEvents(classes);
  if (!enabled.ok()) return enabled;
  Store::SubscribeOptions options;
  options.channels.push_back(absl::StrCat("__keyevent@", store_->db(), "__:", ToAbsl(event)));
  options.on_message = [prefix = options_.prefix, callback = std::move(callback)](
                           std::string_view, std::string_view key, std::string_view) {
    if (key.size() >= prefix.size() && key.substr(0, prefix.size()) == prefix) {
      callback(key.substr(prefix.size()));
    }
  };
  return store_->Subscribe(std::move(options));
}

}  // namespace embedis
