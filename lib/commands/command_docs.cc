#include "lib/commands/command_docs.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"

namespace embedis::commands {

std::string_view ArgTypeName(ArgType type) {
  switch (type) {
    case ArgType::kString:
      return "string";
    case ArgType::kInteger:
      return "integer";
    case ArgType::kDouble:
      return "double";
    case ArgType::kKey:
      return "key";
    case ArgType::kPattern:
      return "pattern";
    case ArgType::kUnixTime:
      return "unix-time";
    case ArgType::kPureToken:
      return "pure-token";
    case ArgType::kOneOf:
      return "oneof";
    case ArgType::kBlock:
      return "block";
  }
  return "string";
}

namespace {

void WriteArg(resp::Writer& w, const ArgDoc& a) {
  const bool key = a.key_spec_index >= 0;
  const bool nested = a.type == ArgType::kOneOf || a.type == ArgType::kBlock;
  w.MapHeader(2 + (key ? 1 : 0) + (a.token.empty() ? 0 : 1) + (a.since.empty() ? 0 : 1) +
              (a.deprecated_since.empty() ? 0 : 1) + (a.flags != 0 ? 1 : 0) + (nested ? 1 : 0));
  w.BulkString("name");
  w.BulkString(a.name);
  w.BulkString("type");
  w.BulkString(ArgTypeName(a.type));
  if (key) {
    w.BulkString("key_spec_index");
    w.Integer(a.key_spec_index);
  }
  if (!a.token.empty()) {
    w.BulkString("token");
    w.BulkString(a.token);
  }
  if (!a.since.empty()) {
    w.BulkString("since");
    w.BulkString(a.since);
  }
  if (!a.deprecated_since.empty()) {
    w.BulkString("deprecated_since");
    w.BulkString(a.deprecated_since);
  }
  if (a.flags != 0) {
    w.BulkString("flags");
    w.SetHeader(((a.flags & kArgOptional) ? 1 : 0) + ((a.flags & kArgMultiple) ? 1 : 0) +
                ((a.flags & kArgMultipleToken) ? 1 : 0));
    if (a.flags & kArgOptional) w.SimpleString("optional");
    if (a.flags & kArgMultiple) w.SimpleString("multiple");
    if (a.flags & kArgMultipleToken) w.SimpleString("multiple_token");
  }
  if (nested) {
    w.BulkString("arguments");
    w.ArrayHeader(a.args.size());
    for (const ArgDoc& sub : a.args) WriteArg(w, sub);
  }
}

}  // namespace

void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec, const CommandSpec* parent) {
  const std::string name =
      parent == nullptr ? spec.name : absl::StrCat(parent->name, "|", spec.name);
  std::string_view group = spec.group;
  if (group.empty() && parent != nullptr) group = parent->group;
  w.BulkString(name);
  const CommandSpec& d = spec;
  const bool deprecated = !d.deprecated_since.empty();
  const bool subs = !spec.subcommands.empty();
  w.MapHeader(3 + (d.complexity.empty() ? 0 : 1) + (deprecated ? 2 : 0) +
              (d.replaced_by.empty() ? 0 : 1) + (d.history.empty() ? 0 : 1) +
              (d.args.empty() ? 0 : 1) + (subs ? 1 : 0));
  w.BulkString("summary");
  w.BulkString(spec.summary);
  w.BulkString("since");
  w.BulkString(spec.since.empty() ? "1.0.0" : spec.since);
  w.BulkString("group");
  w.BulkString(group.empty() ? "server" : group);
  if (!d.complexity.empty()) {
    w.BulkString("complexity");
    w.BulkString(d.complexity);
  }
  if (deprecated) {
    w.BulkString("doc_flags");
    w.SetHeader(1);
    w.SimpleString("deprecated");
    w.BulkString("deprecated_since");
    w.BulkString(d.deprecated_since);
  }
  if (!d.replaced_by.empty()) {
    w.BulkString("replaced_by");
    w.BulkString(d.replaced_by);
  }
  if (!d.history.empty()) {
    w.BulkString("history");
    w.SetHeader(d.history.size());
    for (const auto& [version, change] : d.history) {
      w.ArrayHeader(2);
      w.BulkString(version);
      w.BulkString(change);
    }
  }
  if (!d.args.empty()) {
    w.BulkString("arguments");
    w.ArrayHeader(d.args.size());
    for (const ArgDoc& a : d.args) WriteArg(w, a);
  }
  if (subs) {
    w.BulkString("subcommands");
    w.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteCommandDocs(w, sub, &spec);
  }
}

}  // namespace embedis::commands
