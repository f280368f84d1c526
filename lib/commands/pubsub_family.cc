// Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH,
// SPUBLISH and PUBSUB, over the keyspace's hub (lib/keyspace/pubsub.h).
//
// A client subscribes through ClientState::subscriber, which embedis-server gives every
// connection (server/pubsub_subscriber.cc delivers the messages to its socket); a client without
// one (an in-process command caller) may publish but not subscribe. The (un)subscribe replies are
// one array per channel in RESP2, one push per channel in RESP3, as Redis 7.0 writes them; their
// count is the client's channels plus patterns (shard channels for S(UN)SUBSCRIBE). What a RESP2
// client may run once subscribed is the server's check (server.cc); PING's subscribed reply is
// CmdPing's (server_family.cc).
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

// One (un)subscribe confirmation: [kind, name or null, count].
void ReplyConfirmation(CommandContext& ctx, std::string_view what, const std::string* name,
                       int64_t count) {
  ctx.reply->PushHeader(3);
  ctx.reply->BulkString(what);
  if (name != nullptr) {
    ctx.reply->BulkString(*name);
  } else {
    ctx.reply->Null();
  }
  ctx.reply->Integer(count);
}

int64_t CountFor(const Subscriber& s, PubSubKind kind) {
  return kind == PubSubKind::kShardChannel ? s.shard_channel_count() : s.subscription_count();
}

bool HasSubscriber(CommandContext& ctx) {
  if (ctx.client->subscriber != nullptr) return true;
  ReplyError(ctx, "ERR this client cannot subscribe (no subscriber: use PubSub::Subscribe)");
  return false;
}

void Subscribe(CommandContext& ctx, Args argv, PubSubKind kind, std::string_view what) {
  if (!HasSubscriber(ctx)) return;
  const std::shared_ptr<Subscriber>& s = ctx.client->subscriber;
  PubSub& hub = ctx.keyspace->pubsub();
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string name(argv[i]);
    hub.Subscribe(kind, name, s);
    ReplyConfirmation(ctx, what, &name, CountFor(*s, kind));
  }
}

void Unsubscribe(CommandContext& ctx, Args argv, PubSubKind kind, std::string_view what) {
  if (!HasSubscriber(ctx)) return;
  Subscriber* s = ctx.client->subscriber.get();
  PubSub& hub = ctx.keyspace->pubsub();
  if (argv.size() == 1) {
    const std::vector<std::string> names = hub.UnsubscribeAll(kind, s);
    if (names.empty()) return ReplyConfirmation(ctx, what, nullptr, CountFor(*s, kind));
    // Each confirmation counts what is left after it, as Redis removes them one at a time.
    int64_t left = CountFor(*s, kind) + static_cast<int64_t>(names.size());
    for (const std::string& name : names) ReplyConfirmation(ctx, what, &name, --left);
    return;
  }
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string name(argv[i]);
    hub.Unsubscribe(kind, name, s);
    ReplyConfirmation(ctx, what, &name, CountFor(*s, kind));
  }
}

void CmdSubscribe(CommandContext& ctx, Args argv) {
  Subscribe(ctx, argv, PubSubKind::kChannel, "subscribe");
}
void CmdPSubscribe(CommandContext& ctx, Args argv) {
  Subscribe(ctx, argv, PubSubKind::kPattern, "psubscribe");
}
void CmdSSubscribe(CommandContext& ctx, Args argv) {
  Subscribe(ctx, argv, PubSubKind::kShardChannel, "ssubscribe");
}
void CmdUnsubscribe(CommandContext& ctx, Args argv) {
  Unsubscribe(ctx, argv, PubSubKind::kChannel, "unsubscribe");
}
void CmdPUnsubscribe(CommandContext& ctx, Args argv) {
  Unsubscribe(ctx, argv, PubSubKind::kPattern, "punsubscribe");
}
void CmdSUnsubscribe(CommandContext& ctx, Args argv) {
  Unsubscribe(ctx, argv, PubSubKind::kShardChannel, "sunsubscribe");
}

void CmdPublish(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->pubsub().Publish(argv[1], argv[2]));
}
void CmdSPublish(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->pubsub().SPublish(argv[1], argv[2]));
}

void ReplyChannels(CommandContext& ctx, Args argv, PubSubKind kind) {
  if (argv.size() > 3) {  // Redis 7.0 checks this in the handler, with its older text
    return ReplyError(ctx, absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                                        ToAbsl(argv[1]), "'. Try PUBSUB HELP."));
  }
  std::optional<std::string_view> pattern;
  if (argv.size() == 3) pattern = argv[2];
  std::vector<std::string> names = ctx.keyspace->pubsub().Channels(kind, pattern);
  ctx.reply->ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply->BulkString(n);
}

void ReplyNumSub(CommandContext& ctx, Args argv, PubSubKind kind) {
  // A flat array of channel, count pairs in both protocols (Redis 7.0).
  ctx.reply->ArrayHeader(2 * (argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i) {
    ctx.reply->BulkString(argv[i]);
    ctx.reply->Integer(ctx.keyspace->pubsub().NumSub(kind, argv[i]));
  }
}

void CmdPubSubChannels(CommandContext& ctx, Args argv) {
  ReplyChannels(ctx, argv, PubSubKind::kChannel);
}
void CmdPubSubShardChannels(CommandContext& ctx, Args argv) {
  ReplyChannels(ctx, argv, PubSubKind::kShardChannel);
}
void CmdPubSubNumSub(CommandContext& ctx, Args argv) {
  ReplyNumSub(ctx, argv, PubSubKind::kChannel);
}
void CmdPubSubShardNumSub(CommandContext& ctx, Args argv) {
  ReplyNumSub(ctx, argv, PubSubKind::kShardChannel);
}
void CmdPubSubNumPat(CommandContext& ctx, Args) {
  ctx.reply->Integer(ctx.keyspace->pubsub().NumPat());
}

void CmdPubSubHelp(CommandContext& ctx, Args) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply->SimpleString(line);
}

}  // namespace

void RegisterPubSubFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  constexpr uint32_t kSub = kPubSub | kNoScript | kLoading | kStale;
  auto sub = [&](std::string name, Handler h, std::string summary, std::string since,
                 std::string_view complexity, std::vector<ArgDoc> args, int arity,
                 std::vector<KeySpec> keys = {}) {
    table->Register({.name = std::move(name),
                     .arity = arity,
                     .flags = kSub,
                     .acl = kAclPubSub,
                     .key_specs = std::move(keys),
                     .group = "pubsub",
                     .summary = std::move(summary),
                     .since = std::move(since),
                     .complexity = complexity,
                     .args = std::move(args),
                     .handler = std::move(h)});
  };
  sub("subscribe", CmdSubscribe, "Listen for messages published to the given channels", "2.0.0",
      "O(N) where N is the number of channels to subscribe to.", {Str("channel").Multi()}, -2);
  sub("unsubscribe", CmdUnsubscribe, "Stop listening for messages posted to the given channels",
      "2.0.0", "O(N) where N is the number of clients already subscribed to a channel.",
      {Str("channel").Opt().Multi()}, -1);
  sub("psubscribe", CmdPSubscribe,
      "Listen for messages published to channels matching the given patterns", "2.0.0",
      "O(N) where N is the number of patterns the client is already subscribed to.",
      {Block("pattern", {Pattern("pattern")}).Multi()}, -2);
  sub("punsubscribe", CmdPUnsubscribe,
      "Stop listening for messages posted to channels matching the given patterns", "2.0.0",
      "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
      "number of total patterns subscribed in the system (by any client).",
      {Pattern("pattern").Opt().Multi()}, -1);
  sub("ssubscribe", CmdSSubscribe, "Listen for messages published to the given shard channels",
      "7.0.0", "O(N) where N is the number of shard channels to subscribe to.",
      {Str("shardchannel").Multi()}, -2, {Keys(1, kKeyNotKey, -1)});
  sub("sunsubscribe", CmdSUnsubscribe,
      "Stop listening for messages posted to the given shard channels", "7.0.0",
      "O(N) where N is the number of clients already subscribed to a shard channel.",
      {Str("shardchannel").Opt().Multi()}, -1, {Keys(1, kKeyNotKey, -1)});
  table->Register({.name = "publish",
                   .arity = 3,
                   .flags = kPubSub | kLoading | kStale | kFast,
                   .acl = kAclPubSub,
                   .group = "pubsub",
                   .summary = "Post a message to a channel",
                   .since = "2.0.0",
                   .complexity = "O(N+M) where N is the number of clients subscribed to the "
                                 "receiving channel and M is the total number of subscribed "
                                 "patterns (by any client).",
                   .args = {Str("channel"), Str("message")},
                   .handler = CmdPublish});
  table->Register({.name = "spublish",
                   .arity = 3,
                   .flags = kPubSub | kLoading | kStale | kFast,
                   .acl = kAclPubSub,
                   .key_specs = {Keys(1, kKeyNotKey)},
                   .group = "pubsub",
                   .summary = "Post a message to a shard channel",
                   .since = "7.0.0",
                   .complexity = "O(N) where N is the number of clients subscribed to the "
                                 "receiving shard channel.",
                   .args = {Str("shardchannel"), Str("message")},
                   .handler = CmdSPublish});
  constexpr uint32_t kInfo = kPubSub | kLoading | kStale;
  table->Register(
      {.name = "pubsub",
       .arity = -2,
       .group = "pubsub",
       .summary = "A container for Pub/Sub commands.",
       .since = "2.8.0",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "channels",
            .arity = -2,
            .flags = kInfo,
            .acl = kAclPubSub,
            .summary = "List active channels",
            .since = "2.8.0",
            .complexity = "O(N) where N is the number of active channels, and assuming constant "
                          "time pattern matching (relatively short channels and patterns)",
            .args = {Pattern("pattern").Opt()},
            .handler = CmdPubSubChannels},
           {.name = "numsub",
            .arity = -2,
            .flags = kInfo,
            .acl = kAclPubSub,
            .summary = "Get the count of subscribers for channels",
            .since = "2.8.0",
            .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested "
                          "channels",
            .args = {Str("channel").Opt().Multi()},
            .handler = CmdPubSubNumSub},
           {.name = "numpat",
            .arity = 2,
            .flags = kInfo,
            .acl = kAclPubSub,
            .summary = "Get the count of unique patterns pattern subscriptions",
            .since = "2.8.0",
            .complexity = "O(1)",
            .handler = CmdPubSubNumPat},
           {.name = "shardchannels",
            .arity = -2,
            .flags = kInfo,
            .acl = kAclPubSub,
            .summary = "List active shard channels",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of active shard channels, and assuming "
                          "constant time pattern matching (relatively short shard channels).",
            .args = {Pattern("pattern").Opt()},
            .handler = CmdPubSubShardChannels},
           {.name = "shardnumsub",
            .arity = -2,
            .flags = kInfo,
            .acl = kAclPubSub,
            .summary = "Get the count of subscribers for shard channels",
            .since = "7.0.0",
            .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of "
                          "requested shard channels",
            .args = {Str("shardchannel").Opt().Multi()},
            .handler = CmdPubSubShardNumSub},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .summary = "Show helpful text about the different subcommands",
            .since = "6.2.0",
            .complexity = "O(1)",
            .handler = CmdPubSubHelp},
       }});
}

}  // namespace embedis::commands
