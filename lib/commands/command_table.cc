#include "lib/commands/command_table.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <exception>
#include <limits>
#include <new>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/propagation.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/errors.h"

namespace embedis::commands {

CommandTable CommandTable::WithDataCommands() {
  CommandTable table;
  RegisterServerBasics(&table);
  RegisterStringFamily(&table);
  RegisterKeyFamily(&table);
  RegisterHashFamily(&table);
  RegisterTransactionFamily(&table);
  RegisterMemoryFamily(&table);
  RegisterListFamily(&table);
  RegisterSetFamily(&table);
  RegisterZSetFamily(&table);
  RegisterBitFamily(&table);
  RegisterSortFamily(&table);
  RegisterHllFamily(&table);
  RegisterScriptingFamily(&table);
  RegisterPubSubFamily(&table);
  return table;
}

void DeriveKeyPositions(CommandSpec* spec) {
  spec->first_key = spec->last_key = spec->key_step = 0;
  spec->flags &= ~kMovableKeys;
  const std::vector<KeySpec>& specs = spec->key_specs;
  if (specs.empty()) return;
  auto plain = [](const KeySpec& ks) {
    return ks.begin == KeySpec::Begin::kIndex && ks.find == KeySpec::Find::kRange;
  };
  if (specs.size() == 1 && plain(specs[0])) {  // one range: as it is
    const KeySpec& ks = specs[0];
    spec->first_key = ks.index;
    spec->last_key = ks.lastkey >= 0 ? ks.index + ks.lastkey : ks.lastkey;
    spec->key_step = ks.keystep;
    if (ks.flags & kKeyIncomplete) spec->flags |= kMovableKeys;
    return;
  }
  int first = INT_MAX;
  unsigned last = 0;  // unsigned, as Redis: a negative (from the end) last key is the largest
  int prev_last = 0;
  for (const KeySpec& ks : specs) {
    if (!plain(ks) || ks.keystep != 1 || (prev_last != 0 && prev_last != ks.index - 1)) {
      spec->flags |= kMovableKeys;
      continue;
    }
    if (ks.flags & kKeyIncomplete) spec->flags |= kMovableKeys;
    first = std::min(first, ks.index);
    const int abs_last = ks.lastkey >= 0 ? ks.index + ks.lastkey : ks.lastkey;
    last = std::max(last, static_cast<unsigned>(abs_last));
    prev_last = static_cast<int>(last);
  }
  if (first == INT_MAX) {  // no range at all
    spec->flags |= kMovableKeys;
    return;
  }
  spec->first_key = first;
  spec->last_key = static_cast<int>(last);
  spec->key_step = 1;
}

void CommandTable::Register(CommandSpec spec) {
  std::string name = AsciiLower(spec.name);
  spec.name = name;
  DeriveKeyPositions(&spec);
  for (CommandSpec& sub : spec.subcommands) DeriveKeyPositions(&sub);
  commands_[name] = std::make_shared<const CommandSpec>(std::move(spec));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (name.size() > sizeof(buf)) return nullptr;  // no command name is that long
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = commands_.find(std::string_view(buf, name.size()));
  return it == commands_.end() ? nullptr : it->second.get();
}

namespace {
bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}
}  // namespace

Resolved CommandTable::Resolve(Args argv, const CommandSpec* found) const {
  Resolved r;
  r.top = found;
  if (found == nullptr) {
    r.error = Resolved::Error::kUnknownCommand;
    return r;
  }
  if (!ArityOk(found->arity, argv.size())) {
    r.error = Resolved::Error::kWrongArity;
    return r;
  }
  // A container's name alone runs the container's own handler (COMMAND, arity -1), as in Redis.
  if (found->subcommands.empty() || argv.size() == 1) return r;
  for (const CommandSpec& s : found->subcommands) {
    if (EqualsIgnoreCase(argv[1], s.name)) r.sub = &s;
  }
  if (r.sub == nullptr) {
    r.error = Resolved::Error::kUnknownSubcommand;
  } else if (!ArityOk(r.sub->arity, argv.size())) {
    r.error = Resolved::Error::kSubcommandArity;
  }
  return r;
}

