#include "pki/verified_record.h"

#include <charconv>

#include "common/check.h"
#include "common/file_util.h"
#include "common/principal.h"
#include "pki/certificate.h"

namespace tocsin::pki {
namespace {

constexpr std::string_view kHeader = "tocsin verified-certificates v1\n";
constexpr std::string_view kSignatureTag = "signature ";
constexpr std::size_t kMaxRecordBytes = kMaxRecordEntries * 320;  // an entry is about 250
constexpr std::size_t kFields = 11;

std::vector<std::string_view> Split(std::string_view line, char separator) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t at = line.find(separator);
    out.push_back(line.substr(0, at));
    if (at == std::string_view::npos) {
      return out;
    }
    line.remove_prefix(at + 1);
  }
}

template <typename Array>
bool DecodeInto(std::string_view hex, Array& out) {
  Result<Bytes> bytes = HexDecode(hex);
  if (!bytes || bytes->size() != out.size()) {
    return false;
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

bool ParseMillis(std::string_view text, UnixMillis& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

std::optional<Purpose> ParsePurposeName(std::string_view name) {
  for (Purpose purpose : kKnownPurposes) {
    if (PurposeName(purpose) == name) {
      return purpose;
    }
  }
  return std::nullopt;
}

// A field that cannot hold the separators of the record.
bool Plain(std::string_view field) {
  return field.find_first_of("\t\n") == std::string_view::npos;
}

}  // namespace

crypto::Digest TrustDigest(X509* root) {
  Result<Bytes> der = CertificateToDer(root);
  TOCSIN_CHECK(der);  // it was parsed from DER or PEM already
  return crypto::Sha256(*der);
}

VerifiedRecord VerifiedRecord::Open(std::string path, const crypto::SigningKey& owner,
                                    const crypto::Digest& trust, std::string* discarded) {
  Result<crypto::SigningKey> copy = crypto::SigningKey::FromSeed(owner.seed());
  TOCSIN_CHECK(copy);  // the seed of a valid key
  VerifiedRecord record(std::move(path), std::move(*copy), trust);
  Result<Bytes> stored = ReadFile(record.path_, kMaxRecordBytes);
  if (!stored) {
    if (stored.error().code != ErrorCode::kNotFound && discarded != nullptr) {
      *discarded = stored.error().ToString();
    }
    return record;
  }
  Status parsed = record.Parse(AsStringView(*stored));
  if (!parsed) {
    record.entries_.clear();
    record.changed_ = true;  // rewrite it whole
    if (discarded != nullptr && parsed.error().code != ErrorCode::kNotFound) {
      *discarded = record.path_ + ": " + parsed.error().context;
    }
  }
  return record;
}

Status VerifiedRecord::Parse(std::string_view text) {
  std::size_t tail = text.rfind(kSignatureTag);
  if (text.substr(0, kHeader.size()) != kHeader || tail == std::string_view::npos ||
      text.back() != '\n') {
    return MakeError(ErrorCode::kInvalidArgument, "not a record of verified certificates");
  }
  std::string_view body = text.substr(0, tail);
  crypto::Signature signature{};
  if (!DecodeInto(text.substr(tail + kSignatureTag.size(),
                              text.size() - tail - kSignatureTag.size() - 1),
                  signature) ||
      !crypto::VerifySignature(owner_.public_key(), kVerifiedRecordContext, AsBytes(body),
                               signature)) {
    return MakeError(ErrorCode::kBadSignature, "not signed by this bundle's signing key");
  }
  std::vector<std::string_view> lines = Split(body.substr(kHeader.size()), '\n');
  lines.pop_back();  // after the last newline
  crypto::Digest trust{};
  if (lines.empty() || lines[0].substr(0, 6) != "trust " ||
      !DecodeInto(lines[0].substr(6), trust)) {
    return MakeError(ErrorCode::kInvalidArgument, "no trust state");
  }
  if (trust != trust_) {
    return MakeError(ErrorCode::kNotFound, "another root");  // dropped quietly
  }
  if (lines.size() - 1 > kMaxRecordEntries) {
    return MakeError(ErrorCode::kInvalidArgument, "too many entries");
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> f = Split(lines[i], '\t');
    crypto::Digest certificate{};
    CertifiedKey key;
    std::optional<Purpose> purpose = f.size() == kFields ? ParsePurposeName(f[1]) : std::nullopt;
    std::optional<Role> role = f.size() == kFields ? ParseRole(f[3]) : std::nullopt;
    if (!purpose || !role || !DecodeInto(f[0], certificate) || (f[6] != "0" && f[6] != "1") ||
        !DecodeInto(f[7], key.public_key) || !ParseMillis(f[9], key.not_before) ||
        !ParseMillis(f[10], key.not_after)) {
      return MakeError(ErrorCode::kInvalidArgument, "entry " + std::to_string(i) + " is damaged");
    }
    key.principal_id = f[2];
    key.role = *role;
    key.purpose = *purpose;
    if (!f[4].empty()) key.sector = std::string(f[4]);
    if (!f[5].empty()) key.channel = std::string(f[5]);
    key.arc = f[6] == "0" ? Arc::kCurrent : Arc::kLegacy;
    key.serial_hex = f[8];
    entries_[{certificate, *purpose}] = std::move(key);
  }
  return {};
}

const CertifiedKey* VerifiedRecord::Find(const crypto::Digest& certificate,
                                         Purpose purpose) const {
  auto found = entries_.find({certificate, purpose});
  return found == entries_.end() ? nullptr : &found->second;
}

void VerifiedRecord::Add(const crypto::Digest& certificate, const CertifiedKey& key) {
  bool plain = Plain(key.principal_id) && Plain(key.sector.value_or("")) &&
               Plain(key.channel.value_or("")) && Plain(key.serial_hex);
  if (!plain || entries_.size() >= kMaxRecordEntries) {
    return;  // not kept: verified again next time
  }
  entries_[{certificate, key.purpose}] = key;
  changed_ = true;
}

std::size_t VerifiedRecord::Prune(const std::function<bool(const CertifiedKey&)>& outdated) {
  std::size_t dropped = std::erase_if(entries_, [&](const auto& entry) { return outdated(entry.second); });
  changed_ = changed_ || dropped > 0;
  return dropped;
}

void VerifiedRecord::Retrust(const crypto::Digest& trust) {
  if (trust != trust_) {
    trust_ = trust;
    entries_.clear();
    changed_ = true;
  }
}

std::string VerifiedRecord::Serialize() const {
  std::string out(kHeader);
  out += "trust " + HexEncode(trust_) + "\n";
  for (const auto& [where, key] : entries_) {
    out += HexEncode(where.first);
    out += "\t" + std::string(PurposeName(key.purpose)) + "\t" + key.principal_id + "\t" +
           std::string(RoleName(key.role)) + "\t" + key.sector.value_or("") + "\t" +
           key.channel.value_or("") + "\t" + (key.arc == Arc::kCurrent ? "0" : "1") + "\t" +
           HexEncode(key.public_key) + "\t" + key.serial_hex + "\t" +
           std::to_string(key.not_before) + "\t" + std::to_string(key.not_after) + "\n";
  }
  return out;
}

Status VerifiedRecord::Save() {
  if (!changed_) {
    return {};
  }
  std::string body = Serialize();
  crypto::Signature signature = owner_.Sign(kVerifiedRecordContext, AsBytes(body));
  body += std::string(kSignatureTag) + HexEncode(signature) + "\n";
  TOCSIN_RETURN_IF_ERROR(WriteFileDurably(path_, AsBytes(body), 0600, Overwrite::kYes));
  changed_ = false;
  return {};
}

}  // namespace tocsin::pki
