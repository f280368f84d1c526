#include "lib/store/store.h"

#include "lib/util/errors.h"

namespace embedis {

absl::Status StatusFromRedisError(std::string_view message) {
  return errors::FromRedisError(message);
}

}  // namespace embedis