void CommandTable::ReplyResolveError(CommandContext& ctx, Args argv, const Resolved& r) {
  switch (r.error) {
    case Resolved::Error::kNone:
      return;
    case Resolved::Error::kUnknownCommand:
      return ReplyUnknownCommand(ctx, argv);
    case Resolved::Error::kWrongArity:
      if ((r.top->behavior & kEndsTransaction) != 0) {
        // As Redis 7: a rejected EXEC discards the transaction (if any) and says why.
        ctx.client->ResetTransaction();
        return ReplyError(ctx, absl::StrCat("EXECABORT Transaction discarded because of: wrong "
                                            "number of arguments for '",
                                            r.top->name, "' command"));
      }
      return ReplyWrongArity(ctx, r.top->name);
    case Resolved::Error::kUnknownSubcommand: {
      std::string upper(r.top->name);
      for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
      // Redis quotes the subcommand as given, truncated like other arguments.
      return ReplyError(
          ctx, absl::StrCat("ERR unknown subcommand '", ToAbsl(argv[1].substr(0, 128)), "'. Try ",
                            upper, " HELP."));
    }
    case Resolved::Error::kSubcommandArity:
      return ReplyWrongArity(ctx, absl::StrCat(r.top->name, "|", r.sub->name));
  }
}

namespace {

// Runs spec.handler. A handler that throws (std::bad_alloc from an allocation too large,
// std::length_error, a bug) must not end the server or leave the client's protocol out of step:
// whatever the handler had written of its reply is dropped, one error reply takes its place, a line
// goes to stderr, and the process goes on. The keyspace holds its locks in RAII guards, so they are
// released on the way out.
void RunGuarded(CommandContext& ctx, const CommandSpec& spec, Args argv) {
  std::string* out = ctx.reply->out();
  const size_t mark = out->size();
  char what[256];  // copied while the exception is alive, without allocating
  try {
    spec.handler(ctx, argv);
    return;
  } catch (const std::bad_alloc&) {
    std::snprintf(what, sizeof(what), "out of memory");
  } catch (const std::exception& e) {
    std::snprintf(what, sizeof(what), "%s", e.what());
  } catch (...) {
    std::snprintf(what, sizeof(what), "unknown exception");
  }
  out->resize(mark);  // shrinking never allocates
  std::fprintf(stderr, "embedis: command '%.*s' failed: %s\n", static_cast<int>(spec.name.size()),
               spec.name.data(), what);
  try {
    if (out->capacity() > (size_t{64} << 20)) out->shrink_to_fit();  // give a huge buffer back
    ReplyError(ctx, absl::StrCat("ERR internal error: ", what));
  } catch (...) {
    // No memory even for the error text: a fixed reply, if what is reserved can hold it.
    constexpr std::string_view kFallback = "-ERR internal error\r\n";
    out->resize(mark);
    if (out->capacity() - mark >= kFallback.size()) out->append(kFallback);
  }
}

}  // namespace

void CommandTable::Execute(CommandContext& ctx, Args argv) const {
  Execute(ctx, argv, Find(argv[0]));
}

void CommandTable::PrefetchKeys(Keyspace& keyspace, int db,
                                absl::Span<const std::vector<std::string_view>> batch,
                                const CommandSpec* const* found) const {
  constexpr size_t kMaxKeys = 64;
  Keyspace::PrefetchItem items[kMaxKeys];
  size_t n = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::vector<std::string_view>& argv = batch[i];
    const CommandSpec* spec = found[i];
    if (spec == nullptr) continue;
    const int argc = static_cast<int>(argv.size());
    if (spec->first_key <= 0) {
      // Keys counted by an argument (EVAL, EVALSHA, FCALL and the _RO forms, LMPOP, ...): their
      // numkeys is parsed here only to warm the cache; the command checks it again.
      for (const KeySpec& ks : spec->key_specs) {
        if (ks.begin != KeySpec::Begin::kIndex || ks.find != KeySpec::Find::kKeyNum) continue;
        const int at = ks.index + ks.keynumidx;
        if (at <= 0 || at >= argc || argv[at].empty() || argv[at].size() > 3) continue;
        int keys = 0;
        for (char c : argv[at]) keys = c >= '0' && c <= '9' ? keys * 10 + (c - '0') : -1000;
        const int step = ks.keystep > 0 ? ks.keystep : 1;
        for (int j = 0, k = ks.index + ks.firstkey; j < keys && k < argc && n < kMaxKeys;
             ++j, k += step) {
          items[n++] = {argv[k], std::string_view()};
        }
      }
      continue;
    }
    // last_key -1 means the last argument, -2 the one before, ... (as COMMAND INFO).
    const int last = spec->last_key < 0 ? argc + spec->last_key : spec->last_key;
    const int step = spec->key_step > 0 ? spec->key_step : 1;
    for (int k = spec->first_key; k <= last && k < argc && n < kMaxKeys; k += step) {
      const bool field = k == spec->first_key && spec->field_arg > 0 && spec->field_arg < argc;
      items[n++] = {argv[k], field ? argv[spec->field_arg] : std::string_view()};
    }
  }
  if (n > 0) keyspace.Prefetch(db, absl::Span<const Keyspace::PrefetchItem>(items, n));
}

