#include "tools/operator_link.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "pki/crl_expiry.h"
#include "pki/crl_floor.h"
#include "transport/curve_socket.h"
#include "transport/zmq_support.h"

namespace tocsin::tools {

Result<std::unique_ptr<OperatorLink>> OperatorLink::Open(const pki::PrincipalBundle& bundle,
                                                         pki::CertificateDirectory& directory,
                                                         const DirectiveOptions& options,
                                                         UnixMillis now) {
  TOCSIN_RETURN_IF_ERROR(transport::CheckZmqCapabilities());
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey gateway,
                          directory.Resolve(options.gateway, pki::Purpose::kTransport, now));
  if (gateway.role != Role::kGateway) {
    return MakeError(ErrorCode::kInvalidArgument, options.gateway + " is not a gateway");
  }
  auto link = std::unique_ptr<OperatorLink>(new OperatorLink());
  transport::ClientConfig config{options.endpoint,
                                 Bytes(gateway.public_key.begin(), gateway.public_key.end()),
                                 {}, 100, 1000};
  TOCSIN_ASSIGN_OR_RETURN(link->socket_,
                          transport::MakeCurveClient(link->context_, config,
                                                     bundle.transport.public_key(),
                                                     bundle.transport.secret()));
  return link;
}

Result<std::pair<protocol::Envelope, Bytes>> OperatorLink::Request(ByteView wire, int timeout_ms) {
  while (!pace_.Take(SteadyNowMillis())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // With several endpoints listed, nothing is queued before one of them
  // (the serving gateway) has completed its handshake: wait for it.
  zmq::pollitem_t writable{socket_.handle(), 0, ZMQ_POLLOUT, 0};
  if (zmq::poll(&writable, 1, std::chrono::milliseconds(timeout_ms)) == 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "no gateway answered the handshake within " + std::to_string(timeout_ms) +
                         " ms (is one running and serving, not standing by?)");
  }
  TOCSIN_RETURN_IF_ERROR(transport::SendToServer(socket_, wire));
  return Receive(timeout_ms);
}

Result<std::pair<protocol::Envelope, Bytes>> OperatorLink::Receive(int timeout_ms) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) == 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "no answer from the gateway within " + std::to_string(timeout_ms) +
                         " ms (is it running, and is this operator enrolled and unrevoked?)");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> reply, transport::ReceiveFromServer(socket_));
  if (!reply) {
    return MakeError(ErrorCode::kUnavailable, "empty answer from the gateway");
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::Envelope envelope, protocol::DecodeEnvelope(*reply));
  if (envelope.type == protocol::MessageType::kError) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::ErrorReply error, protocol::DecodeErrorReply(envelope.body));
    return MakeError(protocol::FromWireError(error.code), "the gateway refused: " + error.message);
  }
  return std::make_pair(std::move(envelope), std::move(*reply));
}

Result<Session> OpenSession(const DirectiveOptions& options, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(pki::PrincipalBundle bundle, pki::LoadBundle(options.bundle));
  crypto::X509Ptr root(X509_dup(bundle.root_certificate.get()));
  pki::CrlFloor floor(pki::CrlFloorOf(options.bundle));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertificateDirectory directory,
                          pki::CertificateDirectory::Open(options.directory, std::move(root),
                                                          pki::Verification::kCurrent, &floor, now));
  pki::CrlExpiry expiry = pki::JudgeCrlExpiry(directory.crl_current_until(), now);
  if (expiry.freshness != pki::CrlFreshness::kFresh) {  // the operator's view of it (SECURITY 43)
    std::cerr << "tocsin: warning: " << pki::DescribeCrlExpiry(expiry, options.directory) << "\n";
  }
  auto owned = std::make_unique<pki::CertificateDirectory>(std::move(directory));
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<OperatorLink> link,
                          OperatorLink::Open(bundle, *owned, options, now));
  return Session{std::move(bundle), std::move(owned), std::move(link)};
}

Result<std::vector<protocol::StatusRow>> QueryStatus(OperatorLink& link,
                                                     std::optional<protocol::DirectiveId> id,
                                                     int timeout_ms) {
  Bytes request = protocol::EncodeUnsigned(protocol::MessageType::kStatusRequest,
                                           protocol::EncodeStatusRequest({id}));
  TOCSIN_ASSIGN_OR_RETURN(auto reply, link.Request(request, timeout_ms));
  if (reply.first.type != protocol::MessageType::kStatusReport) {
    return MakeError(ErrorCode::kMalformedMessage, "the gateway answered with something else");
  }
  return protocol::DecodeStatusReport(reply.first.body);
}


