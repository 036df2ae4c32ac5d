// The command grammar: one table of verbs, each with its usage, summary and parse function.
#include "commands/parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "bot/model/time.hpp"
#include "commands/time_spec.hpp"
#include "commands/user_ref.hpp"

namespace scribe::commands {
namespace {

// A parse function returns the command or just the problem; the caller adds the usage.
using verb_result = std::variant<command, std::string>;

struct verb {
    std::string_view name;
    std::string_view usage;    // after "!name"
    std::string_view summary;  // one line for !help
    verb_result (*parse)(std::string_view args, const parse_context& context);
    // Takes a leading `#n` naming the incident (the retro's outcomes, after the close).
    bool names_incident = false;
};

std::string_view trim(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Splits off the first whitespace-separated token.
std::pair<std::string_view, std::string_view> split_first(std::string_view s) {
    s = trim(s);
    const auto end = s.find_first_of(" \t\r\n");
    if (end == std::string_view::npos) return {s, {}};
    return {s.substr(0, end), trim(s.substr(end))};
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<std::int64_t> parse_number(std::string_view token) {
    if (!token.empty() && token[0] == '#') token.remove_prefix(1);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc{} || end != token.data() + token.size() || value <= 0) return std::nullopt;
    return value;
}

// An entry or action item: "5" or "#5" in the channel's incident, "#3/5" or "3/5" in incident 3.
struct item_ref {
    std::int64_t incident = 0;
    std::int64_t number = 0;
};

std::optional<item_ref> parse_item_ref(std::string_view token) {
    if (!token.empty() && token[0] == '#') token.remove_prefix(1);
    const auto slash = token.find('/');
    if (slash == std::string_view::npos) {
        const auto number = parse_number(token);
        if (!number) return std::nullopt;
        return item_ref{0, *number};
    }
    const auto incident = parse_number(token.substr(0, slash));
    const auto number = parse_number(token.substr(slash + 1));
    if (!incident || !number) return std::nullopt;
    return item_ref{*incident, *number};
}

template <class Enum>
std::string one_of() {
    std::string out;
    for (const auto name : model::spellings<Enum>()) {
        if (!out.empty()) out += "|";
        out += name;
    }
    return out;
}

// Text arguments: required, and within the size limit.
std::optional<std::string> check_text(std::string_view text, std::string_view what,
                                      const parse_context& context) {
    if (text.empty()) return "missing " + std::string(what);
    if (text.size() > context.max_text) {
        return std::string(what) + " is " + std::to_string(text.size()) +
               " bytes; the limit is " + std::to_string(context.max_text);
    }
    return std::nullopt;
}

// Splits off a user: a quoted name that may hold spaces ("Ann Lee", “Ann Lee”, 'Ann Lee'), a
// Slack mention whose label may hold spaces (<@U123|ann lee>), or one word.
std::pair<std::string_view, std::string_view> split_user(std::string_view s) {
    s = trim(s);
    static constexpr std::pair<std::string_view, std::string_view> quotes[] = {
        {"\"", "\""}, {"\u201C", "\u201D"}, {"'", "'"}, {"<@", ">"}};
    for (const auto& [open, close] : quotes) {
        if (!s.starts_with(open)) continue;
        const auto end = s.find(close, open.size());
        if (end == std::string_view::npos) break;
        const bool keep_marks = open == "<@";
        const auto token = keep_marks ? s.substr(0, end + close.size())
                                      : trim(s.substr(open.size(), end - open.size()));
        return {token, trim(s.substr(end + close.size()))};
    }
    return split_first(s);
}

// An optional leading time token; `at` stays `now` without one.
std::optional<std::string> take_time(std::string_view& args, const parse_context& context,
                                     cmd::when& at) {
    at = {context.now, {}};
    args = trim(args);
    const auto [first, rest] = split_first(args);
    if (!looks_like_time(first)) return std::nullopt;
    auto resolved = resolve_time(first, context.now, context.zone);
    if (auto* problem = std::get_if<std::string>(&resolved)) return *problem;
    auto& instant = std::get<resolved_time>(resolved);
    at = {instant.at, std::move(instant.note)};
    args = rest;
    return std::nullopt;
}

// A marker command takes nothing but an optional time.
template <class Build>
verb_result marker_with_time(std::string_view args, const parse_context& context, Build build) {
    cmd::when at;
    if (auto problem = take_time(args, context, at)) return *problem;
    if (!args.empty()) return "unexpected '" + std::string(args) + "'; expected only a time";
    return build(at);
}

verb_result parse_declare(std::string_view args, const parse_context& context) {
    args = trim(args);
    model::severity level = context.default_severity;
    const auto last_space = args.find_last_of(" \t");
    const auto last = last_space == std::string_view::npos ? args : args.substr(last_space + 1);
    if (const auto sev = model::parse_enum<model::severity>(last)) {
        level = *sev;
        args = last_space == std::string_view::npos ? std::string_view{}
                                                    : trim(args.substr(0, last_space));
    }
    if (auto problem = check_text(args, "title", context)) return *problem;
    return cmd::declare{std::string(args), level};
}

verb_result parse_title(std::string_view args, const parse_context& context) {
    args = trim(args);
    if (auto problem = check_text(args, "title", context)) return *problem;
    return cmd::title{std::string(args)};
}

verb_result parse_timeline_entry(std::string_view args, const parse_context& context) {
    cmd::when at;
    if (auto problem = take_time(args, context, at)) return *problem;
    if (auto problem = check_text(args, "text", context)) return *problem;
    return cmd::timeline{std::move(at), std::string(args)};
}

verb_result parse_severity(std::string_view args, const parse_context&) {
    args = trim(args);
    std::string token = lowercase(args);
    if (token.rfind("sev", 0) != 0) token = "sev" + token;
    const auto level = model::parse_enum<model::severity>(token);
    if (!level) {
        return args.empty() ? std::string("missing severity")
                            : "'" + std::string(args) + "' is not a severity from 1 to 4";
    }
    return cmd::set_severity{*level};
}

verb_result parse_role(std::string_view args, const parse_context& context) {
    const auto [role, who] = split_first(args);
    if (role.empty()) return std::string("missing role");
    const std::string name = lowercase(role);
    const bool valid = name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                                  c == '_';
                       });
    if (!valid) return "'" + std::string(role) + "' is not a role name (letters, digits, - or _)";
    if (who.empty()) return "missing the person for role " + name;
    const auto [user, extra] = split_user(who);
    if (!extra.empty()) {
        return "unexpected '" + std::string(extra) +
               "' after the person; put a name with spaces in quotes: \"Ann Lee\"";
    }
    auto holder = to_person(user, context);
    if (!holder) return "'" + std::string(user) + "' is not a user";
    return cmd::assign_role{name, *holder};
}

verb_result parse_status(std::string_view args, const parse_context& context) {
    const auto [word, rest] = split_first(args);
    if (word.empty()) return cmd::show{cmd::view::summary, 0};
    const auto to = model::parse_enum<model::phase>(word);
    if (!to) return "'" + std::string(word) + "' is not a phase";
    if (*to == model::phase::closed) return std::string("use !close to close the incident");
    return marker_with_time(rest, context, [&](cmd::when at) -> verb_result {
        return cmd::set_status{*to, std::move(at)};
    });
}

verb_result parse_started(std::string_view args, const parse_context& context) {
    if (trim(args).empty()) return std::string("missing the time impact started");
    return marker_with_time(args, context, [](cmd::when at) -> verb_result {
        return cmd::started{std::move(at)};
    });
}

verb_result parse_detected(std::string_view args, const parse_context& context) {
    model::detection how = model::detection::unknown;
    const auto [first, rest] = split_first(args);
    if (!first.empty() && !looks_like_time(first)) {
        const auto parsed = model::parse_enum<model::detection>(first);
        if (!parsed || *parsed == model::detection::unknown) {
            return "'" + std::string(first) + "' is not a way of detection";
        }
        how = *parsed;
        args = rest;
    }
    return marker_with_time(args, context, [&](cmd::when at) -> verb_result {
        return cmd::detected{how, std::move(at)};
    });
}

template <model::phase To>
verb_result parse_phase_marker(std::string_view args, const parse_context& context) {
    return marker_with_time(args, context, [](cmd::when at) -> verb_result {
        return cmd::set_status{To, std::move(at)};
    });
}

verb_result parse_sitrep(std::string_view args, const parse_context& context) {
    cmd::sitrep report;
    bool any = false;
    std::string_view rest = args;
    while (!rest.empty()) {
        const auto newline = rest.find('\n');
        std::string_view line = trim(rest.substr(0, newline));
        rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
        if (line.empty()) continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return "'" + std::string(line) + "' is not a 'key: value' line";
        }
        const std::string key = lowercase(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (auto problem = check_text(value, key, context)) return *problem;
        if (key == "status") {
            report.status = value;
        } else if (key == "impact") {
            report.impact = value;
        } else if (key == "next") {
            report.next = value;
        } else if (key == "next update" || key == "next_update") {
            report.next_update = parse_span(value);
            if (!report.next_update) {
                return "'" + std::string(value) + "' is not a span like 30m or 1h";
            }
        } else {
            return "unknown SitRep key '" + key + "'";
        }
        any = true;
    }
    if (!any) return std::string("a SitRep needs at least one line");
    return report;
}

verb_result parse_impact(std::string_view args, const parse_context& context) {
    args = trim(args);
    if (auto problem = check_text(args, "impact", context)) return *problem;
    return cmd::impact{std::string(args)};
}

template <class Enum, class Command>
verb_result parse_kind_and_text(std::string_view args, const parse_context& context,
                                bool text_required) {
    const auto [word, text] = split_first(args);
    if (word.empty()) return "missing one of " + one_of<Enum>();
    const auto kind = model::parse_enum<Enum>(word);
    if (!kind) return "'" + std::string(word) + "' is not one of " + one_of<Enum>();
    if (text_required || !text.empty()) {
        if (auto problem = check_text(text, "text", context)) return *problem;
    }
    return Command{*kind, std::string(text)};
}

verb_result parse_cause(std::string_view args, const parse_context& context) {
    return parse_kind_and_text<model::cause_origin, cmd::cause>(args, context, false);
}
verb_result parse_fix(std::string_view args, const parse_context& context) {
    return parse_kind_and_text<model::resolution_type, cmd::fix>(args, context, false);
}
verb_result parse_lesson(std::string_view args, const parse_context& context) {
    return parse_kind_and_text<model::lesson_kind, cmd::lesson>(args, context, true);
}

verb_result parse_why(std::string_view args, const parse_context& context) {
    args = trim(args);
    if (auto problem = check_text(args, "text", context)) return *problem;
    return cmd::why{std::string(args)};
}

verb_result parse_action(std::string_view args, const parse_context& context) {
    const auto [word, numbers] = split_first(args);
    if (lowercase(word) == "done" || lowercase(word) == "reopen") {
        const auto ref = parse_item_ref(numbers);
        if (!ref) return "'" + std::string(numbers) + "' is not an action number like 5 or #3/5";
        return cmd::action_status{ref->number,
                                  lowercase(word) == "done" ? model::action_status::done
                                                            : model::action_status::open,
                                  ref->incident};
    }
    const auto [first, rest] = split_user(args);
    if (first.empty()) return std::string("missing the owner");
    auto owner = to_person(first, context);
    if (!owner) return "'" + std::string(first) + "' is not a user";
    std::string_view text = rest;
    std::optional<std::chrono::year_month_day> due;
    const auto due_at = text.rfind(" due ");
    if (due_at != std::string_view::npos) {
        const auto date_text = trim(text.substr(due_at + 5));
        due = model::parse_date(date_text);
        if (!due) return "'" + std::string(date_text) + "' is not a date like 2026-12-01";
        text = trim(text.substr(0, due_at));
    }
    if (auto problem = check_text(text, "action text", context)) return *problem;
    return cmd::action{*owner, std::string(text), due, 0};
}

bool is_web_url(std::string_view url) {
    const auto lower = lowercase(url.substr(0, 8));
    return (lower.rfind("https://", 0) == 0 && url.size() > 8) ||
           (lower.rfind("http://", 0) == 0 && url.size() > 7);
}

verb_result parse_link(std::string_view args, const parse_context& context) {
    args = trim(args);
    // Slack wraps links as <https://x|label> or <https://x>; the label may hold spaces.
    const bool wrapped = !args.empty() && args.front() == '<' && args.find('>') != args.npos;
    const auto [url, label] = wrapped ? std::pair{args.substr(0, args.find('>') + 1),
                                                  trim(args.substr(args.find('>') + 1))}
                                      : split_first(args);
    std::string url_text(url);
    std::string label_text(label);
    if (wrapped) {
        url_text = url_text.substr(1, url_text.size() - 2);
        if (const auto bar = url_text.find('|'); bar != std::string::npos) {
            if (label_text.empty()) label_text = url_text.substr(bar + 1);
            url_text.resize(bar);
        }
    }
    if (url_text.empty()) return std::string("missing the URL");
    if (!is_web_url(url_text)) return "'" + url_text + "' is not an http(s) URL";
    if (auto problem = check_text(url_text, "URL", context)) return *problem;
    if (label_text.size() > context.max_text) return std::string("label is too long");
    return cmd::link{url_text, label_text};
}

verb_result parse_security(std::string_view args, const parse_context& context) {
    args = trim(args);
    if (auto problem = check_text(args, "text", context)) return *problem;
    return cmd::security{std::string(args)};
}

verb_result parse_dataloss(std::string_view args, const parse_context& context) {
    args = trim(args);
    if (auto problem = check_text(args, "text", context)) return *problem;
    return cmd::dataloss{std::string(args)};
}

verb_result parse_remind(std::string_view args, const parse_context&) {
    const auto word = lowercase(trim(args));
    if (word == "on") return cmd::remind{true};
    if (word == "off") return cmd::remind{false};
    if (word.empty()) return "say on or off";
    return "'" + word + "' is neither on nor off";
}

// The entry an edit or retraction is about, or the problem with the token.
std::variant<item_ref, std::string> entry_ref(std::string_view token) {
    if (token.empty()) return std::string("missing the entry number");
    const auto ref = parse_item_ref(token);
    if (!ref) return "'" + std::string(token) + "' is not an entry number like 5 or #3/5";
    return *ref;
}

verb_result parse_edit(std::string_view args, const parse_context& context) {
    const auto [first, text] = split_first(args);
    const auto ref = entry_ref(first);
    if (const auto* problem = std::get_if<std::string>(&ref)) return *problem;
    if (auto problem = check_text(text, "new text", context)) return *problem;
    const auto& entry = std::get<item_ref>(ref);
    return cmd::edit{entry.number, std::string(text), entry.incident};
}

verb_result parse_retract(std::string_view args, const parse_context&) {
    const auto [first, rest] = split_first(args);
    const auto ref = entry_ref(first);
    if (const auto* problem = std::get_if<std::string>(&ref)) return *problem;
    if (!rest.empty()) return "unexpected '" + std::string(rest) + "'";
    const auto& entry = std::get<item_ref>(ref);
    return cmd::retract{entry.number, entry.incident};
}

template <class Command>
verb_result parse_no_arguments(std::string_view args, const parse_context&) {
    args = trim(args);
    if (!args.empty()) return "unexpected '" + std::string(args) + "'; this takes no arguments";
    return Command{};
}

template <cmd::view What>
verb_result parse_view(std::string_view args, const parse_context&) {
    args = trim(args);
    if (args.empty()) return cmd::show{What, 0};
    const auto id = parse_number(args);
    if (!id) return "'" + std::string(args) + "' is not an incident number";
    return cmd::show{What, *id};
}

verb_result parse_link_room(std::string_view args, const parse_context&) {
    args = trim(args);
    if (args.empty()) return "name the incident to join, e.g. #12";
    if (args.front() == '#') args.remove_prefix(1);
    const auto id = parse_number(args);
    if (!id || *id <= 0) return "'" + std::string(args) + "' is not an incident number";
    return cmd::link_room{*id};
}

verb_result parse_help(std::string_view args, const parse_context& context) {
    auto [verb_name, rest] = split_first(args);
    if (verb_name.starts_with(context.prefix)) verb_name.remove_prefix(context.prefix.size());
    return cmd::help{lowercase(verb_name), context.pin_hint};
}

constexpr std::array verbs{
    verb{"declare", "<title> [sev1|sev2|sev3|sev4]",
         "open an incident in this channel (severity defaults to sev3)", parse_declare},
    verb{"tl", "[-15m|@14:05|@2026-11-21T14:05Z] <text>", "add a timeline entry, now or backdated",
         parse_timeline_entry},
    verb{"sitrep", "\nstatus: <text>\nimpact: <text>\nnext: <text>\nnext update: <30m>",
         "post a SitRep (any of the lines, in any order)", parse_sitrep},
    verb{"sev", "<1-4>", "set the severity", parse_severity},
    verb{"role", "<ic|comms|scribe|facilitator|NAME> <user>", "assign a role", parse_role, true},
    verb{"status", "[investigating|identified|monitoring|mitigated|resolved] [time]",
         "set the phase; without arguments, show the incident", parse_status},
    verb{"started", "<time>", "mark when impact began, if before the declaration", parse_started},
    verb{"detected", "[monitoring|customer|internal] [time]", "mark when and how it was detected",
         parse_detected},
    verb{"mitigated", "[time]", "mark when impact was mitigated",
         parse_phase_marker<model::phase::mitigated>},
    verb{"resolved", "[time]", "mark when it was resolved",
         parse_phase_marker<model::phase::resolved>},
    verb{"impact", "<text>", "describe the impact on users", parse_impact, true},
    verb{"cause", "<code-change|infrastructure|external-dependency|config|capacity|other> [text]",
         "note the origin of the fault", parse_cause, true},
    verb{"fix", "<rollback|fix-forward|scaling|config|other> [text]", "note how it was fixed",
         parse_fix, true},
    verb{"why", "<text>", "add the next step of the 5-whys chain", parse_why, true},
    verb{"lesson", "<helped|slowed|differently|learned> <text>", "record a lesson", parse_lesson,
         true},
    verb{"action", "<user> <text> [due YYYY-MM-DD] | done <n> | reopen <n>",
         "add an action item with one owner, or mark one done", parse_action, true},
    verb{"link", "<url> [label]", "add a link (dashboard, log, MR) to the timeline", parse_link},
    verb{"security", "<text>", "flag the incident as security-relevant", parse_security, true},
    verb{"dataloss", "<text>", "record that data was lost: what, how much, can it be restored",
         parse_dataloss, true},
    verb{"remind", "<off|on>", "stop or resume reminders (SitReps due, closing when resolved)",
         parse_remind},
    verb{"title", "<text>", "rename the incident", parse_title, true},
    verb{"edit", "<n> <text>", "correct entry #n (the old text is kept)", parse_edit},
    verb{"retract", "<n>", "withdraw entry #n (it stays visible, struck through)", parse_retract},
    verb{"undo", "", "withdraw your last entry", parse_no_arguments<cmd::undo>},
    verb{"close", "", "close the incident; posts the postmortem draft and retro agenda",
         parse_no_arguments<cmd::close>},
    verb{"reopen", "", "reopen this channel's last closed incident",
         parse_no_arguments<cmd::reopen>},
    verb{"link-room", "#<incident>",
         "feed this room into an open incident declared in another room, on any platform",
         parse_link_room},
    verb{"unlink-room", "", "stop feeding this room into the incident it was linked to",
         parse_no_arguments<cmd::unlink_room>},
    verb{"draft", "[incident]", "show the postmortem draft", parse_view<cmd::view::draft>},
    verb{"agenda", "[incident]", "show the retro agenda", parse_view<cmd::view::agenda>},
    verb{"timeline", "[incident]", "show the timeline", parse_view<cmd::view::timeline>},
    verb{"incident", "[incident]", "show a summary of the incident",
         parse_view<cmd::view::summary>},
    verb{"incidents", "", "list incidents", parse_no_arguments<cmd::list_incidents>},
    verb{"actions", "", "list open action items across incidents",
         parse_no_arguments<cmd::list_actions>},
    verb{"help", "[verb]", "show this help, or one command's", parse_help},
};

const verb* find_verb(std::string_view name) {
    for (const auto& v : verbs) {
        if (v.name == name) return &v;
    }
    return nullptr;
}

std::string usage_line(const verb& v, std::string_view prefix) {
    std::string line = std::string(prefix) + std::string(v.name);
    if (!v.usage.empty()) {
        if (v.usage.front() != '\n') line += ' ';
        line += v.usage;
    }
    return line;
}

}  // namespace

