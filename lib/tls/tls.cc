#include "lib/tls/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace embedis::tls {
namespace {

// ---- A socket BIO that never raises SIGPIPE ----

int FdOf(BIO* b) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(b))); }

int SocketWrite(BIO* b, const char* in, int n) {
  BIO_clear_retry_flags(b);
  for (;;) {
    ssize_t r = ::send(FdOf(b), in, static_cast<size_t>(n), MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
    return static_cast<int>(r);
  }
}

int SocketRead(BIO* b, char* out, int n) {
  BIO_clear_retry_flags(b);
  for (;;) {
    ssize_t r = ::recv(FdOf(b), out, static_cast<size_t>(n), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
    return static_cast<int>(r);
  }
}

long SocketCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int SocketCreate(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* SocketMethod() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "embedis socket");
    BIO_meth_set_write(m, SocketWrite);
    BIO_meth_set_read(m, SocketRead);
    BIO_meth_set_ctrl(m, SocketCtrl);
    BIO_meth_set_create(m, SocketCreate);
    return m;
  }();
  return method;
}

// ---- Errors ----

// The queued OpenSSL errors of this thread as text (and clears them); `verify_result` explains a
// "certificate verify failed".
std::string TakeErrors(long verify_result) {
  std::vector<std::string> parts;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    std::string text;
    if (reason != nullptr) {
      text = reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      text = buf;
    }
    if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
        verify_result != X509_V_OK) {
      absl::StrAppend(&text, ": ", X509_verify_cert_error_string(verify_result));
    }
    parts.push_back(std::move(text));
  }
  if (parts.empty()) return "unknown TLS error";
  return absl::StrJoin(parts, "; ");
}

absl::Status ConfigError(absl::string_view what, absl::string_view path) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, path.empty() ? "" : absl::StrCat(" '", path, "'"), ": ", TakeErrors(X509_V_OK)));
}

// The file must be readable: a clearer message than OpenSSL's for the usual mistakes.
absl::Status CheckReadable(absl::string_view what, const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status LoadCertAndKey(SSL_CTX* ctx, const std::string& cert_file,
                            const std::string& key_file) {
  if (absl::Status s = CheckReadable("certificate file", cert_file); !s.ok()) return s;
  if (absl::Status s = CheckReadable("key file", key_file); !s.ok()) return s;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return ConfigError("cannot load certificate file", cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return ConfigError("cannot load key file", key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return ConfigError(absl::StrCat("key file '", key_file, "' does not match certificate file"),
                       cert_file);
  }
  return absl::OkStatus();
}

absl::Status LoadCas(SSL_CTX* ctx, const std::string& file, const std::string& dir) {
  if (!file.empty()) {
    if (absl::Status s = CheckReadable("CA certificate file", file); !s.ok()) return s;
  }
  if (!dir.empty()) {
    if (absl::Status s = CheckReadable("CA certificate directory", dir); !s.ok()) return s;
  }
  if (SSL_CTX_load_verify_locations(ctx, file.empty() ? nullptr : file.c_str(),
                                    dir.empty() ? nullptr : dir.c_str()) != 1) {
    return ConfigError("cannot load CA certificates from", file.empty() ? dir : file);
  }
  return absl::OkStatus();
}

constexpr long kModes =
    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS;

}  // namespace

void ContextDeleter::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

absl::StatusOr<ContextPtr> NewClientContext(const ClientConfig& config) {
  ERR_clear_error();
  ContextPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return ConfigError("SSL_CTX_new", "");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.get(), kModes);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (config.verify_peer) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (!config.ca_file.empty() || !config.ca_dir.empty()) {
      if (absl::Status s = LoadCas(ctx.get(), config.ca_file, config.ca_dir); !s.ok()) return s;
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return ConfigError("cannot load the system's CA certificates", "");
    }
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  if (config.cert_file.empty() != config.key_file.empty()) {
    return absl::InvalidArgumentError("a client certificate needs both cert_file and key_file");
  }
  if (!config.cert_file.empty()) {
    if (absl::Status s = LoadCertAndKey(ctx.get(), config.cert_file, config.key_file); !s.ok()) {
      return s;
    }
  }
  return ctx;
}

namespace {

// tls-protocols -> the SSL_OP_NO_* options that disable the others; false for a bad word.
bool ProtocolOptions(std::string_view protocols, uint64_t* disable) {
  bool v1 = false, v11 = false, v12 = false, v13 = false;
  std::vector<std::string> words =
      absl::StrSplit(absl::string_view(protocols.data(), protocols.size()), ' ', absl::SkipEmpty());
  if (words.empty()) {
    v12 = v13 = true;
  }
  for (const std::string& word : words) {
    const std::string w = absl::AsciiStrToLower(word);
    if (w == "tlsv1") {
      v1 = true;
    } else if (w == "tlsv1.1") {
      v11 = true;
    } else if (w == "tlsv1.2") {
      v12 = true;
    } else if (w == "tlsv1.3") {
      v13 = true;
    } else {
      return false;
    }
  }
  *disable = (v1 ? 0 : SSL_OP_NO_TLSv1) | (v11 ? 0 : SSL_OP_NO_TLSv1_1) |
             (v12 ? 0 : SSL_OP_NO_TLSv1_2) | (v13 ? 0 : SSL_OP_NO_TLSv1_3);
  return true;
}

}  // namespace

