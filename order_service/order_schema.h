// The versioned schema of `orders` (order_service/schema/*.sql), embedded at build
// time by embed_sql_migrations() so the binary needs no extra files.
#pragma once

#include <vector>

#include "common/mysql/schema_migrator.h"

namespace order_saga {

std::vector<SchemaMigration> OrderSchemaMigrations();

}  // namespace order_saga
