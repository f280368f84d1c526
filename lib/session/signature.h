// Cookie signing as express-session does it (npm cookie-signature).
//
// The session cookie's value is "s:" + Sign(sid, secret), where
//
//   Sign(value, secret) = value + "." + base64(HMAC-SHA256(secret, value)) without "=" padding
//
// (standard base64, so the signature may hold '+' and '/'; the cookie layer
// URL-encodes them). A CookieSigner holds a list of secrets: the first signs,
// every one verifies, so secrets rotate without logging everyone out.
//
//   CookieSigner signer({"new secret", "old secret"});
//   std::string value = signer.Sign(sid);                  // with "new secret"
//   std::optional<std::string> sid = signer.Unsign(value); // either secret
//
// Verification compares in constant time (CRYPTO_memcmp) once lengths match.
//
// Thread safety: all functions and CookieSigner's const methods may be called
// from any thread.
#ifndef EMBEDIS_LIB_SESSION_SIGNATURE_H_
#define EMBEDIS_LIB_SESSION_SIGNATURE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace embedis {

// cookie-signature's sign(): value + "." + unpadded base64 HMAC-SHA256.
std::string SignCookieValue(std::string_view value, std::string_view secret);

// cookie-signature's unsign(): the value before the last '.' when the whole
// input equals SignCookieValue(that value, secret); nullopt otherwise. (Like
// cookie-signature, an input without '.' is checked as if its last byte were
// the separator, and so never verifies.)
std::optional<std::string> UnsignCookieValue(std::string_view input, std::string_view secret);

class CookieSigner {
 public:
  // REQUIRES: !secrets.empty() (express-session refuses an empty list).
  explicit CookieSigner(std::vector<std::string> secrets);

  // Signs with the first secret.
  std::string Sign(std::string_view value) const;
  // Tries every secret in order.
  std::optional<std::string> Unsign(std::string_view input) const;

  const std::vector<std::string>& secrets() const { return secrets_; }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SIGNATURE_H_
