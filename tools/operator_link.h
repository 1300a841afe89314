// tools/operator_link.h -- an operator's CURVE connection to the gateway's
// operator endpoint, and the requests every operator command makes on it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "common/bytes.h"
#include "common/result.h"
#include "common/token_bucket.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "protocol/messages.h"
#include "protocol/proposal.h"
#include "tools/sealing.h"

namespace tocsin::tools {

// One operator's authenticated connection to the gateway's operator endpoint.
class OperatorLink {
 public:
  static Result<std::unique_ptr<OperatorLink>> Open(const pki::PrincipalBundle& bundle,
                                                    pki::CertificateDirectory& directory,
                                                    const DirectiveOptions& options,
                                                    UnixMillis now);

  // Sends `wire` and returns the gateway's reply envelope. Paced below what
  // the gateway reads from one operator (protocol::kOperatorClientPace): a
  // command that asks many questions waits rather than being dropped.
  Result<std::pair<protocol::Envelope, Bytes>> Request(ByteView wire, int timeout_ms);

  // The gateway's next message (an error reply becomes the error).
  Result<std::pair<protocol::Envelope, Bytes>> Receive(int timeout_ms);

 private:
  OperatorLink() = default;
  zmq::context_t context_;  // before the socket: destroyed last
  zmq::socket_t socket_;
  TokenBucket pace_{protocol::kOperatorClientPace};
};

struct Session {
  pki::PrincipalBundle bundle;
  std::unique_ptr<pki::CertificateDirectory> directory;  // certificates valid now
  std::unique_ptr<OperatorLink> link;
};

// Loads the operator's bundle and the CA folder (warning on stderr of a CRL
// about to expire) and connects.
Result<Session> OpenSession(const DirectiveOptions& options, UnixMillis now);

// The CA folder for evidence from the past: certificates as of the time each
// signature carries (what an auditor uses), under the operator's pinned root.
Result<pki::CertificateDirectory> OpenAsOfDirectory(const DirectiveOptions& options,
                                                    const pki::PrincipalBundle& bundle);

Result<std::vector<protocol::StatusRow>> QueryStatus(OperatorLink& link,
                                                     std::optional<protocol::DirectiveId> id,
                                                     int timeout_ms);

// The envelope of directive `id` as the gateway stored it: unverified.
Result<Bytes> FetchStoredDirective(OperatorLink& link, const protocol::DirectiveId& id,
                                   int timeout_ms);

// One page of the signed receipts behind `id`'s status, after `after`.
Result<protocol::EvidencePage> FetchEvidencePage(OperatorLink& link, const protocol::DirectiveId& id,
                                                 const std::string& after, int timeout_ms);

// Directive `id` as the gateway stored it, verified as an agency would as of
// its issuance (its signers' certificates then), with every recipient: what
// a follow-up is addressed from and a co-signer is shown.
Result<protocol::VerifiedDirective> FetchVerifiedDirective(Session& session,
                                                           const DirectiveOptions& options,
                                                           const protocol::DirectiveId& id);

// Every held proposal (nullopt), or one with its envelope and our wrap.
Result<protocol::ProposalReply> FetchProposals(OperatorLink& link,
                                               std::optional<protocol::DirectiveId> id,
                                               int timeout_ms);
// One line for people: id, labels, issuer, who signed, who may approve, when it lapses.
std::string DescribeProposal(const protocol::ProposalRow& row);
std::string JoinNames(const std::vector<std::string>& names);  // "a, b", or "-"

// --bundle, --directory, --gateway, --endpoint, --timeout-ms, --json.
void AddGatewayOptions(CLI::App* command, DirectiveOptions& o);

}  // namespace tocsin::tools