std::optional<parse_result> parse(std::string_view message, const parse_context& context) {
    message = trim(message);
    if (context.prefix.empty() || message.rfind(context.prefix, 0) != 0) return std::nullopt;
    message.remove_prefix(context.prefix.size());
    // The verb ends at the first space or line break; the rest is the verb's to read.
    const auto end = message.find_first_of(" \t\r\n");
    const std::string name = lowercase(message.substr(0, end));
    const std::string_view args =
        end == std::string_view::npos ? std::string_view{} : message.substr(end);
    if (name.empty()) return std::nullopt;  // a lone "!" is punctuation, not a command
    const verb* v = find_verb(name);
    if (v == nullptr) {
        return parse_error{"unknown command '" + std::string(context.prefix) + name + "'",
                           "type " + context.prefix + "help for the list of commands"};
    }
    std::int64_t incident = 0;
    std::string_view rest = args;
    if (v->names_incident) {
        const auto [first, after] = split_first(args);
        if (first.size() > 1 && first[0] == '#' && first.find('/') == std::string_view::npos) {
            const auto number = parse_number(first);
            if (!number) {
                return parse_error{"'" + std::string(first) + "' is not an incident number",
                                   "usage: " + usage_line(*v, context.prefix)};
            }
            incident = *number;
            rest = after;
        }
    }
    auto result = v->parse(rest, context);
    if (auto* problem = std::get_if<std::string>(&result)) {
        return parse_error{std::move(*problem), "usage: " + usage_line(*v, context.prefix)};
    }
    auto parsed = std::get<command>(std::move(result));
    if (incident != 0) {
        std::visit(
            [incident](auto& c) {
                if constexpr (requires { c.incident; }) c.incident = incident;
            },
            parsed);
    }
    return parsed;
}

