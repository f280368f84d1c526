#include "lib/session/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "lib/util/strings.h"

namespace embedis {

std::string SignCookieValue(std::string_view value, std::string_view secret) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), mac, &mac_len);
  std::string b64;
  absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(mac), static_cast<size_t>(mac_len)), &b64);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  std::string out;
  out.reserve(value.size() + 1 + b64.size());
  out.append(value).push_back('.');
  out.append(b64);
  return out;
}

std::optional<std::string> UnsignCookieValue(std::string_view input, std::string_view secret) {
  // input.slice(0, input.lastIndexOf('.')): with no '.', slice(0, -1) drops
  // the last character.
  const size_t dot = input.rfind('.');
  std::string_view value;
  if (dot != std::string_view::npos) {
    value = input.substr(0, dot);
  } else if (!input.empty()) {
    value = input.substr(0, input.size() - 1);
  }
  const std::string expected = SignCookieValue(value, secret);
  if (expected.size() != input.size() ||
      CRYPTO_memcmp(expected.data(), input.data(), input.size()) != 0) {
    return std::nullopt;
  }
  return std::string(value);
}

CookieSigner::CookieSigner(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  assert(!secrets_.empty());
}

std::string CookieSigner::Sign(std::string_view value) const {
  return SignCookieValue(value, secrets_.empty() ? std::string_view() : secrets_[0]);
}

std::optional<std::string> CookieSigner::Unsign(std::string_view input) const {
  for (const std::string& secret : secrets_) {
    if (auto v = UnsignCookieValue(input, secret)) return v;
  }
  return std::nullopt;
}

}  // namespace embedis
