#include "policies/policy_file.h"

#include <regex>
#include <set>

#include <toml++/toml.h>

#include "common/principal.h"
#include "protocol/messages.h"

namespace tocsin::policies {
namespace {

// E.164: a plus and 8 to 15 digits, the first not 0.
const std::regex& PhonePattern() {
  static const std::regex pattern(R"(\+[1-9][0-9]{7,14})");
  return pattern;
}

constexpr int kMaxRepeat = 20;

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  tl::unexpected<Error> Fail(const toml::node* node, const std::string& field,
                             const std::string& why) const {
    std::string line = node != nullptr ? std::to_string(node->source().begin.line) : "?";
    return MakeError(ErrorCode::kInvalidArgument, path_ + ":" + line + ": " + field + ": " + why);
  }

  tl::unexpected<Error> FailAt(int line, const std::string& field, const std::string& why) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     path_ + ":" + std::to_string(line) + ": " + field + ": " + why);
  }

  // Refuses keys other than `allowed`.
  Status OnlyKeys(const toml::table& table, const std::string& where,
                  std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        return Fail(&node, where + std::string(key.str()), "unknown setting");
      }
    }
    return {};
  }

  Result<std::string> Text(const toml::table& table, const std::string& where,
                           std::string_view key, bool required) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (required) {
        return Fail(&table, where + std::string(key), "required");
      }
      return std::string();
    }
    std::optional<std::string> value = node->value<std::string>();
    if (!node->is_string() || !value || value->empty()) {
      return Fail(node, where + std::string(key), "must be a non-empty string");
    }
    return *value;
  }

  Result<UnixMillis> Duration(const toml::table& table, const std::string& where,
                              std::string_view key, bool required) const {
    TOCSIN_ASSIGN_OR_RETURN(std::string text, Text(table, where, key, required));
    if (text.empty()) {
      return UnixMillis{0};
    }
    Result<UnixMillis> value = ParseDuration(text);
    if (!value) {
      return Fail(table.get(key), where + std::string(key), value.error().context);
    }
    return *value;
  }

  Result<Contact> ReadContact(const toml::node& node, const std::string& where) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Fail(&node, where, "must be a table { name, phone, email }");
    }
    TOCSIN_RETURN_IF_ERROR(OnlyKeys(*table, where + ".", {"name", "phone", "email"}));
    Contact c;
    TOCSIN_ASSIGN_OR_RETURN(c.name, Text(*table, where + ".", "name", true));
    TOCSIN_ASSIGN_OR_RETURN(c.phone, Text(*table, where + ".", "phone", false));
    TOCSIN_ASSIGN_OR_RETURN(c.email, Text(*table, where + ".", "email", false));
    static const std::regex& kPhone = PhonePattern();
    static const std::regex kEmail(R"([^@\s,;<>"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
    if (!c.phone.empty() && !std::regex_match(c.phone, kPhone)) {
      return Fail(table->get("phone"), where + ".phone", "must be E.164: + and 8 to 15 digits");
    }
    if (!c.email.empty() && !std::regex_match(c.email, kEmail)) {
      return Fail(table->get("email"), where + ".email", "is not an e-mail address");
    }
    if (c.phone.empty() && c.email.empty()) {
      return Fail(table, where, "needs a phone, an e-mail address, or both");
    }
    return c;
  }

  Result<Step> ReadStep(const toml::node& node, const std::string& where) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Fail(&node, where, "must be a table { after, unless, do, to, repeat, every }");
    }
    std::string prefix = where + ".";
    TOCSIN_RETURN_IF_ERROR(OnlyKeys(*table, prefix, {"after", "unless", "do", "to", "repeat", "every"}));
    Step step;
    step.line = static_cast<int>(node.source().begin.line);
    TOCSIN_ASSIGN_OR_RETURN(step.after, Duration(*table, prefix, "after", true));
    TOCSIN_ASSIGN_OR_RETURN(std::string unless, Text(*table, prefix, "unless", false));
    if (unless == "delivered") {
      step.unless = Unless::kDelivered;
    } else if (unless.empty() || unless == "acknowledged") {
      step.unless = Unless::kAcknowledged;
    } else {
      return Fail(table->get("unless"), prefix + "unless", "must be delivered or acknowledged");
    }
    TOCSIN_ASSIGN_OR_RETURN(std::string action, Text(*table, prefix, "do", true));
    static const std::map<std::string, Action> kActions = {{"resend", Action::kResend},
                                                           {"sms", Action::kSms},
                                                           {"email", Action::kEmail},
                                                           {"crisis-cell", Action::kCrisisCell}};
    auto found = kActions.find(action);
    if (found == kActions.end()) {
      return Fail(table->get("do"), prefix + "do", "must be resend, sms, email or crisis-cell");
    }
    step.action = found->second;
    TOCSIN_ASSIGN_OR_RETURN(std::string to, Text(*table, prefix, "to", false));
    bool contacts = step.action == Action::kSms || step.action == Action::kEmail;
    if (!to.empty() && !contacts) {
      return Fail(table->get("to"), prefix + "to", "only sms and email steps address contacts");
    }
    if (to == "deputy") {
      step.to = Recipients::kDeputy;
    } else if (to == "both") {
      step.to = Recipients::kBoth;
    } else if (!to.empty() && to != "duty_officer") {
      return Fail(table->get("to"), prefix + "to", "must be duty_officer, deputy or both");
    }
    if (const toml::node* repeat = table->get("repeat")) {
      std::optional<std::int64_t> n = repeat->value<std::int64_t>();
      if (!repeat->is_integer() || !n || *n < 1 || *n > kMaxRepeat) {
        return Fail(repeat, prefix + "repeat", "must be an integer from 1 to 20");
      }
      step.repeat = static_cast<int>(*n);
    }
    TOCSIN_ASSIGN_OR_RETURN(step.every, Duration(*table, prefix, "every", step.repeat > 1));
    if (step.repeat == 1 && step.every != 0) {
      return Fail(table->get("every"), prefix + "every", "only with repeat > 1");
    }
    return step;
  }

  Result<Rule> ReadRule(const toml::table& table, const std::string& where) const {
    std::string prefix = where + ".";
    TOCSIN_RETURN_IF_ERROR(OnlyKeys(table, prefix, {"severity", "sectors", "ack_within", "steps"}));
    Rule rule;
    rule.line = static_cast<int>(table.source().begin.line);
    TOCSIN_ASSIGN_OR_RETURN(std::string severity, Text(table, prefix, "severity", true));
    std::optional<protocol::Severity> parsed = protocol::ParseSeverity(severity);
    if (!parsed) {
      return Fail(table.get("severity"), prefix + "severity",
                  "must be low, moderate, high or critical");
    }
    rule.severity = static_cast<int>(*parsed);
    if (const toml::node* sectors = table.get("sectors")) {
      const toml::array* list = sectors->as_array();
      if (list == nullptr || list->empty()) {
        return Fail(sectors, prefix + "sectors", "must be a non-empty array of sector names");
      }
      for (const toml::node& s : *list) {
        std::optional<std::string> name = s.value<std::string>();
        if (!s.is_string() || !name || !ValidatePrincipalId(*name)) {
          return Fail(&s, prefix + "sectors", "sector names use [a-z0-9.-]");
        }
        rule.sectors.push_back(*name);
      }
    }
    TOCSIN_ASSIGN_OR_RETURN(rule.ack_within, Duration(table, prefix, "ack_within", true));
    const toml::array* steps = table.get_as<toml::array>("steps");
    if (steps == nullptr || steps->empty()) {
      return Fail(table.get("steps") ? table.get("steps") : &table, prefix + "steps",
                  "an ordered, non-empty array of steps is required");
    }
    for (std::size_t i = 0; i < steps->size(); ++i) {
      std::string at = prefix + "steps[" + std::to_string(i) + "]";
      TOCSIN_ASSIGN_OR_RETURN(Step step, ReadStep(*steps->get(i), at));
      if (!rule.steps.empty() && step.after < rule.steps.back().after) {
        return Fail(steps->get(i), at + ".after", "steps must be in the order they fall due");
      }
      rule.steps.push_back(step);
    }
    return rule;
  }

 private:
  std::string path_;
};

