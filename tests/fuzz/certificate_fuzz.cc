// Fuzzes PEM certificate and CRL parsing and the Tocsin field reader.
#include "pki/certificate.h"
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  ByteView input = fuzz::Input(data, size);
  auto certificate = pki::ParseCertificatePem(input, "fuzz");
  if (certificate) {
    (void)pki::ReadCertifiedKey(certificate->get());
  }
  (void)pki::ParseCrlPem(input, "fuzz");
  return 0;
}
