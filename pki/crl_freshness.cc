#include "pki/crl_freshness.h"

#include <algorithm>
#include <filesystem>

#include "common/config_reader.h"
#include "common/file_util.h"
#include "crypto/key_file.h"
#include "pki/bundle.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "pki/crl_floor.h"

namespace tocsin::pki {
namespace {

constexpr std::string_view kFormat = "tocsin-crl-freshness/1";

void AppendBigEndian(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

struct CrlWindow {
  UnixMillis this_update = 0;
  UnixMillis next_update = 0;
};

Result<CrlWindow> ReadCrlWindow(X509_CRL* crl) {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  if (next == nullptr) {
    return MakeError(ErrorCode::kExpired, "the CRL has no next update");
  }
  CrlWindow window;
  TOCSIN_ASSIGN_OR_RETURN(window.this_update, Asn1TimeToMillis(X509_CRL_get0_lastUpdate(crl)));
  TOCSIN_ASSIGN_OR_RETURN(window.next_update, Asn1TimeToMillis(next));
  return window;
}

constexpr std::uintmax_t kMaxStatementBytes = 4096;

// Why the file at `path` may not be read as trust: not a small regular file
// of ours (a FIFO would block, a link loop throw), or writable by others.
std::optional<std::string> CheckPublishedFile(const std::string& path) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::symlink_status(path, error);
  if (error || !std::filesystem::is_regular_file(status) ||
      std::filesystem::file_size(path, error) > kMaxStatementBytes || error) {
    return path + " is not a regular file of at most 4 KiB";
  }
  if (Status trusted = CheckTrustedPath(path); !trusted) {
    return trusted.error().ToString();
  }
  return std::nullopt;
}

// Why the statement in `public_dir` cannot extend `crl`'s currency, or
// nothing when it can; `until` receives its end.
std::optional<std::string> CheckStatement(const CertificateVerifier& verifier,
                                          const std::string& public_dir, UnixMillis this_update,
                                          UnixMillis now, UnixMillis& until) {
  std::string path = public_dir + "/" + std::string(kFreshnessStatementFile);
  std::string signer_path = public_dir + "/" + std::string(kFreshnessSignerFile);
  for (const std::string& file : {path, signer_path}) {
    if (std::optional<std::string> unfit = CheckPublishedFile(file)) {
      return unfit;
    }
  }
  Result<CrlFreshnessStatement> statement = LoadCrlFreshness(path);
  if (!statement) {
    return statement.error().ToString();
  }
  Result<crypto::X509Ptr> certificate = LoadCertificate(signer_path);
  if (!certificate) {
    return certificate.error().ToString();
  }
  Result<FreshnessSigner> signer = verifier.VerifyFreshnessSigner(certificate->get(), now);
  if (!signer) {
    return signer_path + ": " + signer.error().ToString();
  }
  if (signer->public_key != statement->signer) {
    return path + " is signed by " + HexEncode(statement->signer).substr(0, 16) +
           "…, not by the key " + signer_path + " certifies";
  }
  long number = ReadCrlNumber(verifier.crl());
  Result<crypto::Digest> digest = CrlDigest(verifier.crl());
  if (number < 1 || statement->crl_number != static_cast<std::uint64_t>(number) || !digest ||
      statement->crl_sha256 != *digest) {
    return path + " vouches for CRL " + std::to_string(statement->crl_number) +
           ", not for this CRL " + std::to_string(number) + " (number or digest differ)";
  }
  if (statement->issued_at < this_update - kFreshnessClockSkew) {
    return path + " is dated " + FormatUtc(statement->issued_at) + ", before the CRL was issued";
  }
  if (statement->issued_at > now + kFreshnessClockSkew) {
    return path + " is dated " + FormatUtc(statement->issued_at) +
           ", in the future by this clock (" + FormatUtc(now) + ")";
  }
  if (statement->valid_until < statement->issued_at ||
      statement->valid_until - statement->issued_at > kMaxStatementLifetime) {
    return path + " claims more than 24 hours of currency";
  }
  until = std::min(statement->valid_until, signer->not_after);  // the signer's word ends with it
  return std::nullopt;
}

}  // namespace

Bytes CrlFreshnessSignedBytes(const CrlFreshnessStatement& statement) {
  Bytes out;
  AppendBigEndian(out, statement.crl_number);
  Append(out, statement.crl_sha256);
  AppendBigEndian(out, static_cast<std::uint64_t>(statement.issued_at));
  AppendBigEndian(out, static_cast<std::uint64_t>(statement.valid_until));
  Append(out, statement.signer);
  return out;
}

Result<crypto::Digest> CrlDigest(X509_CRL* crl) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes der, CrlToDer(crl));
  return crypto::Sha256(der);
}

