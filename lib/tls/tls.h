// TLS over a non-blocking socket, shared by the client (lib/client) and embedis-server.
//
// Two pieces, both thin layers over OpenSSL (Debian's libssl, //third_party:openssl) that keep
// OpenSSL's headers out of every other header:
//   - NewClientContext / NewServerContext build an SSL_CTX from file names and words, checking
//     everything at once (a missing file, a key that does not match its certificate, a bad
//     protocol list) and reporting it as an InvalidArgument status that names the file.
//   - Session is one TLS connection on a connected non-blocking socket. Read and Write never
//     block: they say what they wait for (kWantRead / kWantWrite), so the same Session serves a
//     poll() loop (the client) and an epoll loop (the server). The handshake happens inside the
//     first Read or Write, or explicitly with Handshake().
//
// Sockets: Session talks to the socket through a BIO of its own that sends with MSG_NOSIGNAL, so
// a peer that went away gives an error, never SIGPIPE, in a process that did not ignore it.
//
//   absl::StatusOr<tls::ContextPtr> ctx = tls::NewClientContext({.ca_file = "ca.crt"});
//   std::unique_ptr<tls::Session> s = tls::Session::New(ctx->get(), fd, /*server=*/false);
//   absl::Status ok = s->SetPeerName("localhost", /*sni=*/"localhost");
//   while ((r = s->Handshake()) == kWantRead || r == kWantWrite) poll(...);
//
// Errors are texts an operator can act on: "certificate verify failed: self-signed certificate",
// "certificate verify failed: hostname mismatch", "certificate verify failed: certificate has
// expired", "tlsv13 alert certificate required" (the server wanted a client certificate).
//
// Thread safety: a context is immutable once built and may be shared by threads (OpenSSL's
// SSL_CTX is thread-safe for creating sessions); a Session is used by one thread at a time.
#ifndef EMBEDIS_LIB_TLS_TLS_H_
#define EMBEDIS_LIB_TLS_TLS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct ssl_st;
struct ssl_ctx_st;

namespace embedis::tls {

struct ContextDeleter {
  void operator()(ssl_ctx_st* ctx) const;
};
// An SSL_CTX.
using ContextPtr = std::unique_ptr<ssl_ctx_st, ContextDeleter>;

struct ClientConfig {
  // Verify the server's certificate (chain and name). Default: true. False accepts any server,
  // which defeats TLS's protection against a man in the middle: only for tests and trusted
  // networks.
  bool verify_peer = true;
  // Trusted CAs: a PEM file and/or a directory of hashed certificates (c_rehash). Both empty: the
  // system's store (/etc/ssl/certs).
  std::string ca_file;
  std::string ca_dir;
  // A client certificate and its key (PEM), for servers that want one (mutual TLS). Both or none.
  std::string cert_file;
  std::string key_file;
};

// Checks the files and builds a client context.
absl::StatusOr<ContextPtr> NewClientContext(const ClientConfig& config);

// embedis-server's tls-* parameters (server/options.h) are these fields.
struct ServerConfig {
  // tls-cert-file, tls-key-file: the server's certificate (chain) and private key, PEM. Required.
  std::string cert_file;
  std::string key_file;
  // tls-ca-cert-file, tls-ca-cert-dir: CAs whose client certificates are accepted. One of them is
  // required unless auth_clients is "no".
  std::string ca_cert_file;
  std::string ca_cert_dir;
  // tls-auth-clients: "yes" (a client certificate is required; redis-server's default),
  // "optional" (checked if sent) or "no".
  std::string auth_clients = "yes";
  // tls-protocols: space-separated protocols to enable, any of "TLSv1",
  // "TLSv1.1", "TLSv1.2", "TLSv1.3" (case-insensitive). Empty: "TLSv1.2 TLSv1.3".
  std::string protocols;
  // tls-ciphers: OpenSSL's cipher list for TLSv1.2 and older (SSL_CTX_set_cipher_list), e.g.
  // "HIGH:!aNULL". Empty: OpenSSL's default.
  std::string ciphers;
  // tls-ciphersuites: the TLSv1.3 cipher suites (SSL_CTX_set_ciphersuites), e.g.
  // "TLS_AES_256_GCM_SHA384". Empty: OpenSSL's default.
  std::string ciphersuites;
  // tls-prefer-server-ciphers: the server's order of ciphers wins over the client's. Default:
  // false, as redis-server.
  bool prefer_server_ciphers = false;
};

// Checks the files and the words and builds a server context.
absl::StatusOr<ContextPtr> NewServerContext(const ServerConfig& config);

// Whether `protocols` is a valid tls-protocols value (see ServerConfig::protocols).
bool ValidProtocols(std::string_view protocols);

class Session {
 public:
  enum class Result { kOk, kWantRead, kWantWrite, kClosed, kError };

  // A session on connected socket `fd` (not owned: closing it stays the caller's job).
  // `server`: the accepting side. nullptr if OpenSSL cannot allocate one.
  static std::unique_ptr<Session> New(ssl_ctx_st* ctx, int fd, bool server);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Client only, before the handshake: the name the server's certificate must carry (a host
  // name, or an IP literal matched against the certificate's IP addresses) when the context
  // verifies the peer, and the SNI name to send ("" sends none). Fails for an unusable name.
  absl::Status SetPeerName(const std::string& host, const std::string& sni);

  // Runs (or continues) the handshake. kOk once done.
  Result Handshake();
  // Reads up to `n` decrypted bytes into `buf`; on kOk, `*got` > 0. kClosed: the peer closed the
  // connection (cleanly, or not). Runs the handshake first if needed.
  Result Read(char* buf, size_t n, size_t* got);
  // Writes up to `n` bytes of `buf` (partial writes happen); on kOk, `*written` > 0. After
  // kWantRead/kWantWrite call again with the same bytes (moving the buffer is allowed).
  Result Write(const char* buf, size_t n, size_t* written);
  // Decrypted bytes buffered inside OpenSSL, which the socket will not signal.
  size_t Pending() const;
  // Sends a close_notify, without waiting for the peer's (best effort, never blocks).
  void Shutdown();

  // After kError: what went wrong ("certificate verify failed: hostname mismatch", ...).
  const std::string& error() const { return error_; }
  // The negotiated protocol ("TLSv1.3"), after the handshake.
  std::string_view protocol() const;

 private:
  explicit Session(ssl_st* ssl) : ssl_(ssl) {}
  Result Classify(int ret, const char* op);

  ssl_st* ssl_;
  std::string error_;
};

}  // namespace embedis::tls

#endif  // EMBEDIS_LIB_TLS_TLS_H_
