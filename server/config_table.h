// The configuration table: every parameter embedis-server knows, once.
//
// One row per parameter holds its name (and Redis's alias, if any), its type, its default (the
// ServerOptions field's initializer, which the row reads and writes), its validation (range,
// allowed words), whether CONFIG SET may change it while the server runs, and the hook that makes
// a new value take effect. The same rows serve
//   - the command line:  embedis-server [/path/to.conf] [--name value ...]   (ParseCommandLine)
//   - a config file in redis.conf syntax                                     (LoadConfigFile)
//   - CONFIG GET (glob patterns) and CONFIG SET (several at once, atomic)    (config_command.cc)
// so a new parameter is one row here plus its ServerOptions field (and, if it must act at once
// in a running server, a case in the hook it names).
//
//   ServerOptions options;
//   absl::Status s = ParseCommandLine(argc, argv, &options);   // reads the file, then the flags
//   const ConfigParam* p = FindConfigParam("hash-max-ziplist-value");   // alias of
//   ...-listpack-... std::optional<std::string> error = p->set(options, "128");
//
// Values are checked as redis-server 7.0 checks them, with its error texts ("argument must be
// between 0 and 2147483647 inclusive", "argument must be a memory value", ...). Parameters that
// embedis reports for compatibility but does not implement (appendonly, ...) accept
// only the value they report.
//
// Thread safety: the table is immutable after its first use; the functions are pure (except
// LoadConfigFile's and ParseCommandLine's reading of files).
#ifndef EMBEDIS_SERVER_CONFIG_TABLE_H_
#define EMBEDIS_SERVER_CONFIG_TABLE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/options.h"

namespace embedis {

enum class ConfigType { kBool, kInt, kMemory, kEnum, kString, kSpecial };

// What a running server does once CONFIG SET has stored a new value in its options (see
// ApplyConfig in config_command.cc). One hook runs once per CONFIG SET however many of its
// parameters changed; a hook that fails undoes the whole CONFIG SET.
enum class ConfigHook {
  kNone,        // read where it is used (encoding parameters, fixed ones)
  kRuntime,     // copied to the server's hot-path atomics (timeouts, limits, loglevel, hz)
  kPassword,    // requirepass: new connections need AUTH
  kSaveRules,   // save, stop-writes-on-bgsave-error: the snapshot thread's rules
  kMaxclients,  // maxclients: must fit the open-files limit
  kEncoding,    // the encoding thresholds the keyspace applies (set-max-intset-entries, ...)
  kNotify,      // notify-keyspace-events: the keyspace's notification classes
  kAof,         // appendonly, appendfsync, auto-aof-rewrite-*, aof-load-truncated (server/aof.h)
  kEviction,    // maxmemory and its policy parameters: the keyspace's EvictionOptions
  kTls,         // tls-* (but tls-port): a new TLS context for new connections (ServerState)
  kScripts,  // busy-reply-threshold: the script engine's time limit (lib/scripting/busy_script.h)
};

struct ConfigParam {
  std::string name;
  std::string alias;  // Redis's older name ("hash-max-ziplist-entries"), or ""
  ConfigType type = ConfigType::kString;
  bool modifiable = false;  // CONFIG SET may change it
  ConfigHook hook = ConfigHook::kNone;
  std::string help;           // one line for --help
  bool multi_word = false;    // several words on one line ("save 3600 1", "bind a b")
  bool startup_only = false;  // a flag or file line only; CONFIG GET does not show it
  // Validates `value` and stores it in `options`: nullopt, or the error as CONFIG SET words it
  // after "CONFIG SET failed (possibly related to argument '...') - ".
  std::function<std::optional<std::string>(ServerOptions&, std::string_view)> set;
  // The value as CONFIG GET shows it.
  std::function<std::string(const ServerOptions&)> get;
};

// Every parameter, in the order CONFIG GET '*' lists them.
const std::vector<ConfigParam>& ConfigTable();

// The row named `name` or aliased so, case-insensitively; nullptr if none.
const ConfigParam* FindConfigParam(std::string_view name);

// Splits a config line as redis-server's sdssplitargs: words separated by blanks, "double
// quoted" ones with \n \r \t \b \a \\ \" \xHH escapes, 'single quoted' ones with \'. nullopt
// for unbalanced quotes (or a closing quote not followed by a blank).
std::optional<std::vector<std::string>> SplitConfigArgs(std::string_view line);

// Applies one directive, `name arg...`, as a config file line or a command-line flag does. Errors
// are redis-server's texts ("Bad directive or wrong number of arguments", "wrong number of
// arguments", or the parameter's own). `seen` holds the multi-word parameters already given by
// this source: a second `save` line adds rules to the first, as in redis.conf.
absl::Status ApplyConfigDirective(const std::vector<std::string>& words, ServerOptions* options,
                                  std::vector<std::string>* seen);

// Reads a redis.conf-style file into `options`: `name value...` lines, `#` comments, blank lines,
// quoted arguments, `include <path>` (a relative path is relative to the including file's
// folder). An error names the file, the line number and the line, as redis-server's
// "FATAL CONFIG FILE ERROR".
absl::Status LoadConfigFile(const std::string& path, ServerOptions* options);

// `embedis-server [config-file] [--name value...]...`: the file first (if argv[1] does not start
// with "--"), then the flags, which override it as in redis-server. A flag takes every following
// argument up to the next one starting with "--" ("--save 900 1 300 10", "--save ''");
// `--name=value` works too, and underscores stand for dashes. `config_file` receives the file's
// path (or ""). `*help` is set by --help / -h (options untouched).
absl::Status ParseCommandLine(const std::vector<std::string>& args, ServerOptions* options,
                              std::string* config_file, bool* help);

// The --help text: every parameter with its default.
std::string ConfigUsage();

// "normal <hard> <soft> <seconds> slave ... pubsub ...", as CONFIG GET client-output-buffer-limit.
std::string FormatOutputBufferLimits(const ServerOptions& options);

}  // namespace embedis

#endif  // EMBEDIS_SERVER_CONFIG_TABLE_H_