std::string usage_of(std::string_view verb_name, std::string_view prefix) {
    const verb* v = find_verb(verb_name);
    return v ? usage_line(*v, prefix) : std::string();
}

std::string help_text(std::string_view verb_name, std::string_view prefix,
                      std::string_view pin_hint) {
    const std::string pfx(prefix);
    if (!verb_name.empty()) {
        const verb* v = find_verb(verb_name);
        if (!v) {
            return "unknown command '" + std::string(verb_name) + "'; type " + pfx +
                   "help for the list";
        }
        std::string out = usage_line(*v, prefix) + "\n  " + std::string(v->summary);
        if (v->name == "tl" || v->usage.find("time") != std::string_view::npos) {
            out +=
                "\n  times: -15m, -2h, -90s (ago), @14:05 (today, or yesterday if later than "
                "now), @2026-11-21T14:05Z; at most 30 days back";
        }
        if (v->names_incident) {
            out += "\n  after " + pfx + "close it still records into the channel's last "
                   "incident; name another first: " + usage_line(*v, prefix).insert(
                       pfx.size() + v->name.size(), " #12");
        }
        return out;
    }
    std::string out = "Scribe keeps the incident timeline. Commands:\n";
    for (const auto& v : verbs) {
        const std::string line = usage_line(v, prefix);
        const auto first_line = line.substr(0, line.find('\n'));
        out += "  " + first_line + "\n      " + std::string(v.summary) + "\n";
    }
    out += "After " + pfx + "close, the retro's outcomes (" + pfx + "lesson, " + pfx + "why, " +
           pfx + "action, " + pfx + "impact, " + pfx + "cause, " + pfx + "fix, " + pfx +
           "role, " + pfx + "edit, " + pfx + "retract…) still go to the channel's last "
           "incident, or to the one named first: " + pfx + "lesson #12 helped …";
    if (!pin_hint.empty()) out += "\n" + std::string(pin_hint);
    return out;
}

}  // namespace scribe::commands
