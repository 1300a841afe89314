// store/ledger_schema.h -- the ledger's tables, as each backend creates
// them: SQLite's migrations, one per version since the first, and
// PostgreSQL's, one version since no PostgreSQL ledger predates it.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace tocsin::store {

// migrations[i] moves the schema from version i to i + 1.
std::vector<std::string_view> SqliteLedgerMigrations();
std::vector<std::string_view> PostgresqlLedgerMigrations();

}  // namespace tocsin::store
