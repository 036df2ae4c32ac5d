// Reading incidents, their events and the open actions back out of the database.
#include "bot/store/detail/event_reader.hpp"

#include <limits>
#include <unordered_map>

#include "bot/model/time.hpp"
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

// Live action items; `also` narrows them further.
std::string select_actions_sql(const char* also) {
    return std::string(
               "SELECT a.incident_id, i.title, a.number, a.owner_platform, a.owner_id, "
               "a.owner_name, a.text, a.due, a.status, a.opened_at, a.done_at, "
               "coalesce(f.security, 1) FROM actions AS a "
               "JOIN incidents AS i ON i.id = a.incident_id "
               "LEFT JOIN incident_facts AS f ON f.incident_id = a.incident_id "
               "WHERE a.retracted = 0 ") +
           also + "ORDER BY a.due IS NULL, a.due, a.incident_id, a.number";
}

model::timestamp time_column(std::int64_t millis) {
    return model::timestamp{std::chrono::milliseconds{millis}};
}

template <class Cursor>
std::optional<model::duration> duration_column(const Cursor& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return std::chrono::milliseconds{row.int64(column)};
}

template <class Enum, class Cursor>
std::optional<Enum> optional_enum(const Cursor& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return model::parse_enum<Enum>(row.text(column));
}

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
      all_actions_(db_, "list actions", select_actions_sql("")),
      open_actions_(db_, "list open actions", select_actions_sql("AND a.status = 'open' ")),
      records_(db_, "list incident facts",
               "SELECT i.id, i.title, i.severity, i.phase, i.platform, i.channel, "
               "i.declared_at, i.event_count, f.detect_ms, f.mitigate_ms, f.resolve_ms, "
               "f.origin, f.resolution, f.detection, f.security, f.data_lost "
               "FROM incidents AS i LEFT JOIN incident_facts AS f ON f.incident_id = i.id "
               "ORDER BY i.id DESC"),
      action_dates_(db_, "list action dates",
                    "SELECT incident_id, opened_at, done_at FROM actions "
                    "WHERE retracted = 0 AND opened_at IS NOT NULL ORDER BY incident_id, number"),
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

namespace {

// The first eight columns of summary_columns and of the facts query.
template <class Cursor>
incident_summary summary_from(const Cursor& row) {
    incident_summary s;
    s.id = row.int64(0);
    s.title = row.text(1);
    s.level = enum_column<model::severity>(row, 2, s.id);
    s.current = enum_column<model::phase>(row, 3, s.id);
    s.channel = {row.text(4), row.text(5), {}, 0};
    s.declared_at = time_column(row.int64(6));
    s.event_count = row.int64(7);
    return s;
}

}  // namespace

template <class Backend>
std::vector<incident_summary> basic_event_reader<Backend>::list_incidents(bool open_only) {
    const std::lock_guard lock(mutex_);
    std::vector<incident_summary> incidents;
    auto row = (open_only ? list_open_ : list_all_).query();
    while (row.next()) incidents.push_back(summary_from(row));
    return incidents;
}

template <class Backend>
std::vector<incident_record> basic_event_reader<Backend>::list_incident_records() {
    const std::lock_guard lock(mutex_);
    std::vector<incident_record> records;
    std::unordered_map<std::int64_t, std::size_t> index;  // incident id to its record
    {
        auto row = records_.query();
        while (row.next()) {
            incident_record r;
            r.summary = summary_from(row);
            auto& f = r.facts;
            f.id = r.summary.id;
            f.level = r.summary.level;
            f.declared_at = r.summary.declared_at;
            f.time_to_detect = duration_column(row, 8);
            f.time_to_mitigate = duration_column(row, 9);
            f.time_to_resolve = duration_column(row, 10);
            f.origin = optional_enum<model::cause_origin>(row, 11);
            f.resolution = optional_enum<model::resolution_type>(row, 12);
            f.detected_by = optional_enum<model::detection>(row, 13);
            // Facts not yet kept (a store just upgraded) count as flagged until they are.
            f.security = row.is_null(14) || row.int64(14) != 0;
            f.data_lost = !row.is_null(15) && row.int64(15) != 0;
            index.emplace(f.id, records.size());
            records.push_back(std::move(r));
        }
    }
    auto row = action_dates_.query();
    while (row.next()) {
        const auto it = index.find(row.int64(0));
        if (it == index.end()) continue;
        auto& f = records[it->second].facts;
        f.actions_opened.push_back(time_column(row.int64(1)));
        if (!row.is_null(2)) f.actions_done.push_back(time_column(row.int64(2)));
    }
    return records;
}

template <class Backend>
std::vector<action_row> basic_event_reader<Backend>::list_actions(bool open_only) {
    const std::lock_guard lock(mutex_);
    std::vector<action_row> actions;
    auto row = (open_only ? open_actions_ : all_actions_).query();
    while (row.next()) {
        action_row a;
        a.incident_id = row.int64(0);
        a.incident_title = row.text(1);
        a.number = row.int64(2);
        a.owner = {row.text(3), row.text(4), row.text(5)};
        a.text = row.text(6);
        if (!row.is_null(7)) a.due = model::parse_date(row.text(7));
        a.status = enum_column<model::action_status>(row, 8, a.incident_id);
        if (!row.is_null(9)) a.opened_at = time_column(row.int64(9));
        if (!row.is_null(10)) a.done_at = time_column(row.int64(10));
        a.security = row.int64(11) != 0;
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
