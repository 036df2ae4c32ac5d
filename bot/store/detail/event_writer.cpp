// Storing events: idempotency by source key, id and sequence assignment, derived tables.
#include "bot/store/detail/event_writer.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <variant>

#include "bot/model/incident.hpp"
#include "bot/model/time.hpp"
#include "bot/model/trends.hpp"
#include "bot/store/detail/event_rows.hpp"

namespace scribe::store::detail {
namespace {

template <class... Fs>
struct overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

std::string insert_event_sql() {
    return std::string("INSERT INTO events (") + event_columns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
}

std::string select_incident_events_sql() {
    return std::string("SELECT ") + event_columns +
           " FROM events WHERE incident_id = ?1 ORDER BY seq";
}

std::string describe(const model::event& e, std::size_t index) {
    return "event " + std::to_string(index + 1) + " (" + std::string(model::kind_name(e.data)) +
           ")";
}

}  // namespace

template <class Backend>
basic_event_writer<Backend>::basic_event_writer(connection db)
    : db_(std::move(db)),
      transactions_(db_),
      commit_(db_, "commit", "COMMIT"),
      rollback_(db_, "roll back", "ROLLBACK"),
      savepoint_(db_, "begin batch", "SAVEPOINT batch"),
      release_(db_, "end batch", "RELEASE batch"),
      rollback_to_(db_, "roll back batch", "ROLLBACK TO batch"),
      // The last condition repeats the partial index's, so SQLite uses that index.
      find_source_(db_, "look up source key",
                   "SELECT incident_id, seq FROM events WHERE source_platform = ?1 AND "
                   "source_channel = ?2 AND source_message_id = ?3 AND source_part = ?4 AND "
                   "source_message_id <> ''"),
      select_last_sequence_(db_, "look up incident",
                            "SELECT (SELECT max(seq) FROM events WHERE incident_id = ?1) "
                            "FROM incidents WHERE id = ?1"),
      select_max_incident_(db_, "look up last incident",
                           "SELECT coalesce(max(id), 0) FROM incidents"),
      select_kind_(db_, "look up event",
                   "SELECT kind FROM events WHERE incident_id = ?1 AND seq = ?2"),
      select_incident_events_(db_, "load incident", select_incident_events_sql()),
      insert_incident_(db_, "insert incident",
                       "INSERT INTO incidents (id, title, severity, phase, platform, channel, "
                       "declared_at, updated_at, event_count) "
                       "VALUES (?1, ?2, ?3, 'investigating', ?4, ?5, ?6, ?6, 0)"),
      insert_event_(db_, "insert event", insert_event_sql()),
      count_event_(db_, "count event",
                   "UPDATE incidents SET event_count = event_count + 1, updated_at = "
                   "CASE WHEN updated_at > ?2 THEN updated_at ELSE ?2 END WHERE id = ?1"),
      set_title_(db_, "set title", "UPDATE incidents SET title = ?2 WHERE id = ?1"),
      set_severity_(db_, "set severity", "UPDATE incidents SET severity = ?2 WHERE id = ?1"),
      set_phase_(db_, "set phase", "UPDATE incidents SET phase = ?2 WHERE id = ?1"),
      refresh_incident_(
          db_, "refresh incident",
          "UPDATE incidents SET title = ?2, severity = ?3, phase = ?4, platform = ?5, "
          "channel = ?6, declared_at = ?7, "
          "updated_at = (SELECT coalesce(max(recorded_at), 0) FROM events WHERE incident_id = ?1), "
          "event_count = (SELECT count(*) FROM events WHERE incident_id = ?1) WHERE id = ?1"),
      insert_action_(db_, "insert action",
                     "INSERT INTO actions (incident_id, number, owner_platform, owner_id, "
                     "owner_name, text, due, status, retracted, opened_at, done_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
      delete_actions_(db_, "refresh actions", "DELETE FROM actions WHERE incident_id = ?1"),
      save_cursor_(db_, "save cursor",
                   "INSERT INTO cursors (name, value) VALUES (?1, ?2) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
      insert_answer_(db_, "keep owed answer",
                     "INSERT INTO answers_owed (incident_id, platform, channel, message_id, "
                     "reply_to, cause, thread, notes, owner, owed_since) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id"),
      find_answer_(db_, "look up owed answer",
                   "SELECT id FROM answers_owed WHERE platform = ?1 AND channel = ?2 AND "
                   "message_id = ?3 ORDER BY id LIMIT 1"),
      delete_answer_(db_, "settle owed answer", "DELETE FROM answers_owed WHERE id = ?1"),
      link_room_(db_, "link room",
                 "INSERT INTO incident_rooms (incident_id, platform, channel) "
                 "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"),
      unlink_room_(db_, "unlink room",
                   "DELETE FROM incident_rooms WHERE incident_id = ?1 AND platform = ?2 AND "
                   "channel = ?3"),
      delete_rooms_(db_, "refresh rooms", "DELETE FROM incident_rooms WHERE incident_id = ?1"),
      upsert_facts_(db_, "keep incident facts",
                    "INSERT INTO incident_facts (incident_id, detect_ms, mitigate_ms, resolve_ms, "
                    "origin, resolution, detection, security, data_lost) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                    "ON CONFLICT (incident_id) DO UPDATE SET detect_ms = excluded.detect_ms, "
                    "mitigate_ms = excluded.mitigate_ms, resolve_ms = excluded.resolve_ms, "
                    "origin = excluded.origin, resolution = excluded.resolution, "
                    "detection = excluded.detection, security = excluded.security, "
                    "data_lost = excluded.data_lost"),
      select_missing_facts_(db_, "look up incidents without facts",
                            "SELECT id FROM incidents WHERE id NOT IN "
                            "(SELECT incident_id FROM incident_facts) ORDER BY id") {}

template <class Backend>
void basic_event_writer<Backend>::begin() {
    if (transactions_.begin()) forget_cache();
    if (!facts_complete_) fill_missing_facts();
}

template <class Backend>
void basic_event_writer<Backend>::catch_up() {
    try {
        begin();
        commit_.run();
        facts_complete_ = true;
    } catch (const std::exception& e) {
        rollback_quietly();
        forget_cache();
        throw store_error(std::string("cannot bring the incident facts up to date: ") + e.what());
    }
}

template <class Backend>
void basic_event_writer<Backend>::fill_missing_facts() {
    std::vector<std::int64_t> missing;
    {
        auto row = select_missing_facts_.query();
        while (row.next()) missing.push_back(row.int64(0));
    }
    for (const auto id : missing) refresh_from_fold(id);
}

template <class Backend>
std::vector<append_result> basic_event_writer<Backend>::commit(std::span<write_batch> batches,
                                                               std::span<const bookkeeping> after) {
    std::vector<append_result> results(batches.size() + after.size());
    std::string failure;  // why the transaction as a whole failed
    try {
        begin();
        for (std::size_t i = 0; i < batches.size(); ++i) {
            savepoint_.run();
            try {
                results[i].outcomes = store_batch(batches[i].events);
                if (batches[i].answer) {
                    results[i].answer_id =
                        owe(*batches[i].answer, batches[i].events, results[i].outcomes);
                }
                release_.run();
            } catch (const std::exception& e) {
                // Some errors (disk full, I/O) make SQLite roll back the whole transaction,
                // batches stored before this one included.
                if (!db_.in_transaction()) {
                    failure = e.what();
                    break;
                }
                results[i] = {{}, e.what()};
                rollback_to_.run();
                release_.run();
                forget_cache();  // ids and sequences the batch took are free again
            }
        }
        if (failure.empty()) {
            for (const auto& item : after) {
                std::visit(overloaded{[&](const cursor_update& cursor) {
                                          save_cursor_.run(cursor.name, cursor.value);
                                      },
                                      [&](const settled_answers& settled) {
                                          for (const auto id : settled.ids) delete_answer_.run(id);
                                      }},
                           item);
            }
            commit_.run();
            facts_complete_ = true;
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
    if (!failure.empty()) {
        rollback_quietly();
        forget_cache();
        for (auto& result : results) result = {{}, "not stored: " + failure};
    }
    return results;
}

template <class Backend>
std::int64_t basic_event_writer<Backend>::owe(const owed_answer& answer,
                                              const std::vector<model::event>& events,
                                              const std::vector<append_outcome>& outcomes) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].duplicate) continue;
        auto row = insert_answer_.query(outcomes[i].incident_id, answer.answers.platform,
                                        answer.answers.channel, answer.answers.message_id,
                                        answer.reply_to, answer.cause, answer.thread, answer.notes,
                                        answer.owner, to_millis(events[i].recorded_at));
        if (!row.next()) throw store_error("the owed answer was given no id");
        return row.int64(0);
    }
    auto row = find_answer_.query(answer.answers.platform, answer.answers.channel,
                                  answer.answers.message_id);
    return row.next() ? row.int64(0) : 0;
}

template <class Backend>
std::vector<append_outcome> basic_event_writer<Backend>::store_batch(
    std::vector<model::event>& events) {
    std::vector<append_outcome> outcomes;
    outcomes.reserve(events.size());
    std::set<std::int64_t> touched;
    std::int64_t declared_here = 0;  // what incident_id 0 means for the rest of the batch
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto& e = events[i];
        const bool declares =
            e.incident_id == 0 && std::holds_alternative<model::payload::declared>(e.data);
        if (!e.source.message_id.empty()) {
            if (const auto original = find_source(e.source)) {
                outcomes.push_back({original->incident_id, original->sequence, true});
                // A redelivered declaration still names its incident for what follows it.
                if (declares) declared_here = original->incident_id;
                continue;
            }
        }
        if (declares) {
            e.incident_id = allocate_incident(e);
            declared_here = e.incident_id;
        } else if (e.incident_id == 0) {
            if (declared_here == 0) {
                throw std::invalid_argument(describe(e, i) +
                                            " names no incident, and none was declared before "
                                            "it in the batch");
            }
            e.incident_id = declared_here;
        }
        const auto last = last_sequence(e.incident_id);
        if (!last) {
            throw std::invalid_argument(describe(e, i) + " is for incident " +
                                        std::to_string(e.incident_id) + ", which does not exist");
        }
        if (e.sequence == 0) {
            e.sequence = *last + 1;
        } else if (e.sequence <= *last) {
            throw std::invalid_argument(describe(e, i) + ": incident " +
                                        std::to_string(e.incident_id) + " already has event #" +
                                        std::to_string(e.sequence));
        }
        record(e);
        last_sequences_[e.incident_id] = e.sequence;
        touched.insert(e.incident_id);
        outcomes.push_back({e.incident_id, e.sequence, false});
    }
    for (const auto id : touched) write_facts(state_of(id));
    return outcomes;
}

