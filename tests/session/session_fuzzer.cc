// libFuzzer entry point for the session layer's parsers of untrusted bytes:
// the Cookie header (cookie parsing, URL decoding, signature checks, loading
// through SessionManager) and stored session values (JSON and binary
// serializers). Checks, besides "no crash, no sanitizer report":
//
//  - SessionManager::Load never fails on a healthy store and, unless the
//    input carries the one validly signed cookie, starts a new session;
//  - GetCookie agrees with ParseCookieHeader;
//  - whatever a serializer parses, it writes back to something that parses
//    and writes again byte for byte (and, for JSON, to an equal session).
//
// Build with clang: bazel build --config=fuzz //tests/session:session_fuzzer
// The same entry point runs in the normal suite through session_fuzz_test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "lib/session/cookie.h"
#include "lib/session/serializer.h"
#include "lib/session/session_manager.h"
#include "lib/session/session_store.h"
#include "lib/store/memory_store.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "session fuzzer: %s failed on %zu bytes\n", what, input.size());
  std::abort();
}

struct World {
  World() {
    store = *NewMemoryStore({.keyspace = {.clock = &clock}});
    sessions = std::make_unique<SessionStore>(store.get());
    manager = *SessionManager::Create(sessions.get(), {.secrets = {"fuzz secret", "old"}});
    auto rs = *manager->Load({});
    rs->data["user"] = "ada";
    good_id = rs.id();
    good_cookie = *manager->Commit(rs)->set_cookie;
    good_cookie = good_cookie.substr(0, good_cookie.find(';'));
  }
  ManualClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<SessionManager> manager;
  std::string good_id, good_cookie;
};

void CheckSerializer(const SessionSerializer& ser, std::string_view input) {
  auto s = ser.Parse(input);
  if (!s.ok()) return;
  // The first write may normalize (JSON: Infinity becomes null, as in
  // JavaScript); from then on the form is fixed.
  const std::string once = ser.Stringify(*s);
  auto again = ser.Parse(once);
  Check(again.ok(), "re-parse of a written session", input);
  const std::string twice = ser.Stringify(*again);
  Check(twice == once, "byte-stable writes", input);
  if (&ser == JsonSessionSerializer().get()) {
    auto third = ser.Parse(twice);
    Check(third.ok() && *third == *again, "round trip equality", input);
  }
}

}  // namespace
}  // namespace embedis

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace embedis;
  static World* world = new World();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (const std::string& header : {std::string(input), "connect.sid=" + std::string(input),
                                    "connect.sid=s%3A" + std::string(input)}) {
    auto rs = world->manager->Load({.cookie_header = header});
    Check(rs.ok(), "Load", input);
    if (rs->id() != world->good_id) {
      Check(rs->is_new() && static_cast<bool>(*rs), "fresh session on a bad cookie", input);
    }
    Check(world->manager->Commit(*rs).ok(), "Commit", input);
    const auto all = ParseCookieHeader(header);
    for (const auto& [name, value] : all) {
      Check(GetCookie(header, name) == value, "GetCookie agrees with ParseCookieHeader", input);
    }
  }
  (void)DecodeUriComponent(input);
  CheckSerializer(*JsonSessionSerializer(), input);
  CheckSerializer(*BinarySessionSerializer(), input);
  return 0;
}
