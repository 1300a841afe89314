// bench/seal_bench.cc -- cost of sealing, verifying and opening directives,
// of the per-recipient key wrap against its alternatives, and of receipts.
//
// Usage: build/bin/seal_bench [--quick]
// Prints one line per measurement: median and 90th percentile over repeated
// runs, in microseconds. bench/README.md records results and the machine.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/receipts.h"

namespace tocsin::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr UnixMillis kNow = 1795861800000;

class TableResolver final : public crypto::KeyResolver {
 public:
  void Add(const std::string& id, Role role, const crypto::PublicKey& key) {
    table_[id] = {key, role};
  }
  Result<crypto::ResolvedSigner> ResolveSigner(std::string_view id, UnixMillis) override {
    auto found = table_.find(std::string(id));
    if (found == table_.end()) {
      return MakeError(ErrorCode::kNotFound, "unknown");
    }
    return found->second;
  }

 private:
  std::map<std::string, crypto::ResolvedSigner> table_;
};

// Runs `body` `runs` times and prints median and p90 in microseconds,
// divided by `per` (to report a per-item cost).
void Measure(const std::string& name, int runs, double per, const std::function<void()>& body) {
  body();  // warm up
  std::vector<double> micros;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    body();
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() / per);
  }
  std::sort(micros.begin(), micros.end());
  std::printf("%-58s %10.2f %10.2f\n", name.c_str(), micros[micros.size() / 2],
              micros[micros.size() * 9 / 10]);
}

struct Agencies {
  std::vector<crypto::X25519KeyPair> keys;
  std::vector<protocol::RecipientKey> recipients;
  explicit Agencies(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      keys.push_back(crypto::X25519KeyPair::Generate().value());
      char id[32];
      std::snprintf(id, sizeof(id), "agency-%05zu", i);
      recipients.push_back({id, keys.back().public_key()});
    }
  }
};

protocol::DirectiveDraft Draft() {
  protocol::DirectiveDraft d;
  d.header.issuer = "op.alice";
  d.header.gateway = "gw";
  d.header.sequence = 1;
  d.header.issued_at = kNow;
  d.header.ack_deadline = kNow + 3600000;
  d.header.expires_at = kNow + 86400000;
  d.content = {"Benchmark directive", std::string(4096, 'x')};
  return d;
}

void WrapAlternatives(int runs) {
  constexpr int kBatch = 100;
  Agencies agencies(kBatch);
  crypto::X25519KeyPair ephemeral = crypto::X25519KeyPair::Generate().value();
  Bytes content_key(32, 7);
  Measure("wrap: tocsin (kx + XChaCha20-Poly1305), per recipient", runs, kBatch, [&] {
    for (const auto& r : agencies.recipients) {
      (void)crypto::WrapKey(ephemeral, r.encryption_key, content_key, AsBytes(r.agency));
    }
  });
  Measure("wrap: crypto_box_seal, per recipient", runs, kBatch, [&] {
    std::uint8_t out[32 + crypto_box_SEALBYTES];
    for (const auto& r : agencies.recipients) {
      if (crypto_box_seal(out, content_key.data(), 32, r.encryption_key.data()) != 0) {
        std::abort();
      }
    }
  });
  std::vector<std::array<std::uint8_t, crypto_box_BEFORENMBYTES>> cached(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    if (crypto_box_beforenm(cached[static_cast<std::size_t>(i)].data(),
                            agencies.recipients[static_cast<std::size_t>(i)].encryption_key.data(),
                            ephemeral.secret().data()) != 0) {
      std::abort();
    }
  }
  Measure("wrap: cached static shared key (afternm), per recipient", runs, kBatch, [&] {
    std::uint8_t out[32 + crypto_box_MACBYTES];
    std::uint8_t nonce[crypto_box_NONCEBYTES] = {};
    for (const auto& key : cached) {
      if (crypto_box_easy_afternm(out, content_key.data(), 32, nonce, key.data()) != 0) {
        std::abort();
      }
    }
  });
}

void SealAndOpen(int runs, const std::vector<std::size_t>& sizes) {
  crypto::SigningKey issuer = crypto::SigningKey::Generate().value();
  TableResolver resolver;
  resolver.Add("op.alice", Role::kOperator, issuer.public_key());
  for (std::size_t n : sizes) {
    Agencies agencies(n);
    Bytes wire;
    int seal_runs = n >= 1000 ? std::max(3, runs / 10) : runs;
    Measure("seal, 4 KiB body, " + std::to_string(n) + " recipients (whole directive)", seal_runs,
            1, [&] {
              wire = protocol::EncodeEnvelope(
                  protocol::SealDirective(Draft(), agencies.recipients, issuer).value().envelope);
            });
    std::printf("%-58s %10zu bytes\n", ("  envelope size, " + std::to_string(n) + " recipients").c_str(),
                wire.size());
    protocol::DirectiveChecks checks{"gw", kNow, 1};
    Measure("gateway verify, " + std::to_string(n) + " recipients", runs, 1,
            [&] { (void)protocol::VerifyDirective(wire, resolver, checks).value(); });
    Measure("agency verify + open, whole directive, " + std::to_string(n) + " recipients", runs,
            1, [&] {
              (void)protocol::OpenDirective(wire, resolver, checks,
                                            agencies.recipients.back().agency,
                                            agencies.keys.back())
                  .value();
            });
    // What the gateway does once per directive, then per agency, and what an
    // agency receives and opens (protocol version 2).
    std::optional<protocol::DirectiveFanout> fanout;
    Measure("gateway: prepare copies, " + std::to_string(n) + " recipients", runs, 1,
            [&] { fanout.emplace(protocol::DirectiveFanout::FromWire(wire).value()); });
    const std::string& last = agencies.recipients.back().agency;
    Bytes copy;
    Measure("gateway: one agency's copy, " + std::to_string(n) + " recipients", runs, 1,
            [&] { copy = fanout->CopyFor(last).value(); });
    std::printf("%-58s %10zu bytes\n",
                ("  one agency's copy, " + std::to_string(n) + " recipients").c_str(), copy.size());
    Measure("agency verify + open its copy, " + std::to_string(n) + " recipients", runs, 1, [&] {
      (void)protocol::OpenDirective(copy, resolver, checks, last, agencies.keys.back()).value();
    });
  }
}

void Receipts(int runs) {
  crypto::SigningKey agency = crypto::SigningKey::Generate().value();
  TableResolver resolver;
  resolver.Add("finance-authority", Role::kAgency, agency.public_key());
  protocol::Receipt receipt;
  receipt.agency = "finance-authority";
  receipt.gateway = "gw";
  receipt.at = kNow;
  Bytes wire;
  Measure("receipt: encode + sign", runs, 1, [&] { wire = protocol::SignReceipt(receipt, agency); });
  Measure("receipt: decode + verify", runs, 1,
          [&] { (void)protocol::VerifyReceipt(wire, resolver, kNow, "gw").value(); });
}

}  // namespace
}  // namespace tocsin::bench

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  int runs = quick ? 20 : 200;
  std::printf("%-58s %10s %10s\n", "measurement (microseconds)", "median", "p90");
  tocsin::bench::WrapAlternatives(runs);
  tocsin::bench::SealAndOpen(runs, quick ? std::vector<std::size_t>{1, 100}
                                         : std::vector<std::size_t>{1, 100, 1000, 5000});
  tocsin::bench::Receipts(runs * 5);
  return 0;
}