template <class Backend>
std::optional<typename basic_event_writer<Backend>::position>
basic_event_writer<Backend>::find_source(const model::source_key& source) {
    auto row = find_source_.query(source.platform, source.channel, source.message_id, source.part);
    if (!row.next()) return std::nullopt;
    return position{row.int64(0), row.int64(1)};
}

template <class Backend>
std::optional<std::int64_t> basic_event_writer<Backend>::last_sequence(std::int64_t incident_id) {
    if (const auto it = last_sequences_.find(incident_id); it != last_sequences_.end()) {
        return it->second;
    }
    const auto stored = stored_last_sequence(incident_id);
    if (stored) last_sequences_.emplace(incident_id, *stored);
    return stored;
}

template <class Backend>
std::optional<std::int64_t> basic_event_writer<Backend>::stored_last_sequence(
    std::int64_t incident_id) {
    auto row = select_last_sequence_.query(incident_id);
    if (!row.next()) return std::nullopt;
    return row.int64(0);  // NULL, for an incident without events, reads as 0
}

template <class Backend>
std::int64_t basic_event_writer<Backend>::allocate_incident(const model::event& declaration) {
    if (!max_incident_) {
        auto row = select_max_incident_.query();
        max_incident_ = row.next() ? row.int64(0) : 0;
    }
    const std::int64_t id = ++*max_incident_;
    const auto& p = std::get<model::payload::declared>(declaration.data);
    insert_incident_.run(id, p.title, model::to_string(p.level), declaration.source.platform,
                         declaration.source.channel, to_millis(declaration.occurred_at));
    last_sequences_[id] = 0;
    return id;
}