// Checks what no single table can: every contact a step needs exists. A step
// "to both" reaches the deputy where there is one; "to deputy" needs one.
Status CheckReachable(const Policy& policy, const Reader& reader) {
  std::set<std::pair<int, std::string>> seen;
  for (const Rule& rule : policy.rules) {
    for (const std::string& sector : rule.sectors.empty() ? std::vector<std::string>{""}
                                                          : rule.sectors) {
      if (!seen.insert({rule.severity, sector}).second) {
        return reader.FailAt(rule.line, "rule", "a second rule for the same severity and sector");
      }
    }
    for (const Step& step : rule.steps) {
      bool sms = step.action == Action::kSms;
      if (step.action == Action::kCrisisCell || step.action == Action::kResend) {
        continue;
      }
      for (const auto& [agency, contacts] : policy.contacts) {
        for (const Contact& c : StepContacts(policy, step, agency)) {
          if ((sms ? c.phone : c.email).empty()) {
            return reader.FailAt(step.line, "step",
                                 std::string(sms ? "sms" : "e-mail") + " to " + agency + "'s " +
                                     c.name + ", who has no " + (sms ? "phone" : "e-mail address"));
          }
        }
        if (step.to == Recipients::kDeputy && !contacts.deputy) {
          return reader.FailAt(step.line, "step", "to deputy, but " + agency + " has no deputy");
        }
      }
    }
  }
  return {};
}

}  // namespace

