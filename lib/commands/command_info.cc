#include "lib/commands/command_info.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

template <typename Bits>
struct Named {
  Bits bit;
  std::string_view name;
};

// In the order COMMAND INFO lists them.
constexpr Named<uint32_t> kFlagNames[] = {
    {kWrite, "write"},
    {kReadOnly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kPubSub, "pubsub"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
    {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"},
    {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"},
    {kAllowBusy, "allow_busy"},
};

constexpr Named<uint32_t> kAclNames[] = {
    {kAclKeyspace, "@keyspace"},
    {kAclRead, "@read"},
    {kAclWrite, "@write"},
    {kAclSet, "@set"},
    {kAclSortedSet, "@sortedset"},
    {kAclList, "@list"},
    {kAclHash, "@hash"},
    {kAclString, "@string"},
    {kAclBitmap, "@bitmap"},
    {kAclHyperLogLog, "@hyperloglog"},
    {kAclGeo, "@geo"},
    {kAclStream, "@stream"},
    {kAclPubSub, "@pubsub"},
    {kAclAdmin, "@admin"},
    {kAclFast, "@fast"},
    {kAclSlow, "@slow"},
    {kAclBlocking, "@blocking"},
    {kAclDangerous, "@dangerous"},
    {kAclConnection, "@connection"},
    {kAclTransaction, "@transaction"},
    {kAclScripting, "@scripting"},
};

constexpr Named<uint16_t> kKeyFlagNames[] = {
    {kKeyRW, "RW"},
    {kKeyRO, "RO"},
    {kKeyOW, "OW"},
    {kKeyRM, "RM"},
    {kKeyAccess, "access"},
    {kKeyUpdate, "update"},
    {kKeyInsert, "insert"},
    {kKeyDelete, "delete"},
    {kKeyNotKey, "not_key"},
    {kKeyIncomplete, "incomplete"},
    {kKeyVariableFlags, "variable_flags"},
};

template <typename Bits, size_t N>
std::vector<std::string_view> Names(const Named<Bits> (&table)[N], uint32_t bits) {
  std::vector<std::string_view> out;
  for (const Named<Bits>& n : table) {
    if (bits & n.bit) out.push_back(n.name);
  }
  return out;
}

std::string FullName(const CommandSpec& spec, const CommandSpec* parent) {
  return parent == nullptr ? spec.name : absl::StrCat(parent->name, "|", spec.name);
}

void WriteNames(resp::Writer& w, const std::vector<std::string_view>& names) {
  w.SetHeader(names.size());
  for (std::string_view n : names) w.SimpleString(n);
}

absl::Status InvalidArgs() { return absl::InvalidArgumentError(errors::kGetKeysInvalidArguments); }

}  // namespace

std::vector<std::string_view> KeySpecFlagNames(uint16_t flags) {
  return Names(kKeyFlagNames, flags);
}

absl::Status AppendKeysBySpec(const KeySpec& ks, Args argv, std::vector<KeyRef>* out) {
  const int argc = static_cast<int>(argv.size());
  int first = 0;
  switch (ks.begin) {
    case KeySpec::Begin::kIndex:
      first = ks.index;
      break;
    case KeySpec::Begin::kKeyword: {
      // Forwards from startfrom, or backwards from argc + startfrom; the keys follow it.
      const bool backwards = ks.startfrom < 0;
      int i = backwards ? argc + ks.startfrom : ks.startfrom;
      first = -1;
      for (; i >= 1 && i < argc; i += backwards ? -1 : 1) {
        if (EqualsIgnoreCase(argv[i], ks.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) return absl::OkStatus();  // no keyword: no keys of this kind
      break;
    }
    case KeySpec::Begin::kUnknown:
      return absl::OkStatus();
  }
  int last = 0, step = ks.keystep > 0 ? ks.keystep : 1;
  switch (ks.find) {
    case KeySpec::Find::kRange:
      if (ks.lastkey >= 0) {
        last = first + ks.lastkey;
      } else if (ks.lastkey == -1 && ks.limit > 1) {
        last = first + (argc - first) / ks.limit - 1;
      } else {
        last = argc + ks.lastkey;
      }
      break;
    case KeySpec::Find::kKeyNum: {
      const int at = first + ks.keynumidx;
      int64_t n = 0;
      if (at >= argc || !ParseInt64(argv[at], &n) || n < 0 || n > argc) return InvalidArgs();
      first += ks.firstkey;
      last = first + static_cast<int>(n - 1) * step;
      break;
    }
    case KeySpec::Find::kUnknown:
      return absl::OkStatus();
  }
  if (last < first) return absl::OkStatus();
  if (first < 1 || last >= argc) return InvalidArgs();
  const uint16_t flags = ks.flags_for != nullptr ? ks.flags_for(argv) : ks.flags;
  for (int i = first; i <= last; i += step) out->push_back({argv[i], flags});
  return absl::OkStatus();
}

std::vector<std::string_view> CommandFlagNames(const CommandSpec& spec) {
  return Names(kFlagNames, spec.flags);
}

std::vector<std::string_view> AclCategoryNames(const CommandSpec& spec) {
  const uint32_t flags = spec.flags;
  uint32_t acl = spec.acl;
  if (flags & kWrite) acl |= kAclWrite;
  // As Redis: read-only scripting commands (EVAL_RO) are not in @read.
  if ((flags & kReadOnly) && !(acl & kAclScripting)) acl |= kAclRead;
  if (flags & kAdmin) acl |= kAclAdmin | kAclDangerous;
  acl |= (flags & kFast) ? kAclFast : kAclSlow;
  return Names(kAclNames, acl);
}

void WriteKeySpec(resp::Writer& w, const KeySpec& ks) {
  w.MapHeader(ks.notes.empty() ? 3 : 4);
  if (!ks.notes.empty()) {
    w.BulkString("notes");
    w.BulkString(ks.notes);
  }
  w.BulkString("flags");
  WriteNames(w, KeySpecFlagNames(ks.flags));
  w.BulkString("begin_search");
  w.MapHeader(2);
  w.BulkString("type");
  switch (ks.begin) {
    case KeySpec::Begin::kIndex:
      w.BulkString("index");
      w.BulkString("spec");
      w.MapHeader(1);
      w.BulkString("index");
      w.Integer(ks.index);
      break;
    case KeySpec::Begin::kKeyword:
      w.BulkString("keyword");
      w.BulkString("spec");
      w.MapHeader(2);
      w.BulkString("keyword");
      w.BulkString(ks.keyword);
      w.BulkString("startfrom");
      w.Integer(ks.startfrom);
      break;
    case KeySpec::Begin::kUnknown:
      w.BulkString("unknown");
      w.BulkString("spec");
      w.MapHeader(0);
      break;
  }
  w.BulkString("find_keys");
  w.MapHeader(2);
  w.BulkString("type");
  switch (ks.find) {
    case KeySpec::Find::kRange:
      w.BulkString("range");
      w.BulkString("spec");
      w.MapHeader(3);
      w.BulkString("lastkey");
      w.Integer(ks.lastkey);
      w.BulkString("keystep");
      w.Integer(ks.keystep);
      w.BulkString("limit");
      w.Integer(ks.limit);
      break;
    case KeySpec::Find::kKeyNum:
      w.BulkString("keynum");
      w.BulkString("spec");
      w.MapHeader(3);
      w.BulkString("keynumidx");
      w.Integer(ks.keynumidx);
      w.BulkString("firstkey");
      w.Integer(ks.firstkey);
      w.BulkString("keystep");
      w.Integer(ks.keystep);
      break;
    case KeySpec::Find::kUnknown:
      w.BulkString("unknown");
      w.BulkString("spec");
      w.MapHeader(0);
      break;
  }
}

void WriteCommandInfo(resp::Writer& w, const CommandSpec& spec, const CommandSpec* parent) {
  const std::string name = FullName(spec, parent);
  w.ArrayHeader(10);
  w.BulkString(name);
  w.Integer(spec.arity);
  WriteNames(w, CommandFlagNames(spec));
  w.Integer(spec.first_key);
  w.Integer(spec.last_key);
  w.Integer(spec.key_step);
  WriteNames(w, AclCategoryNames(spec));
  // Tips and key specs are sets in RESP3, as from Redis; so are no subcommands, while a
  // container's subcommands are an array.
  w.SetHeader(spec.tips.size());
  for (std::string_view tip : spec.tips) w.BulkString(tip);
  w.SetHeader(spec.key_specs.size());
  for (const KeySpec& ks : spec.key_specs) WriteKeySpec(w, ks);
  if (spec.subcommands.empty()) {
    w.SetHeader(0);
  } else {
    w.ArrayHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(w, sub, &spec);
  }
}

absl::StatusOr<std::vector<KeyRef>> GetCommandKeys(const CommandTable& table, Args argv) {
  const CommandSpec* spec = argv.empty() ? nullptr : table.Find(argv[0]);
  const CommandSpec* parent = nullptr;
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
    parent = spec;
    spec = nullptr;
    for (const CommandSpec& s : parent->subcommands) {
      if (EqualsIgnoreCase(argv[1], s.name)) spec = &s;
    }
  }
  if (spec == nullptr) return absl::InvalidArgumentError(errors::kGetKeysInvalidCommand);
  const std::vector<KeySpec>& specs = spec->key_specs;
  // NOT_KEY specs (SPUBLISH's shard channel) name no keys, as Redis's doesCommandHaveKeys.
  if (std::all_of(specs.begin(), specs.end(),
                  [](const KeySpec& ks) { return (ks.flags & kKeyNotKey) != 0; })) {
    return absl::InvalidArgumentError(errors::kGetKeysNoKeys);
  }
  const size_t argc = argv.size();
  if (spec->arity >= 0 ? argc != static_cast<size_t>(spec->arity)
                       : argc < static_cast<size_t>(-spec->arity)) {
    return absl::InvalidArgumentError(errors::kGetKeysInvalidArity);
  }
  std::vector<KeyRef> keys;
  if (spec->get_keys != nullptr) {
    for (const KeyPosition& k : spec->get_keys(argv)) keys.push_back({argv[k.index], k.flags});
    return keys;
  }
  // A command that may name no key (EVAL with numkeys 0) answers an empty list where others
  // answer an error, as Redis's no_mandatory_keys flag does.
  const bool optional = (spec->flags & kNoMandatoryKeys) != 0;
  for (const KeySpec& ks : specs) {
    if ((ks.flags & kKeyNotKey) != 0) continue;
    if (absl::Status s = AppendKeysBySpec(ks, argv, &keys); !s.ok()) {
      if (optional) return std::vector<KeyRef>();
      return s;
    }
  }
  if (keys.empty() && !optional) return InvalidArgs();
  return keys;
}

}  // namespace embedis::commands
