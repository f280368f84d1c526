// Loads tests/session/testdata/node_vectors.json: reference outputs of the npm
// packages the session layer reimplements, generated with Node.js by
// tests/session/testdata/gen_node_vectors.js (see there to regenerate).
#ifndef EMBEDIS_TESTS_SESSION_NODE_VECTORS_H_
#define EMBEDIS_TESTS_SESSION_NODE_VECTORS_H_

#include <fstream>
#include <sstream>
#include <string>

#include "nlohmann/json.hpp"

namespace embedis::session_testing {

inline const nlohmann::ordered_json& NodeVectors() {
  static const nlohmann::ordered_json* v = [] {
    std::ifstream in("tests/session/testdata/node_vectors.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return new nlohmann::ordered_json(nlohmann::ordered_json::parse(ss.str()));
  }();
  return *v;
}

}  // namespace embedis::session_testing

#endif  // EMBEDIS_TESTS_SESSION_NODE_VECTORS_H_