template <class Backend>
void basic_event_writer<Backend>::record(const model::event& e) {
    insert_event(insert_event_, e);
    count_event_.run(e.incident_id, to_millis(e.recorded_at));
    // Before track, which may replace the state with a fold that already holds `e`.
    if (const auto it = states_.find(e.incident_id); it != states_.end()) {
        model::apply(it->second, e);
    }
    track(e);
}

template <class Backend>
const model::incident& basic_event_writer<Backend>::state_of(std::int64_t incident_id) {
    if (const auto it = states_.find(incident_id); it != states_.end()) return it->second;
    constexpr std::size_t most_kept = 256;
    if (states_.size() >= most_kept) states_.clear();
    return states_.emplace(incident_id, model::fold(stored_events(incident_id))).first->second;
}

namespace {

std::optional<std::int64_t> millis_of(const std::optional<model::duration>& d) {
    if (!d) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
}

template <class T>
std::optional<std::string> name_of(const std::optional<T>& value) {
    if (!value) return std::nullopt;
    return std::string(model::to_string(*value));
}

}  // namespace

template <class Backend>
void basic_event_writer<Backend>::write_facts(const model::incident& state) {
    const auto facts = model::facts_of(state);
    upsert_facts_.run(state.id, millis_of(facts.time_to_detect), millis_of(facts.time_to_mitigate),
                      millis_of(facts.time_to_resolve), name_of(facts.origin),
                      name_of(facts.resolution), name_of(facts.detected_by), facts.security ? 1 : 0,
                      facts.data_lost ? 1 : 0);
}

