// The vocabulary of a command's declarative entry (CommandSpec, command_table.h) beyond its name,
// arity and flags: ACL categories, key specifications (what COMMAND INFO and GETKEYS report, and
// what the legacy first/last/step key positions are derived from) and argument docs (what COMMAND
// DOCS reports). Plain data; command_describe.h has the helpers the family files build them with.
//
// Key specifications (Redis's key-specs reference) say how to find one kind of key among a
// command's arguments, in two steps. begin_search finds where the keys start: at a fixed `index`,
// or just after a `keyword` searched for from `startfrom` (from the end, backwards, if negative).
// find_keys then takes them: a `range` up to `lastkey` (relative to the start; negative counts
// from the end of the arguments, and with -1 `limit` N > 1 keeps only the first 1/N of them),
// every `keystep` arguments; or `keynum` keys, where the argument at `keynumidx` (relative to the
// start) says how many, the first at `firstkey`. "unknown" on either side means the spec alone
// cannot find the keys. The flags say what the command does with the key (exactly one of RW, RO,
// OW, RM) and with the user data in it (ACCESS, UPDATE, INSERT, DELETE); VARIABLE_FLAGS marks a
// spec whose flags depend on the arguments (SET ... GET reads the old value).
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_SPEC_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_SPEC_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace embedis::commands {

// A command's arguments, argv[0] its name.
using Args = absl::Span<const std::string_view>;

// ACL categories, in the order COMMAND INFO lists them.
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubSub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Key spec flags, in the order COMMAND INFO lists them.
enum KeySpecFlag : uint16_t {
  kKeyRW = 1u << 0,  // "RW": reads and writes (anything not purely RO, OW or RM)
  kKeyRO = 1u << 1,
  kKeyOW = 1u << 2,  // overwrites: the old value is neither read nor kept
  kKeyRM = 1u << 3,  // removes the key
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,
  kKeyIncomplete = 1u << 9,
  kKeyVariableFlags = 1u << 10,
};

struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum class Find : uint8_t { kRange, kKeyNum, kUnknown };

  std::string_view notes{};  // empty: none
  uint16_t flags = 0;        // KeySpecFlag bits
  Begin begin = Begin::kIndex;
  int index = 0;               // kIndex
  std::string_view keyword{};  // kKeyword
  int startfrom = 0;           // kKeyword
  Find find = Find::kRange;
  int lastkey = 0;    // kRange
  int keystep = 1;    // kRange and kKeyNum
  int limit = 0;      // kRange
  int keynumidx = 0;  // kKeyNum
  int firstkey = 0;   // kKeyNum
  // With kKeyVariableFlags: the flags one call's arguments (argv[0] the command) give its keys,
  // for GETKEYSANDFLAGS; nullptr: `flags` as declared.
  uint16_t (*flags_for)(Args argv) = nullptr;

  KeySpec&& Notes(std::string_view n) && {
    notes = n;
    return std::move(*this);
  }
};

// A key that one call names, for commands whose keys no key spec finds (SORT's STORE destination):
// its argument index and its key spec flags.
struct KeyPosition {
  int index = 0;
  uint16_t flags = 0;
};

// An argument's type, as COMMAND DOCS names it (ArgTypeName, command_docs.h).
enum class ArgType : uint8_t {
  kString,     // "string"
  kInteger,    // "integer"
  kDouble,     // "double"
  kKey,        // "key": has a key_spec_index (a pattern of key names may too: SORT's BY)
  kPattern,    // "pattern"
  kUnixTime,   // "unix-time"
  kPureToken,  // "pure-token": the token alone, no value
  kOneOf,      // "oneof": exactly one of `args`
  kBlock,      // "block": all of `args`, in order
};

enum ArgFlag : uint8_t {
  kArgOptional = 1u << 0,       // "optional"
  kArgMultiple = 1u << 1,       // "multiple": may repeat
  kArgMultipleToken = 1u << 2,  // "multiple_token": the token repeats with each value
};

// One argument of a command, for COMMAND DOCS. Built with the helpers in command_describe.h and
// the modifiers below: Int("seconds").Token("EX").Since("2.6.12").
struct ArgDoc {
  std::string_view name{};
  ArgType type = ArgType::kString;
  int key_spec_index = -1;   // kKey (and a key pattern): index into the command's key specs
  std::string_view token{};  // the literal that precedes the value ("EX"); empty if none
  std::string_view since{};  // set when the argument came after the command
  std::string_view deprecated_since{};
  uint8_t flags = 0;           // ArgFlag bits
  std::vector<ArgDoc> args{};  // kOneOf and kBlock

  ArgDoc&& Token(std::string_view t) && {
    token = t;
    return std::move(*this);
  }
  ArgDoc&& Since(std::string_view v) && {
    since = v;
    return std::move(*this);
  }
  ArgDoc&& Deprecated(std::string_view v) && {
    deprecated_since = v;
    return std::move(*this);
  }
  ArgDoc&& Opt() && {
    flags |= kArgOptional;
    return std::move(*this);
  }
  ArgDoc&& Multi() && {
    flags |= kArgMultiple;
    return std::move(*this);
  }
  ArgDoc&& MultiToken() && {
    flags |= kArgMultipleToken;
    return std::move(*this);
  }
};

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_SPEC_H_