void CommandTable::Execute(CommandContext& ctx, Args argv, const CommandSpec* found) const {
  Execute(ctx, argv, Resolve(argv, found));
}

bool CommandTable::RefuseForMaxmemory(CommandContext& ctx, const Resolved& r) const {
  if (!r.ok() || ctx.keyspace == nullptr || ctx.from_script || ctx.in_exec || ctx.oom_checked ||
      !ctx.keyspace->maxmemory_enabled()) {
    return false;
  }
  if (ctx.script_busy || (scripts_ != nullptr && scripts_->busy().busy())) return false;
  const Transaction& tx = ctx.client->tx;
  if (tx.in_multi && !r.has(kRunsInMulti) && (r.flags() & kNoMulti) != 0) return false;
  ctx.oom_checked = true;
  return RefuseForOom(ctx, r);
}

bool CommandTable::RefuseForOom(CommandContext& ctx, const Resolved& r) const {
  ctx.over_maxmemory = false;
  if (ctx.keyspace->EnsureMemory().ok()) return false;
  ctx.over_maxmemory = true;
  Transaction& tx = ctx.client->tx;
  if (r.has(kEndsTransaction)) {     // EXEC: refused when its queue holds a command that may grow
    if (!tx.in_multi) return false;  // its own error comes first
    bool deny = false;
    for (const std::vector<std::string>& queued : tx.queue) {
      const CommandSpec* q = Find(queued[0]);
      deny |= q != nullptr && (q->flags & kDenyOom) != 0;
    }
    if (!deny) return false;
    ctx.client->ResetTransaction();
    ReplyError(ctx, absl::StrCat(errors::kExecAbortBecause, errors::kOom));
    return true;
  }
  const std::string& name = r.top->name;
  // Inside MULTI, queuing may grow memory without bound: everything but DISCARD, QUIT and RESET
  // is refused, as Redis.
  const bool deny = (r.flags() & kDenyOom) != 0 ||
                    (tx.in_multi && name != "discard" && name != "quit" && name != "reset");
  if (!deny) return false;
  if (tx.in_multi) tx.failed = true;
  ReplyError(ctx, errors::kOom);
  return true;
}

void CommandTable::Execute(CommandContext& ctx, Args argv, const Resolved& r) const {
  ctx.table = this;
  Transaction& tx = ctx.client->tx;
  if (!r.ok()) [[unlikely]] {
    ReplyResolveError(ctx, argv, r);
    if (tx.in_multi) tx.failed = true;  // EXEC will refuse to run
    return;
  }
  if (tx.in_multi && !r.has(kRunsInMulti) && (r.flags() & kNoMulti) != 0) [[unlikely]] {
    // As Redis's processCommand: before the maxmemory check.
    tx.failed = true;
    return ReplyError(ctx, errors::kNotAllowedInMulti);
  }
  const bool script_busy =
      !ctx.from_script && scripts_ != nullptr && (ctx.script_busy || scripts_->busy().busy());
  if (ctx.oom_checked) [[unlikely]] {
    ctx.oom_checked = false;  // for this command only
  } else if (ctx.keyspace != nullptr && !ctx.from_script && !ctx.in_exec && !script_busy &&
             ctx.keyspace->maxmemory_enabled()) [[unlikely]] {
    // (As Redis's processCommand: no eviction while a busy script runs; evicting would change
    // the keys under the script.)
    if (RefuseForOom(ctx, r)) return;
  }
  // A busy script (past busy-reply-threshold): only allow-busy commands run, as Redis's
  // processCommand (after the OOM check, before MULTI queuing; a refusal dooms the transaction).
  if ((r.flags() & kAllowBusy) == 0 && script_busy) [[unlikely]] {
    if (r.has(kEndsTransaction)) {  // EXEC: discards the transaction (in MULTI or not)
      ctx.client->ResetTransaction();
      return ReplyError(
          ctx, absl::StrCat(errors::kExecAbortBecause, ToAbsl(scripts_->busy().BusyError())));
    }
    if (tx.in_multi) tx.failed = true;
    return ReplyError(ctx, scripts_->busy().BusyError());
  }
  if (tx.in_multi && !r.has(kRunsInMulti)) [[unlikely]] {
    tx.queue.emplace_back(argv.begin(), argv.end());
    return ctx.reply->SimpleString("QUEUED");
  }
  if (ctx.keyspace->propagator() != nullptr) [[unlikely]] {
    return ExecutePropagated(ctx, argv, r);
  }
  RunObserved(ctx, argv, r);
}