Result<CrlFreshnessStatement> SignCrlFreshness(X509_CRL* crl, const crypto::SigningKey& signer,
                                               UnixMillis now, UnixMillis until) {
  long number = ReadCrlNumber(crl);
  if (number < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "the CRL has no usable number");
  }
  if (until <= now || until - now > kMaxStatementLifetime) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a freshness statement lives more than 0 and at most 24 hours");
  }
  CrlFreshnessStatement statement;
  statement.crl_number = static_cast<std::uint64_t>(number);
  TOCSIN_ASSIGN_OR_RETURN(statement.crl_sha256, CrlDigest(crl));
  statement.issued_at = now;
  statement.valid_until = until;
  statement.signer = signer.public_key();
  statement.signature = signer.Sign(kCrlFreshnessContext, CrlFreshnessSignedBytes(statement));
  return statement;
}

std::string RenderCrlFreshness(const CrlFreshnessStatement& s) {
  std::string text = "# A Tocsin CRL freshness statement (docs/pki.md): CRL " +
                     std::to_string(s.crl_number) + " is current from " + FormatUtc(s.issued_at) +
                     " until " + FormatUtc(s.valid_until) + ".\n";
  text += "format = \"" + std::string(kFormat) + "\"\n";
  text += "crl_number = " + std::to_string(s.crl_number) + "\n";
  text += "crl_sha256 = \"" + HexEncode(s.crl_sha256) + "\"\n";
  text += "issued_at_ms = " + std::to_string(s.issued_at) + "\n";
  text += "valid_until_ms = " + std::to_string(s.valid_until) + "\n";
  text += "signer_key = \"" + HexEncode(s.signer) + "\"\n";
  text += "signature = \"" + HexEncode(s.signature) + "\"\n";
  return text;
}

Result<CrlFreshnessStatement> LoadCrlFreshness(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader reader, ConfigReader::Open(path));
  TOCSIN_ASSIGN_OR_RETURN(std::string format, reader.String("format"));
  if (format != kFormat) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": not a " + std::string(kFormat) + " file");
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  CrlFreshnessStatement s;
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t number, reader.IntOr("crl_number", 0, 1, kMax));
  TOCSIN_ASSIGN_OR_RETURN(s.issued_at, reader.IntOr("issued_at_ms", 0, 1, kMax));
  TOCSIN_ASSIGN_OR_RETURN(s.valid_until, reader.IntOr("valid_until_ms", 0, 1, kMax));
  if (number == 0 || s.issued_at == 0 || s.valid_until == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": crl_number, issued_at_ms and valid_until_ms are required");
  }
  s.crl_number = static_cast<std::uint64_t>(number);
  TOCSIN_ASSIGN_OR_RETURN(s.crl_sha256, ReadHexField<crypto::kDigestSize>(reader, "crl_sha256"));
  TOCSIN_ASSIGN_OR_RETURN(s.signer, ReadHexField<crypto::kPublicKeySize>(reader, "signer_key"));
  TOCSIN_ASSIGN_OR_RETURN(s.signature, ReadHexField<crypto::kSignatureSize>(reader, "signature"));
  TOCSIN_RETURN_IF_ERROR(reader.RejectUnknown());
  Status signed_ok = crypto::VerifySignature(s.signer, kCrlFreshnessContext,
                                             CrlFreshnessSignedBytes(s), s.signature);
  if (!signed_ok) {
    return WithContext(signed_ok.error(), path);
  }
  return s;
}

CrlCurrency JudgeCrlCurrency(const CertificateVerifier& verifier, const std::string& public_dir,
                             UnixMillis now) {
  CrlCurrency currency;
  Result<CrlWindow> window = ReadCrlWindow(verifier.crl());
  if (!window) {
    currency.problem = "the CRL's update times cannot be read: it is not current";
    return currency;  // current_until 0: nothing verifies
  }
  currency.this_update = window->this_update;
  currency.next_update = window->next_update;
  currency.long_lived = window->next_update - window->this_update > kDailyCrlWindow;
  if (!currency.long_lived) {
    currency.current_until = window->next_update;
    return currency;
  }
  currency.current_until =
      std::min(window->next_update, window->this_update + kDailyCrlWindow);
  std::error_code error;
  std::filesystem::file_status found =
      std::filesystem::symlink_status(public_dir + "/" + std::string(kFreshnessStatementFile), error);
  if (error || !std::filesystem::exists(found)) {
    return currency;  // no statement (or none we can see): the first day only
  }
  UnixMillis until = 0;
  std::optional<std::string> problem =
      CheckStatement(verifier, public_dir, window->this_update, now, until);
  if (problem) {
    currency.problem = *problem;
    return currency;
  }
  currency.statement_until = std::min(until, window->next_update);
  currency.current_until = std::max(currency.current_until, *currency.statement_until);
  return currency;
}