Result<pki::CertificateDirectory> OpenAsOfDirectory(const DirectiveOptions& options,
                                                    const pki::PrincipalBundle& bundle) {
  pki::CrlFloor floor(pki::CrlFloorOf(options.bundle));
  return pki::CertificateDirectory::Open(options.directory,
                                         crypto::X509Ptr(X509_dup(bundle.root_certificate.get())),
                                         pki::Verification::kAsOf, &floor);
}

Result<Bytes> FetchStoredDirective(OperatorLink& link, const protocol::DirectiveId& id,
                                   int timeout_ms) {
  Bytes request = protocol::EncodeUnsigned(protocol::MessageType::kDirectiveRequest,
                                           protocol::EncodeDirectiveRequest({id}));
  TOCSIN_ASSIGN_OR_RETURN(auto reply, link.Request(request, timeout_ms));
  if (reply.first.type != protocol::MessageType::kDirective) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "directive " + HexEncode(id) + " as the gateway returned it: not a directive");
  }
  return std::move(reply.second);
}

Result<protocol::EvidencePage> FetchEvidencePage(OperatorLink& link, const protocol::DirectiveId& id,
                                                 const std::string& after, int timeout_ms) {
  Bytes request = protocol::EncodeUnsigned(protocol::MessageType::kEvidenceRequest,
                                           protocol::EncodeEvidenceRequest({id, after}));
  TOCSIN_ASSIGN_OR_RETURN(auto reply, link.Request(request, timeout_ms));
  if (reply.first.type != protocol::MessageType::kEvidence) {
    return MakeError(ErrorCode::kMalformedMessage, "the gateway answered with something else");
  }
  return protocol::DecodeEvidencePage(reply.first.body);
}

Result<protocol::VerifiedDirective> FetchVerifiedDirective(Session& session,
                                                           const DirectiveOptions& options,
                                                           const protocol::DirectiveId& id) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes wire, FetchStoredDirective(*session.link, id, options.timeout_ms));
  std::string what = "directive " + HexEncode(id) + " as the gateway returned it";
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveHeader claimed, protocol::PeekDirectiveHeader(wire));
  Result<protocol::VerifiedDirective> original = protocol::VerifyDirective(
      wire, *session.directory, {options.gateway, claimed.issued_at, 1});
  if (!original) {
    return WithContext(original.error(), what);
  }
  if (original->header.id != id || !original->complete()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     what + ": another directive, or not every recipient");
  }
  return original;
}

Result<protocol::ProposalReply> FetchProposals(OperatorLink& link,
                                               std::optional<protocol::DirectiveId> id,
                                               int timeout_ms) {
  Bytes request = protocol::EncodeUnsigned(protocol::MessageType::kProposalRequest,
                                           protocol::EncodeProposalRequest({id}));
  TOCSIN_ASSIGN_OR_RETURN(auto reply, link.Request(request, timeout_ms));
  if (reply.first.type != protocol::MessageType::kProposals) {
    return MakeError(ErrorCode::kMalformedMessage, "the gateway answered with something else");
  }
  return protocol::DecodeProposalReply(reply.first.body);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out.empty() ? "-" : out;
}

std::string DescribeProposal(const protocol::ProposalRow& r) {
  return HexEncode(r.id) + "  " + std::string(protocol::SeverityName(r.severity)) + " " +
         std::string(protocol::ActionName(r.action)) + " from " + r.issuer + " to " +
         std::to_string(r.recipient_count) + " agencies: signed by " + JoinNames(r.signers) +
         " (" + std::to_string(r.signers.size()) + " of " + std::to_string(r.required) +
         "); may approve: " + JoinNames(r.cosigners) + "; lapses " + FormatUtc(r.expires_at);
}

void AddGatewayOptions(CLI::App* command, DirectiveOptions& o) {
  command->add_option("--profile", o.profile,
                      "Operator profile (default: $TOCSIN_PROFILE, ~/.config/tocsin/operator.toml, "
                      "/etc/tocsin/operator.toml)");
  command->add_option("--bundle", o.bundle, "Operator key bundle (or `bundle` in the profile)");
  command->add_option("--directory", o.directory,
                      "Published CA folder, public/ (or `directory` in the profile)");
  command->add_option("--gateway", o.gateway, "Gateway principal id (or `gateway` in the profile)");
  command->add_option("--endpoint", o.endpoint,
                      "Gateway operator endpoint, tcp://HOST:PORT, or several processes of the gateway "
                      "separated by commas (or `endpoint` in the profile)");
  command->add_option_function<int>(
      "--timeout-ms",
      [&o](const int& value) {
        o.timeout_ms = value;
        o.timeout_set = true;
      },
      "How long to wait for the gateway (default: the profile's timeout_ms, else 10000)");
  command->add_flag("--json", o.json, "Print the result as JSON");
}

}  // namespace tocsin::tools
