// Session ids as express-session makes them (npm uid-safe, uid(24)).
//
//   std::string sid = GenerateSessionId();   // e.g. "X3h2c0xQeJ9V1yZ8k7l5Qm1wR4tB6nD_"
//
// 24 bytes from OpenSSL's CSPRNG (RAND_bytes), base64url without padding:
// always 32 characters of [A-Za-z0-9_-], 192 bits of entropy.
//
// Thread safety: may be called from any thread.
#ifndef EMBEDIS_LIB_SESSION_SESSION_ID_H_
#define EMBEDIS_LIB_SESSION_SESSION_ID_H_

#include <string>

namespace embedis {

inline constexpr int kSessionIdBytes = 24;

// Aborts the process if the CSPRNG fails (it cannot, once seeded by the OS);
// a predictable session id would be worse than a crash.
std::string GenerateSessionId();

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SESSION_ID_H_
