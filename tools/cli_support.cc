#include "tools/cli_support.h"

#include <iostream>

namespace tocsin::tools {

int ReportError(const std::string& command, const Error& error) {
  std::cerr << "tocsin " << command << ": " << error.ToString() << "\n";
  return kExitFailure;
}

void PrintJson(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

}  // namespace tocsin::tools
