#include "lib/commands/propagation.h"

#include <utility>

#include "lib/commands/args.h"
#include "lib/commands/command_table.h"

namespace embedis::commands {
namespace {
constinit thread_local PropagationFrame* tl_frame = nullptr;
}  // namespace

PropagationFrame::PropagationFrame(Propagator* prop, bool root_capable) : prop_(prop) {
  if (prop == nullptr) return;
  parent_ = tl_frame;
  if (parent_ == nullptr && !root_capable) return;
  active_ = true;
  root_ = parent_ == nullptr;
  if (root_) prop_->write_order().Lock();
  tl_frame = this;
}

PropagationFrame::~PropagationFrame() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (!active_) return;
  tl_frame = parent_;
  if (!root_) {
    for (PropagatedCommand& c : commands_) parent_->commands_.push_back(std::move(c));
    return;
  }
  if (commands_.size() > 1) {
    const int first_db = commands_.front().db, last_db = commands_.back().db;
    commands_.insert(commands_.begin(), PropagatedCommand{.db = first_db, .argv = {"MULTI"}});
    commands_.push_back(PropagatedCommand{.db = last_db, .argv = {"EXEC"}});
  }
  if (!commands_.empty()) prop_->Append(commands_);
  prop_->write_order().Unlock();
}

void PropagationFrame::SetDefault(int db, std::vector<std::string> argv) {
  commands_.push_back(PropagatedCommand{.db = db, .argv = std::move(argv)});
}

void Propagate(CommandContext& ctx, std::vector<std::string> argv) {
  PropagationFrame* f = tl_frame;
  if (f == nullptr) return;
  f->explicit_ = true;
  f->commands_.push_back(PropagatedCommand{.db = ctx.client->db, .argv = std::move(argv)});
}

bool Propagating() { return tl_frame != nullptr; }

void RunPropagatedExclusive(CommandContext& ctx, absl::FunctionRef<void()> fn, bool script) {
  auto body = [&] {
    PropagationFrame frame(ctx.keyspace->propagator(), /*root_capable=*/true);
    Keyspace::ExclusiveSection section(ctx.keyspace, /*freeze_time=*/script);
    fn();
  };
  if (ctx.exclusive != nullptr) {
    ctx.exclusive->Run(body);
  } else {
    body();
  }
}

namespace {
std::string Str(std::string_view s) { return std::string(s); }
}  // namespace

void PropagateSetAbsolute(CommandContext& ctx, absl::Span<const std::string_view> argv) {
  const std::string_view key = argv[1];
  const std::string_view value = EqualsIgnoreCase(argv[0], "set") ? argv[2] : argv[3];
  const int64_t at = ctx.keyspace->ExpireTimeMs(ctx.client->db, key);
  if (at == -2) return Propagate(ctx, {"DEL", Str(key)});
  if (at == -1) return Propagate(ctx, {"SET", Str(key), Str(value)});
  Propagate(ctx, {"SET", Str(key), Str(value), "PXAT", std::to_string(at)});
}

void PropagateExpireAbsolute(CommandContext& ctx, absl::Span<const std::string_view> argv) {
  const std::string_view key = argv[1];
  const int64_t at = ctx.keyspace->ExpireTimeMs(ctx.client->db, key);
  if (at == -2) return Propagate(ctx, {"DEL", Str(key)});
  if (at == -1) return Propagate(ctx, {"PERSIST", Str(key)});
  Propagate(ctx, {"PEXPIREAT", Str(key), std::to_string(at)});
}

void PropagateIncrByFloat(CommandContext& ctx, absl::Span<const std::string_view> argv) {
  absl::StatusOr<std::optional<std::string>> v = ctx.keyspace->Get(ctx.client->db, argv[1]);
  if (!v.ok() || !v->has_value()) return Propagate(ctx, {"DEL", Str(argv[1])});
  Propagate(ctx, {"SET", Str(argv[1]), **std::move(v), "KEEPTTL"});
}

void PropagateHIncrByFloat(CommandContext& ctx, absl::Span<const std::string_view> argv) {
  absl::StatusOr<std::optional<std::string>> v =
      ctx.keyspace->HGet(ctx.client->db, argv[1], argv[2]);
  if (!v.ok() || !v->has_value()) return;  // cannot happen: it was just written
  Propagate(ctx, {"HSET", Str(argv[1]), Str(argv[2]), **std::move(v)});
}

}  // namespace embedis::commands