namespace {

Result<Policy> ReadPolicy(const toml::table& root, const std::string& path);

tl::unexpected<Error> ParseFailure(const std::string& path, const toml::parse_error& e) {
  return MakeError(ErrorCode::kInvalidArgument, path + ":" + std::to_string(e.source().begin.line) +
                                                    ": " + std::string(e.description()));
}

}  // namespace

Result<Policy> LoadPolicy(const std::string& path) {
  try {
    return ReadPolicy(toml::parse_file(path), path);
  } catch (const toml::parse_error& e) {
    return ParseFailure(path, e);
  }
}

Result<Policy> ParsePolicy(std::string_view text, const std::string& origin) {
  try {
    return ReadPolicy(toml::parse(text, origin), origin);
  } catch (const toml::parse_error& e) {
    return ParseFailure(origin, e);
  }
}

namespace {

Result<Policy> ReadPolicy(const toml::table& root, const std::string& path) {
  Reader reader(path);
  TOCSIN_RETURN_IF_ERROR(
      reader.OnlyKeys(root, "", {"crisis_cell", "contacts", "rule", "sms_reply_number"}));
  Policy policy;
  policy.source = path;
  TOCSIN_ASSIGN_OR_RETURN(policy.sms_reply_number,
                          reader.Text(root, "", "sms_reply_number", false));
  if (!policy.sms_reply_number.empty() &&
      !std::regex_match(policy.sms_reply_number, PhonePattern())) {
    return reader.Fail(root.get("sms_reply_number"), "sms_reply_number",
                       "must be E.164: + and 8 to 15 digits");
  }
  const toml::node* cell = root.get("crisis_cell");
  if (cell == nullptr) {
    return reader.Fail(&root, "crisis_cell", "required: the centre's own duty desk");
  }
  TOCSIN_ASSIGN_OR_RETURN(policy.crisis_cell, reader.ReadContact(*cell, "crisis_cell"));
  if (const toml::table* contacts = root.get_as<toml::table>("contacts")) {
    for (const auto& [key, node] : *contacts) {
      std::string agency(key.str());
      std::string where = "contacts." + agency;
      if (!ValidatePrincipalId(agency) || !node.is_table()) {
        return reader.Fail(&node, where, "must be a table named after an agency id");
      }
      const toml::table& table = *node.as_table();
      TOCSIN_RETURN_IF_ERROR(reader.OnlyKeys(table, where + ".", {"duty_officer", "deputy"}));
      AgencyContacts c;
      const toml::node* duty = table.get("duty_officer");
      if (duty == nullptr) {
        return reader.Fail(&node, where + ".duty_officer", "required");
      }
      TOCSIN_ASSIGN_OR_RETURN(c.duty_officer, reader.ReadContact(*duty, where + ".duty_officer"));
      if (const toml::node* deputy = table.get("deputy")) {
        TOCSIN_ASSIGN_OR_RETURN(c.deputy, reader.ReadContact(*deputy, where + ".deputy"));
      }
      policy.contacts[agency] = std::move(c);
    }
  }
  const toml::array* rules = root.get_as<toml::array>("rule");
  if (rules == nullptr || rules->empty()) {
    return reader.Fail(&root, "rule", "at least one [[rule]] is required");
  }
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const toml::table* table = rules->get(i)->as_table();
    std::string where = "rule[" + std::to_string(i) + "]";
    if (table == nullptr) {
      return reader.Fail(rules->get(i), where, "must be a table");
    }
    TOCSIN_ASSIGN_OR_RETURN(Rule rule, reader.ReadRule(*table, where));
    policy.rules.push_back(std::move(rule));
  }
  TOCSIN_RETURN_IF_ERROR(CheckReachable(policy, reader));
  return policy;
}

}  // namespace
}  // namespace tocsin::policies
