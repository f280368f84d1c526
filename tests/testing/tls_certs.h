// A throwaway PKI for TLS tests, made with the `openssl` command line in a temporary directory.
//
//   absl::StatusOr<TestPki> pki = MakeTestPki();   // ~0.3 s; fails naming a missing openssl
//   options.tls.ca_file = pki->ca_crt;
//
// Every certificate uses a P-256 key (fast to generate). Server certificates name localhost and
// 127.0.0.1 (subjectAltName DNS:localhost, IP:127.0.0.1).
//
// Thread safety: MakeTestPki may run from several tests at once (each gets its own directory).
#ifndef EMBEDIS_TESTS_TESTING_TLS_CERTS_H_
#define EMBEDIS_TESTS_TESTING_TLS_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace embedis::testing {

struct TestPki {
  std::string dir;
  std::string ca_crt, ca_key;                      // the test CA
  std::string server_crt, server_key;              // signed by the CA; localhost, 127.0.0.1
  std::string client_crt, client_key;              // signed by the CA; a client certificate
  std::string expired_crt, expired_key;            // signed by the CA; localhost, but expired
  std::string self_signed_crt, self_signed_key;    // localhost, signed by itself
  std::string other_ca_crt;                        // another CA
  std::string other_server_crt, other_server_key;  // localhost, signed by the other CA
  std::string other_client_crt, other_client_key;  // a client certificate of the other CA
};

// Generates the PKI above; the files are removed with the directory when the test's temporary
// directory goes (under TEST_TMPDIR when set, else /tmp).
absl::StatusOr<TestPki> MakeTestPki();

// One PKI for the whole test binary, made on first use; a failure to make it fails the calling
// test (ADD_FAILURE) and returns empty paths.
const TestPki& SharedTestPki();

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_TLS_CERTS_H_
