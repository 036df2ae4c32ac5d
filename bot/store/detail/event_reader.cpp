// Reading incidents, their events and the open actions back out of the database.
#include "bot/store/detail/event_reader.hpp"

#include <limits>

#include "bot/store/detail/event_rows.hpp"

namespace scribe::store::detail {
namespace {

std::string select_events_sql(const char* rest) {
    return std::string("SELECT ") + event_columns + " FROM events " + rest;
}

// Declared in the channel ?1/?2, or linked to it.
constexpr const char* in_channel =
    "((platform = ?1 AND channel = ?2) OR id IN (SELECT incident_id FROM incident_rooms "
    "WHERE platform = ?1 AND channel = ?2))";

constexpr const char* summary_columns =
    "SELECT id, title, severity, phase, platform, channel, declared_at, event_count "
    "FROM incidents ";

template <class Enum, class Cursor>
Enum enum_column(const Cursor& row, int column, std::int64_t incident_id) {
    const std::string text = row.text(column);
    const auto value = model::parse_enum<Enum>(text);
    if (!value) {
        throw store_error("incident " + std::to_string(incident_id) + " has an unknown value '" +
                          text + "'");
    }
    return *value;
}

}  // namespace

template <class Backend>
basic_event_reader<Backend>::basic_event_reader(connection db)
    : db_(std::move(db)),
      load_incident_(db_, "load incident",
                     select_events_sql("WHERE incident_id = ?1 ORDER BY seq")),
      open_in_(db_, "find open incident",
               "SELECT id FROM incidents WHERE " + std::string(in_channel) +
                   " AND phase <> 'closed' ORDER BY id DESC LIMIT 1"),
      latest_in_(db_, "find latest incident",
                 "SELECT id FROM incidents WHERE " + std::string(in_channel) +
                     " ORDER BY id DESC LIMIT 1"),
      list_all_(db_, "list incidents", std::string(summary_columns) + "ORDER BY id DESC"),
      list_open_(db_, "list open incidents",
                 std::string(summary_columns) + "WHERE phase <> 'closed' ORDER BY id DESC"),
      open_actions_(db_, "list open actions",
                    "SELECT a.incident_id, i.title, a.number, a.owner_platform, a.owner_id, "
                    "a.owner_name, a.text, a.due FROM actions AS a "
                    "JOIN incidents AS i ON i.id = a.incident_id "
                    "WHERE a.status = 'open' AND a.retracted = 0 "
                    "ORDER BY a.due IS NULL, a.due, a.incident_id, a.number"),
      load_cursor_(db_, "load cursor", "SELECT value FROM cursors WHERE name = ?1"),
      unsent_answers_(db_, "list owed answers",
                      "SELECT id, incident_id, platform, channel, message_id, reply_to, cause, "
                      "thread, notes, owner, owed_since FROM answers_owed "
                      "WHERE (?1 = '' OR platform = ?1) AND owed_since < ?2 "
                      "ORDER BY id LIMIT ?3") {}

template <class Backend>
std::vector<model::event> basic_event_reader<Backend>::load_incident(std::int64_t incident_id) {
    const std::lock_guard lock(mutex_);
    std::vector<model::event> events;
    auto row = load_incident_.query(incident_id);
    while (row.next()) events.push_back(event_from_row(row));
    return events;
}

template <class Backend>
std::optional<std::int64_t> basic_event_reader<Backend>::open_incident_in(
    const model::source_key& channel) {
    return first_id(open_in_, channel);
}

template <class Backend>
std::optional<std::int64_t> basic_event_reader<Backend>::latest_incident_in(
    const model::source_key& channel) {
    return first_id(latest_in_, channel);
}

template <class Backend>
std::optional<std::int64_t> basic_event_reader<Backend>::first_id(
    statement& query, const model::source_key& channel) {
    const std::lock_guard lock(mutex_);
    auto row = query.query(channel.platform, channel.channel);
    if (!row.next()) return std::nullopt;
    return row.int64(0);
}

template <class Backend>
std::optional<std::string> basic_event_reader<Backend>::load_cursor(const std::string& name) {
    const std::lock_guard lock(mutex_);
    auto row = load_cursor_.query(name);
    if (!row.next()) return std::nullopt;
    return row.text(0);
}

template <class Backend>
std::vector<incident_summary> basic_event_reader<Backend>::list_incidents(bool open_only) {
    const std::lock_guard lock(mutex_);
    std::vector<incident_summary> incidents;
    auto row = (open_only ? list_open_ : list_all_).query();
    while (row.next()) {
        incident_summary s;
        s.id = row.int64(0);
        s.title = row.text(1);
        s.level = enum_column<model::severity>(row, 2, s.id);
        s.current = enum_column<model::phase>(row, 3, s.id);
        s.channel = {row.text(4), row.text(5), {}, 0};
        s.declared_at = model::timestamp{model::duration{row.int64(6)}};
        s.event_count = row.int64(7);
        incidents.push_back(std::move(s));
    }
    return incidents;
}

template <class Backend>
std::vector<open_action> basic_event_reader<Backend>::list_open_actions() {
    const std::lock_guard lock(mutex_);
    std::vector<open_action> actions;
    auto row = open_actions_.query();
    while (row.next()) {
        open_action a;
        a.incident_id = row.int64(0);
        a.incident_title = row.text(1);
        a.number = row.int64(2);
        a.owner = {row.text(3), row.text(4), row.text(5)};
        a.text = row.text(6);
        if (!row.is_null(7)) a.due = parse_day(row.text(7));
        actions.push_back(std::move(a));
    }
    return actions;
}

template <class Backend>
std::vector<unsent_answer> basic_event_reader<Backend>::unsent_answers(const owed_filter& filter) {
    const std::lock_guard lock(mutex_);
    std::vector<unsent_answer> answers;
    const std::int64_t before = filter.owed_before ? to_millis(*filter.owed_before)
                                                   : std::numeric_limits<std::int64_t>::max();
    auto row =
        unsent_answers_.query(filter.platform, before, static_cast<std::int64_t>(filter.limit));
    while (row.next()) {
        unsent_answer a;
        a.id = row.int64(0);
        a.incident_id = row.int64(1);
        a.answer.answers = {row.text(2), row.text(3), row.text(4), 0};
        a.answer.reply_to = row.text(5);
        a.answer.cause = row.text(6);
        a.answer.thread = row.text(7);
        a.answer.notes = row.text(8);
        a.answer.owner = row.text(9);
        a.owed_since = model::timestamp{model::duration{row.int64(10)}};
        answers.push_back(std::move(a));
    }
    return answers;
}

template <class Backend>
void basic_event_reader<Backend>::for_each_event(
    const std::function<void(const model::event&)>& visit) {
    auto export_db = Backend::another(db_);
    statement all(export_db, "export events", select_events_sql("ORDER BY incident_id, seq"));
    auto row = all.query();
    while (row.next()) visit(event_from_row(row));
}

template class basic_event_reader<sqlite_backend>;
template class basic_event_reader<postgres_backend>;

}  // namespace scribe::store::detail
