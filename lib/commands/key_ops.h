// The key operations that the command handlers (key_family.cc) and MemoryStore's typed methods
// share: SCAN with Redis's filters, the TTL family's answer, and the EXPIRE family's condition
// rules, KEYS and OBJECT ENCODING. As list_ops.h, string_ops.h and hash_ops.h: typed results,
// Redis's error texts as statuses, no protocol. The other key commands are one typed keyspace call
// each (Keyspace:: Delete, Exists, Type, Expire, Persist, Rename, Copy, Move, RandomKey), used as
// they are.
//
//   ScanResult page = key_ops::Scan(ks, 0, cursor, {.count = 100, .match = "session:*"});
//
// Thread safety: every function may be called from any thread.
#ifndef EMBEDIS_LIB_COMMANDS_KEY_OPS_H_
#define EMBEDIS_LIB_COMMANDS_KEY_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lib/commands/args.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::key_ops {

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: one page (Keyspace::Scan's guarantee).
// As Redis 7.0: MATCH "" matches only the empty key name, an unknown TYPE name matches no key
// (the cursor still advances). REQUIRES: args.count >= 1 (ParseScanArgs checks it).
ScanResult Scan(Keyspace& ks, int db, uint64_t cursor, const commands::ScanArgs& args);

// KEYS pattern: every key matching the glob; for Redis an empty pattern matches only the empty
// key name.
std::vector<std::string> Keys(Keyspace& ks, int db, std::string_view pattern);

// OBJECT ENCODING: Redis 7.0's name for how `key`'s value is stored, nullopt when missing. A
// string's is derived from its StringOrigin as Redis would have stored it ("int", "embstr",
// "raw"); the other types' from their structure.
std::optional<std::string> ObjectEncoding(Keyspace& ks, int db, std::string_view key);

// TTL (seconds, rounded to the nearest), PTTL (millis), EXPIRETIME and PEXPIRETIME (absolute):
// -2 when the key is missing, -1 when it has no deadline.
int64_t Ttl(Keyspace& ks, int db, std::string_view key, bool millis, bool absolute);

// The EXPIRE family's rule on its conditions, as Redis 7.0 checks it before the time argument:
// errors::kExpireNxConflict for NX with XX, GT or LT; errors::kExpireGtLtConflict for GT with LT.
absl::Status CheckExpireCondition(const ExpireCondition& condition);

}  // namespace embedis::key_ops

#endif  // EMBEDIS_LIB_COMMANDS_KEY_OPS_H_
