#include "common/local_time_zone.h"

#include <stdlib.h>
#include <time.h>

namespace order_saga {

void PinLocalTimeZone() {
  setenv("TZ", ":/etc/localtime", /*overwrite=*/0);
  tzset();
}

}  // namespace order_saga