// Mirrors what model::apply does to the columns we keep; the one case that needs the whole
// log (retracting a status change) folds the incident instead.
template <class Backend>
void basic_event_writer<Backend>::track(const model::event& e) {
    const auto id = e.incident_id;
    std::visit(overloaded{
                   [&](const model::payload::title_set& p) { set_title_.run(id, p.title); },
                   [&](const model::payload::severity_changed& p) {
                       set_severity_.run(id, model::to_string(p.level));
                   },
                   [&](const model::payload::status_changed& p) {
                       set_phase_.run(id, model::to_string(p.to));
                   },
                   [&](const model::payload::reopened&) {
                       set_phase_.run(id, model::to_string(model::phase::investigating));
                   },
                   [&](const model::payload::action_added&) { refresh_actions(id); },
                   [&](const model::payload::action_updated&) { refresh_actions(id); },
                   [&](const model::payload::entry_edited& p) {
                       if (state_of(id).find_action(p.target)) refresh_actions(id);
                   },
                   [&](const model::payload::entry_retracted& p) { retract(id, p.target); },
                   [&](const model::payload::room_linked& p) {
                       link_room_.run(id, p.platform, p.channel);
                   },
                   [&](const model::payload::room_unlinked& p) {
                       unlink_room_.run(id, p.platform, p.channel);
                   },
                   [](const auto&) {},
               },
               e.data);
}

template <class Backend>
void basic_event_writer<Backend>::retract(std::int64_t incident_id, std::int64_t target) {
    if (state_of(incident_id).find_action(target)) refresh_actions(incident_id);
    std::string kind;
    {
        auto row = select_kind_.query(incident_id, target);
        if (row.next()) kind = row.text(0);
    }
    // The phase follows the live status entries in order, so withdrawing one means
    // replaying them; retractions of status changes are rare enough to afford it.
    if (kind == "status_changed" || kind == "declared" || kind == "reopened") {
        refresh_from_fold(incident_id);
    }
}