Result<CrlFreshnessStatement> RefreshCrlFreshness(const std::string& signer_dir,
                                                  const std::string& public_dir, UnixMillis now,
                                                  UnixMillis lifetime) {
  BundlePaths signer(signer_dir);
  std::string crl_path = public_dir + "/crl.pem";
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(signer.RootCertificate()));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrl(crl_path));
  Result<CertificateVerifier> verifier = CertificateVerifier::Create(std::move(root), std::move(crl));
  if (!verifier) {
    return WithContext(verifier.error(), crl_path);
  }
  TOCSIN_RETURN_IF_ERROR(CrlFloor(signer_dir + "/crl-floor").Admit(verifier->crl(), crl_path));
  TOCSIN_ASSIGN_OR_RETURN(CrlWindow own, ReadCrlWindow(verifier->crl()));
  if (now > own.next_update || own.this_update > now + kFreshnessClockSkew) {
    return MakeError(ErrorCode::kExpired,
                     crl_path + " is valid from " + FormatUtc(own.this_update) + " to " +
                         FormatUtc(own.next_update) + ", not now: only the root can issue a "
                         "new CRL (tocsin pki crl)");
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr certificate,
                          LoadCertificate(signer.Certificate(Purpose::kCrlFreshness)));
  Result<FreshnessSigner> certified = verifier->VerifyFreshnessSigner(certificate.get(), now);
  if (!certified) {
    return WithContext(certified.error(), "this CRL freshness signer (" +
                                              signer.Certificate(Purpose::kCrlFreshness) +
                                              ") may not vouch for " + crl_path);
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey key,
                          crypto::ReadSigningKeyFile(signer.Key(Purpose::kCrlFreshness)));
  if (key.public_key() != certified->public_key) {
    return MakeError(ErrorCode::kInvalidArgument, signer.Key(Purpose::kCrlFreshness) +
                                                      " is not the key its certificate certifies");
  }
  std::string published_signer = public_dir + "/" + std::string(kFreshnessSignerFile);
  TOCSIN_ASSIGN_OR_RETURN(Bytes own_pem, ReadFile(signer.Certificate(Purpose::kCrlFreshness),
                                                  kMaxPemFileSize));
  std::error_code missing;
  if (!std::filesystem::exists(published_signer, missing)) {
    TOCSIN_RETURN_IF_ERROR(WriteFileDurably(published_signer, own_pem, 0644, Overwrite::kNo));
  } else {
    TOCSIN_ASSIGN_OR_RETURN(Bytes published, ReadFile(published_signer, kMaxPemFileSize));
    if (published != own_pem) {
      return MakeError(ErrorCode::kPermissionDenied,
                       published_signer + " certifies another signer: this one was superseded "
                       "(tocsin pki delegate-freshness) and must stop");
    }
  }
  UnixMillis until = std::min(now + lifetime, own.next_update);
  TOCSIN_ASSIGN_OR_RETURN(CrlFreshnessStatement statement,
                          SignCrlFreshness(verifier->crl(), key, now, until));
  TOCSIN_RETURN_IF_ERROR(WriteFileDurably(public_dir + "/" + std::string(kFreshnessStatementFile),
                                          AsBytes(RenderCrlFreshness(statement)), 0644,
                                          Overwrite::kYes));
  return statement;
}

bool IsStaleCrlError(const Error& error) {
  return error.code == ErrorCode::kExpired &&
         error.context.find(kStaleCrlMarker) != std::string::npos;
}

std::string DescribeStaleCrl(const std::string& where, const CrlCurrency& currency) {
  std::string why;
  if (!currency.long_lived) {
    why = "its next update passed; publish a fresh CRL (tocsin pki crl)";
  } else if (currency.statement_until) {
    why = "its last freshness statement ended; sign a new one (tocsin pki refresh)";
  } else {
    why = "a CRL valid for more than a day needs a freshness statement after its first day, "
          "and there is no valid one (tocsin pki refresh)";
    if (!currency.problem.empty()) {
      why += ": " + currency.problem;
    }
  }
  return "the CRL in " + where + " " + std::string(kStaleCrlMarker) + " " +
         FormatUtc(currency.current_until) + ": " + why;
}

}  // namespace tocsin::pki
