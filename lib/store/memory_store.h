// MemoryStore: the Store on the in-process keyspace (the memory:// backend).
//
// Every command goes through the same command table embedis-server runs, so
// MemoryStore and a Redis server behave alike; the hot typed methods (Get,
// Set, Expire, Del, Exists, PTtl, ...) call the keyspace directly with the
// same semantics, and the rest execute their command in-process.
//
//   auto store = NewMemoryStore({.keyspace = {.clock = &manual_clock}});
//   store->Set("k", "v", {.ttl = absl::Seconds(10)});
//   manual_clock.Advance(absl::Seconds(10));   // "k" expires, synchronously
//
// Embedding: pass `shared_keyspace` to serve a keyspace that the application
// (or an embedded embedis-server) already uses, so the same data is reachable
// in-process and over RESP at once.
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_STORE_MEMORY_STORE_H_
#define EMBEDIS_LIB_STORE_MEMORY_STORE_H_

#include <memory>
#include <string>

#include "lib/commands/aof.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "lib/store/store.h"

namespace embedis {

struct MemoryStoreOptions {
  // Options of the keyspace the store creates (ignored with shared_keyspace).
  KeyspaceOptions keyspace;
  // A keyspace to use instead of creating one. Not owned; must outlive the store.
  Keyspace* shared_keyspace = nullptr;
  // The database (SELECT) this store works on. Default: 0.
  int db = 0;
  // The protocol Command() replies are shaped by. Default: RESP2, as a
  // redis:// connection without HELLO 3.
  resp::Protocol protocol = resp::Protocol::kResp2;

  // Snapshots (lib/keyspace/snapshot.h), all off by default. A snapshot file of the whole
  // keyspace (every database) and of the store's FUNCTION libraries: loaded at open when it
  // exists (a damaged or newer-format file makes NewMemoryStore fail with the loader's error; a
  // library that does not load is reported on stderr and skipped) and written by the saves
  // below. Empty: none.
  std::string snapshot_path;
  // Save every `snapshot_interval` of real time when there were writes. Zero: never.
  absl::Duration snapshot_interval = absl::ZeroDuration();
  // Save once more when the store is destroyed (if anything changed). Default: false.
  bool snapshot_on_close = false;

  // The append-only file (lib/commands/aof.h), as embedis-server's: with aof.appendonly, every
  // write (typed methods and Command()) is logged to aof.dir/aof.appenddirname, and at open the
  // log, when it exists, is loaded instead of the snapshot, so an application restarts without
  // losing a session. appendfsync always: a write is on disk before its method returns. Off by
  // default. URL: memory://?appendonly=yes&dir=/var/lib/app&appendfsync=always.
  AofOptions aof;
};

// InvalidArgument when db is out of range.
absl::StatusOr<std::unique_ptr<Store>> NewMemoryStore(MemoryStoreOptions options = {});

}  // namespace embedis

#endif  // EMBEDIS_LIB_STORE_MEMORY_STORE_H_
