// Reading a server's Prometheus metrics in the e2e suites.
#pragma once

#include <string>

namespace order_saga::testing {

// GET http://<address>/metrics (HTTP/1.0, the whole body); "" on failure.
std::string ScrapeMetrics(const std::string& address);

// The value of the sample written exactly as `series` ("name{labels}"), or
// -1 if there is none.
double Sample(const std::string& metrics, const std::string& series);

}  // namespace order_saga::testing