template <class Backend>
void basic_event_writer<Backend>::refresh_from_fold(std::int64_t incident_id) {
    states_.erase(incident_id);
    const auto& state = state_of(incident_id);
    refresh_incident_.run(incident_id, state.title, model::to_string(state.level),
                          model::to_string(state.current), state.channel.platform,
                          state.channel.channel, to_millis(state.declared_at));
    delete_rooms_.run(incident_id);
    for (const auto& room : state.linked_rooms) {
        link_room_.run(incident_id, room.platform, room.channel);
    }
    refresh_actions(incident_id);
    write_facts(state);
}

template <class Backend>
void basic_event_writer<Backend>::refresh_actions(std::int64_t incident_id) {
    delete_actions_.run(incident_id);
    for (const auto& a : state_of(incident_id).actions) {
        const std::optional<std::string> due =
            a.due ? std::optional<std::string>(model::format_date(*a.due)) : std::nullopt;
        std::optional<std::int64_t> done_at;
        if (a.status == model::action_status::done && a.status_changed_at) {
            done_at = to_millis(*a.status_changed_at);
        }
        insert_action_.run(incident_id, a.number, a.owner.platform, a.owner.id, a.owner.name,
                           a.text, due, model::to_string(a.status), a.retracted ? 1 : 0,
                           to_millis(a.recorded_at), done_at);
    }
}

namespace {

std::string stored_name(std::int64_t incident_id, std::int64_t sequence) {
    return "incident " + std::to_string(incident_id) + ", event #" + std::to_string(sequence);
}

// The event as it goes into incident `to`. Keys the bot made from the incident's number
// (reminders) follow it, so they stay that incident's own.
model::event renumbered(model::event e, std::int64_t to) {
    const std::string old_prefix = "reminder:" + std::to_string(e.incident_id) + ":";
    if (e.source.message_id.starts_with(old_prefix)) {
        e.source.message_id = "reminder:" + std::to_string(to) + ":" +
                              e.source.message_id.substr(old_prefix.size());
    }
    e.incident_id = to;
    return e;
}

}  // namespace

template <class Backend>
std::vector<model::event> basic_event_writer<Backend>::stored_events(std::int64_t incident_id) {
    std::vector<model::event> out;
    auto row = select_incident_events_.query(incident_id);
    while (row.next()) out.push_back(event_from_row(row));
    return out;
}

template <class Backend>
std::optional<std::int64_t> basic_event_writer<Backend>::stored_twin(
    const std::vector<model::event>& events, std::size_t declaration) {
    const auto& d = events[declaration];
    const auto conflict = [&](std::int64_t id, std::int64_t seq, const std::string& what) {
        return import_conflict(declaration, stored_name(id, seq),
                               "incident " + std::to_string(d.incident_id) + " (" + what +
                                   ") clashes with the stored " + stored_name(id, seq));
    };
    if (!d.source.message_id.empty()) {
        const auto at = find_source(d.source);
        if (!at) return std::nullopt;
        const auto stored = stored_events(at->incident_id);
        if (at->sequence != 1 || stored.empty() || !same_record(d, stored.front())) {
            throw conflict(at->incident_id, at->sequence,
                           "its declaration has the same source as another event");
        }
        return at->incident_id;
    }
    // Declared by no message (made by hand or by an older Scribe): the same number and the
    // same declaration make it the same incident.
    const auto stored = stored_events(d.incident_id);
    if (!stored.empty() && same_record(d, stored.front())) return d.incident_id;
    return std::nullopt;
}

