// ClusterClient's accessors for per-node users (the cluster Pub/Sub of lib/store), kept apart
// from the command routing of cluster.cc.
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "lib/client/cluster.h"
#include "lib/util/strings.h"

namespace embedis {

ClusterClient::SlotMap ClusterClient::CurrentSlotMap() const {
  std::shared_ptr<const Topology> t = topology();
  SlotMap map;
  if (t == nullptr) return map;
  for (const Node& n : t->primaries) {
    map.primaries.push_back(n.address);
    map.replicas.push_back(n.replicas);
  }
  map.slot_owner.assign(t->slot_node.begin(), t->slot_node.end());
  return map;
}

ClientOptions ClusterClient::AddressOptions(std::string_view address) const {
  ClientOptions o = options_.node;
  o.unix_socket.clear();
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon != std::string_view::npos &&
      absl::SimpleAtoi(ToAbsl(address.substr(colon + 1)), &port) && port > 0 && port < 65536) {
    o.host = std::string(address.substr(0, colon));
    o.port = port;
  } else {
    o.host = std::string(address);
    o.port = 6379;
  }
  return o;
}

}  // namespace embedis