void CommandTable::ExecutePropagated(CommandContext& ctx, Args argv, const Resolved& r) const {
  const bool write = (r.flags() & kWrite) != 0;
  PropagationFrame frame(ctx.keyspace->propagator(), /*root_capable=*/write);
  if (!frame.active()) return RunObserved(ctx, argv, r);
  const int db = ctx.client->db;
  const uint64_t before = Keyspace::ThreadChanges();
  RunObserved(ctx, argv, r);
  // What the handler (or the commands it ran) propagated replaces the default.
  if (frame.explicit_commands() || frame.has_commands()) return;
  if (!write || Keyspace::ThreadChanges() == before) return;
  if (r.spec()->propagate != nullptr) return r.spec()->propagate(ctx, argv);
  frame.SetDefault(db, std::vector<std::string>(argv.begin(), argv.end()));
}

void CommandTable::RunObserved(CommandContext& ctx, Args argv, const Resolved& r) const {
  CommandObserver* const observer = ctx.observer;
  if (observer == nullptr || !observer->active()) [[likely]] {
    return RunGuarded(ctx, *r.spec(), argv);
  }
  const uint32_t flags = r.flags();
  const bool before = (flags & kSkipMonitor) != 0;
  if (before) observer->Executed(ctx, argv);
  RunGuarded(ctx, *r.spec(), argv);
  if (!before && (flags & kAdmin) == 0) observer->Executed(ctx, argv);
}

std::vector<const CommandSpec*> CommandTable::All() const {
  std::vector<const CommandSpec*> out;
  out.reserve(commands_.size());
  for (const auto& [name, spec] : commands_) out.push_back(spec.get());
  return out;
}

void ReplyError(CommandContext& ctx, std::string_view message) { ctx.reply->Error(message); }

void ReplyWrongArity(CommandContext& ctx, std::string_view full_name) {
  ReplyError(ctx, errors::WrongArity(full_name));
}

bool ParseTimeoutOrReply(CommandContext& ctx, std::string_view s, int64_t* ms) {
  absl::StatusOr<int64_t> timeout = ParseBlockingTimeoutMs(s);
  if (!timeout.ok()) {
    ReplyStatus(ctx, timeout.status());
    return false;
  }
  *ms = *timeout;
  return true;
}

void BlockOrReply(CommandContext& ctx, Args keys, int64_t timeout_ms,
                  BlockRequest::TimeoutReply now_reply) {
  if (!ctx.may_block) {
    return now_reply == BlockRequest::TimeoutReply::kNullArray ? ctx.reply->NullArray()
                                                               : ctx.reply->Null();
  }
  BlockRequest request;
  request.keys.assign(keys.begin(), keys.end());
  if (timeout_ms > 0) {
    const int64_t now = ctx.keyspace->clock()->NowMs();
    request.deadline_ms = timeout_ms > std::numeric_limits<int64_t>::max() - now
                              ? std::numeric_limits<int64_t>::max()
                              : now + timeout_ms;
  }
  request.timeout_reply = BlockRequest::TimeoutReply::kNullArray;
  ctx.client->block_request = std::move(request);
}

void ReplyStatus(CommandContext& ctx, const absl::Status& status) {
  ReplyError(ctx, FromAbsl(status.message()));
}

void ReplyUnknownCommand(CommandContext& ctx, Args argv) {
  // As Redis 7: the name (up to 128 bytes), then arguments while the list is
  // shorter than 128 bytes, each cut to what is left of the 128.
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    size_t room = 128 - args.size();
    absl::StrAppend(&args, "'", ToAbsl(argv[i].substr(0, room)), "' ");
  }
  ReplyError(ctx, absl::StrCat("ERR unknown command '", ToAbsl(argv[0].substr(0, 128)),
                               "', with args beginning with: ", args));
}

}  // namespace embedis::commands