template <class Backend>
void basic_event_writer<Backend>::import_one(const model::event& e, std::size_t index) {
    if (!e.source.message_id.empty()) {
        if (const auto taken = find_source(e.source)) {
            throw import_conflict(index, stored_name(taken->incident_id, taken->sequence),
                                  "incident " + std::to_string(e.incident_id) + " event #" +
                                      std::to_string(e.sequence) +
                                      " has the same source as the stored " +
                                      stored_name(taken->incident_id, taken->sequence) +
                                      ", which differs");
        }
    }
    insert_event(insert_event_, e);
}

template <class Backend>
import_report basic_event_writer<Backend>::import(const std::vector<model::event>& events,
                                                  bool dry_run) {
    if (const auto problem = check_import(events)) {
        throw store_error("import refused, nothing was imported: event " +
                          std::to_string(problem->event + 1) + ": " + problem->message);
    }
    // Each incident of the file, its events in sequence order.
    std::map<std::int64_t, std::vector<std::size_t>> incidents;
    for (std::size_t i = 0; i < events.size(); ++i) incidents[events[i].incident_id].push_back(i);
    for (auto& [id, indices] : incidents) {
        std::sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
            return events[a].sequence < events[b].sequence;
        });
    }

    import_report report;
    report.dry_run = dry_run;
    try {
        begin();
        auto row = select_max_incident_.query();
        std::int64_t highest = row.next() ? row.int64(0) : 0;
        row.finish();
        const bool restoring = highest == 0;
        for (const auto& [from, indices] : incidents) {
            imported_incident outcome;
            outcome.from = from;
            outcome.title =
                std::get<model::payload::declared>(events[indices.front()].data).title;
            if (const auto twin = stored_twin(events, indices.front())) {
                outcome.to = *twin;
                const auto stored = stored_events(*twin);
                for (const auto index : indices) {
                    const auto& e = events[index];
                    const auto k = static_cast<std::size_t>(e.sequence);
                    if (k <= stored.size()) {
                        if (!same_record(e, stored[k - 1])) {
                            throw import_conflict(
                                index, stored_name(*twin, e.sequence),
                                "incident " + std::to_string(from) + " event #" +
                                    std::to_string(e.sequence) + " differs from the stored " +
                                    stored_name(*twin, e.sequence));
                        }
                        continue;
                    }
                    import_one(renumbered(e, *twin), index);
                    ++outcome.added;
                }
                outcome.what = outcome.added > 0 ? imported_incident::outcome::extended
                                                 : imported_incident::outcome::present;
            } else {
                outcome.to = restoring ? from : ++highest;
                outcome.what = restoring ? imported_incident::outcome::restored
                                         : imported_incident::outcome::renumbered;
                // Filled in by refresh_from_fold once the incident's events are in.
                insert_incident_.run(outcome.to, "", model::to_string(model::severity::sev3), "",
                                     "", std::int64_t{0});
                for (const auto index : indices) import_one(renumbered(events[index], outcome.to), index);
                outcome.added = static_cast<std::int64_t>(indices.size());
            }
            if (outcome.added > 0) refresh_from_fold(outcome.to);
            report.added += outcome.added;
            report.incidents.push_back(std::move(outcome));
        }
        if (dry_run) {
            rollback_.run();
        } else {
            commit_.run();
            facts_complete_ = true;
        }
    } catch (const import_conflict&) {
        rollback_quietly();
        forget_cache();
        throw;
    } catch (const std::exception& e) {
        rollback_quietly();
        forget_cache();
        throw store_error(std::string("import failed, nothing was imported: ") + e.what());
    }
    forget_cache();
    return report;
}

template <class Backend>
void basic_event_writer<Backend>::rollback_quietly() noexcept {
    if (!db_.in_transaction()) return;
    try {
        rollback_.run();
    } catch (const std::exception&) {
        // The error that brought us here is the one reported; an open transaction is rolled
        // back at the latest when the connection closes.
    }
}

template <class Backend>
void basic_event_writer<Backend>::forget_cache() {
    max_incident_.reset();
    last_sequences_.clear();
    states_.clear();
}

template class basic_event_writer<sqlite_backend>;
template class basic_event_writer<postgres_backend>;

}  // namespace scribe::store::detail