bool ValidProtocols(std::string_view protocols) {
  uint64_t ignored;
  return ProtocolOptions(protocols, &ignored);
}

absl::StatusOr<ContextPtr> NewServerContext(const ServerConfig& config) {
  ERR_clear_error();
  uint64_t disable = 0;
  if (!ProtocolOptions(config.protocols, &disable)) {
    return absl::InvalidArgumentError(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
        "'TLSv1.3'.");
  }
  if (config.cert_file.empty() || config.key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs tls-cert-file and tls-key-file");
  }
  const std::string auth = absl::AsciiStrToLower(config.auth_clients);
  int verify;
  if (auth == "yes") {
    verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else if (auth == "optional") {
    verify = SSL_VERIFY_PEER;
  } else if (auth == "no") {
    verify = SSL_VERIFY_NONE;
  } else {
    return absl::InvalidArgumentError("tls-auth-clients must be one of yes, no, optional");
  }
  ContextPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return ConfigError("SSL_CTX_new", "");
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_IGNORE_UNEXPECTED_EOF | disable);
  if (config.prefer_server_ciphers) {
    SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  // redis-server's texts (its log says "Failed to configure ciphers: <list>").
  if (!config.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx.get(), config.ciphers.c_str())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("Failed to configure ciphers: ", config.ciphers));
  }
  if (!config.ciphersuites.empty() &&
      !SSL_CTX_set_ciphersuites(ctx.get(), config.ciphersuites.c_str())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("Failed to configure ciphersuites: ", config.ciphersuites));
  }
  SSL_CTX_set_mode(ctx.get(), kModes);
  static const unsigned char kSessionContext[] = "embedis";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof(kSessionContext) - 1);
  if (absl::Status s = LoadCertAndKey(ctx.get(), config.cert_file, config.key_file); !s.ok()) {
    return s;
  }
  if (verify != SSL_VERIFY_NONE && config.ca_cert_file.empty() && config.ca_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is "
        "enabled");
  }
  // CAs given are checked even when client certificates are not asked for, as redis-server.
  if (!config.ca_cert_file.empty() || !config.ca_cert_dir.empty()) {
    if (absl::Status s = LoadCas(ctx.get(), config.ca_cert_file, config.ca_cert_dir); !s.ok()) {
      return s;
    }
  }
  SSL_CTX_set_verify(ctx.get(), verify, nullptr);
  return ctx;
}

// ---- Session ----

std::unique_ptr<Session> Session::New(ssl_ctx_st* ctx, int fd, bool server) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return nullptr;
  BIO* bio = BIO_new(const_cast<BIO_METHOD*>(SocketMethod()));
  if (bio == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set_bio(ssl, bio, bio);
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  return std::unique_ptr<Session>(new Session(ssl));
}

Session::~Session() { SSL_free(ssl_); }

absl::Status Session::SetPeerName(const std::string& host, const std::string& sni) {
  if (!sni.empty() && SSL_set_tlsext_host_name(ssl_, sni.c_str()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("bad TLS server name (sni) '", sni, "'"));
  }
  if (SSL_get_verify_mode(ssl_) == SSL_VERIFY_NONE || host.empty()) return absl::OkStatus();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // An IP literal is checked against the certificate's IP addresses, a name against its DNS names.
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1) return absl::OkStatus();
  ERR_clear_error();
  if (SSL_set1_host(ssl_, host.c_str()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("bad host name for TLS '", host, "'"));
  }
  return absl::OkStatus();
}

Session::Result Session::Classify(int ret, const char* op) {
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return Result::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Result::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Result::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        if (errno == 0) return Result::kClosed;  // EOF
        error_ = absl::StrCat(op, ": ", std::strerror(errno));
        return Result::kError;
      }
      [[fallthrough]];
    default:
      error_ = TakeErrors(SSL_get_verify_result(ssl_));
      return Result::kError;
  }
}

Session::Result Session::Handshake() {
  ERR_clear_error();
  errno = 0;
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) return Result::kOk;
  Result result = Classify(r, "handshake");
  if (result == Result::kClosed) {
    error_ = "connection closed during the TLS handshake";
    return Result::kError;
  }
  return result;
}

Session::Result Session::Read(char* buf, size_t n, size_t* got) {
  ERR_clear_error();
  errno = 0;
  size_t read = 0;
  const int r = SSL_read_ex(ssl_, buf, n, &read);
  if (r == 1) {
    *got = read;
    return Result::kOk;
  }
  *got = 0;
  Result result = Classify(r, "read");
  if (result == Result::kClosed && !SSL_is_init_finished(ssl_)) {
    error_ = "connection closed during the TLS handshake";
    return Result::kError;
  }
  return result;
}

Session::Result Session::Write(const char* buf, size_t n, size_t* written) {
  ERR_clear_error();
  errno = 0;
  size_t done = 0;
  const int r = SSL_write_ex(ssl_, buf, n, &done);
  if (r == 1) {
    *written = done;
    return Result::kOk;
  }
  *written = 0;
  return Classify(r, "write");
}

size_t Session::Pending() const { return static_cast<size_t>(SSL_pending(ssl_)); }

void Session::Shutdown() {
  if (SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
}

std::string_view Session::protocol() const { return SSL_get_version(ssl_); }

}  // namespace embedis::tls
