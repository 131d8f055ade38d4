// Random identifiers that no caller can guess or collide with.
#pragma once

#include <string>

namespace order_saga {

// A random UUID (version 4) in its canonical 36-character form.
std::string RandomUuid();

}  // namespace order_saga
