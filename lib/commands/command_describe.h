// Helpers for writing a command's entry (CommandSpec, command_table.h) declaratively, beside its
// handler: key specs and argument docs in a line each. For the family files (and the server's
// command files) only:
//
//   using namespace describe;
//   table->Register({.name = "rename", .arity = 3, .flags = kWrite, .acl = kAclKeyspace,
//                    .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, OW | UPDATE)},
//                    .group = "generic", .summary = "Renames a key ...", .since = "1.0.0",
//                    .complexity = "O(1)", .args = {Key("key"), Key("newkey", 1)},
//                    .handler = CmdRename});
//
// Keys(index, flags, lastkey, keystep) is a key spec that begins at argument `index` and takes a
// range of keys (lastkey -1: up to the last argument); KeyNum(index, flags) counts its keys with
// the argument at `index`. Key("name", i) is an argument that is a key found by key spec i.
// The legacy first/last/step key positions are not written: CommandTable::Register derives them
// from the key specs, as Redis does.
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_DESCRIBE_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_DESCRIBE_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/command_spec.h"

namespace embedis::commands::describe {

// Key spec flags, short.
inline constexpr uint16_t RW = kKeyRW, RO = kKeyRO, OW = kKeyOW, RM = kKeyRM;
inline constexpr uint16_t ACCESS = kKeyAccess, UPDATE = kKeyUpdate, INSERT = kKeyInsert,
                          DELETE = kKeyDelete;

// Keys from argument `index` to `lastkey` (relative to `index`; negative: from the end), every
// `keystep` arguments.
inline KeySpec Keys(int index, uint16_t flags, int lastkey = 0, int keystep = 1) {
  KeySpec ks;
  ks.flags = flags;
  ks.index = index;
  ks.lastkey = lastkey;
  ks.keystep = keystep;
  return ks;
}

// Keys counted by the argument at `index` (LMPOP's numkeys), the first right after it.
inline KeySpec KeyNum(int index, uint16_t flags) {
  KeySpec ks = Keys(index, flags);
  ks.find = KeySpec::Find::kKeyNum;
  ks.keynumidx = 0;
  ks.firstkey = 1;
  ks.keystep = 1;
  return ks;
}

// Keys that follow `keyword`, searched for from argument `startfrom` (negative: backwards from the
// end), up to `lastkey` (as Keys).
inline KeySpec KeywordKeys(std::string_view keyword, int startfrom, uint16_t flags, int lastkey = 0,
                           int keystep = 1) {
  KeySpec ks = Keys(0, flags, lastkey, keystep);
  ks.begin = KeySpec::Begin::kKeyword;
  ks.keyword = keyword;
  ks.startfrom = startfrom;
  return ks;
}

inline ArgDoc Arg(std::string_view name, ArgType type) {
  ArgDoc a;
  a.name = name;
  a.type = type;
  return a;
}
inline ArgDoc Str(std::string_view name) { return Arg(name, ArgType::kString); }
inline ArgDoc Int(std::string_view name) { return Arg(name, ArgType::kInteger); }
inline ArgDoc Dbl(std::string_view name) { return Arg(name, ArgType::kDouble); }
inline ArgDoc Pattern(std::string_view name) { return Arg(name, ArgType::kPattern); }
inline ArgDoc UnixTime(std::string_view name) { return Arg(name, ArgType::kUnixTime); }
// A key; `index` is its key spec's position among the command's key specs.
inline ArgDoc Key(std::string_view name, int index = 0) {
  ArgDoc a = Arg(name, ArgType::kKey);
  a.key_spec_index = index;
  return a;
}
// A token that stands alone (NX, GET, WITHVALUES).
inline ArgDoc Tok(std::string_view name, std::string_view token) {
  return Arg(name, ArgType::kPureToken).Token(token);
}
inline ArgDoc OneOf(std::string_view name, std::vector<ArgDoc> args) {
  ArgDoc a = Arg(name, ArgType::kOneOf);
  a.args = std::move(args);
  return a;
}
inline ArgDoc Block(std::string_view name, std::vector<ArgDoc> args) {
  ArgDoc a = Arg(name, ArgType::kBlock);
  a.args = std::move(args);
  return a;
}

// ON | OFF (CLIENT NO-EVICT, NO-TOUCH).
inline ArgDoc OnOffArg(std::string_view name) {
  return OneOf(name, {Tok("on", "ON"), Tok("off", "OFF")});
}
// NX | XX | GT | LT (EXPIRE and its kin, since 7.0.0).
inline ArgDoc ExpireCondition() {
  return OneOf("condition", {Tok("nx", "NX"), Tok("xx", "XX"), Tok("gt", "GT"), Tok("lt", "LT")})
      .Since("7.0.0")
      .Opt();
}
// ASYNC | SYNC (FLUSHDB, FLUSHALL).
inline ArgDoc FlushMode() {
  return OneOf("async", {Tok("async", "ASYNC").Since("4.0.0"), Tok("sync", "SYNC").Since("6.2.0")})
      .Opt();
}

}  // namespace embedis::commands::describe

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_DESCRIBE_H_
