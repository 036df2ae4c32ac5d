// libFuzzer target: any text typed in chat goes through the parser and, when it parses, the
// planner, the confirmation and the bar raiser's review (which reads impact, actions and
// whys), against an open incident. Nothing may crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/model/bar_raiser.hpp"
#include "commands/parser.hpp"
#include "commands/planner.hpp"

namespace {

using namespace scribe;

model::incident sample_incident() {
    const model::person alice{"console", "alice", "Alice"};
    std::vector<model::event> events;
    auto add = [&](model::event_payload data) {
        model::event e;
        e.incident_id = 1;
        e.sequence = static_cast<std::int64_t>(events.size()) + 1;
        e.occurred_at = model::timestamp{std::chrono::milliseconds{1'763'733'600'000}};
        e.recorded_at = e.occurred_at;
        e.actor = alice;
        e.data = std::move(data);
        events.push_back(std::move(e));
    };
    add(model::payload::declared{"Fuzzed", model::severity::sev2});
    add(model::payload::entry_added{model::entry_type::note, "note", {}, {}, {}});
    add(model::payload::action_added{alice, "act", std::nullopt});
    add(model::payload::why_added{"why"});
    return model::fold(events);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const model::incident incident = sample_incident();
    static const model::zone berlin = *model::zone::locate("Europe/Berlin");
    commands::parse_context context;
    context.now = model::timestamp{std::chrono::milliseconds{1'763'737'200'000}};
    context.zone = berlin;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)model::amounts_in(text);
    const auto parsed = commands::parse(text, context);
    if (!parsed) return 0;
    const auto* command = std::get_if<commands::command>(&*parsed);
    if (!command) return 0;
    const commands::message_context message{{"console", "alice", "Alice"},
                                            {"console", "ops", "m1", 0},
                                            context.now,
                                            "!"};
    const auto planned = commands::plan_command(*command, message, {&incident, &incident});
    if (const auto* plan = std::get_if<commands::plan>(&planned)) {
        for (auto e : plan->events) {
            e.sequence = incident.last_sequence + 1;
            model::incident after = incident;
            model::apply(after, e);
            (void)commands::confirmation(e, after, berlin, "!");
            (void)model::review(after, {}, context.now, berlin.local_date(context.now));
        }
    }
    return 0;
}
