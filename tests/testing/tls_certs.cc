#include "tests/testing/tls_certs.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {

absl::StatusOr<TestPki> MakeTestPki() {
  const std::string openssl = FindExecutable("openssl");
  if (openssl.empty()) {
    return absl::FailedPreconditionError(
        "openssl not found on PATH; install it with: apt-get install openssl");
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string tmpl = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/pki.XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  TestPki p;
  p.dir = tmpl;
  auto f = [&](const char* name) { return absl::StrCat(p.dir, "/", name); };
  p.ca_crt = f("ca.crt");
  p.ca_key = f("ca.key");
  p.server_crt = f("server.crt");
  p.server_key = f("server.key");
  p.client_crt = f("client.crt");
  p.client_key = f("client.key");
  p.expired_crt = f("expired.crt");
  p.expired_key = f("expired.key");
  p.self_signed_crt = f("self.crt");
  p.self_signed_key = f("self.key");
  p.other_ca_crt = f("other-ca.crt");
  p.other_server_crt = f("other-server.crt");
  p.other_server_key = f("other-server.key");
  p.other_client_crt = f("other-client.crt");
  p.other_client_key = f("other-client.key");
  // `ec` keys on P-256: generating them takes milliseconds (RSA takes far longer).
  const std::string script = absl::StrCat(R"(set -e
cd ")",
                                          p.dir, R"("
O=")",
                                          openssl, R"("
KEY="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
"$O" req -x509 $KEY -keyout ca.key -out ca.crt -days 3650 -subj "/CN=embedis test CA"
"$O" req -x509 $KEY -keyout other-ca.key -out other-ca.crt -days 3650 -subj "/CN=another CA"
sign() {  # name ca days ext cn
  "$O" req $KEY -keyout "$1.key" -out "$1.csr" -subj "/CN=$5"
  "$O" x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" \
    -days "$3" -extfile "$4"
}
sign server ca 365 server.ext localhost
sign client ca 365 client.ext "embedis test client"
sign expired ca -1 server.ext localhost
sign other-server other-ca 365 server.ext localhost
sign other-client other-ca 365 client.ext "another client"
"$O" req -x509 $KEY -keyout self.key -out self.crt -days 365 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
)");
  const std::string script_path = f("make.sh");
  const std::string log_path = f("make.log");
  {
    std::ofstream out(script_path);
    out << script;
  }
  const std::string command = absl::StrCat("/bin/sh '", script_path, "' >'", log_path, "' 2>&1");
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    std::ifstream in(log_path);
    std::stringstream log;
    log << in.rdbuf();
    return absl::InternalError(
        absl::StrCat("generating test certificates with openssl failed:\n", log.str()));
  }
  return p;
}

const TestPki& SharedTestPki() {
  static const TestPki* pki = [] {
    absl::StatusOr<TestPki> p = MakeTestPki();
    if (!p.ok()) {
      ADD_FAILURE() << p.status();
      return new TestPki();
    }
    return new TestPki(*std::move(p));
  }();
  return *pki;
}

}  // namespace embedis::testing
