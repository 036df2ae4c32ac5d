// A team's own postmortem template: the incident as Mustache data (fields in
// docs/templates.md), user text escaped for Markdown, unknown names reported.
#include <kainjow/mustache.hpp>

#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

namespace mustache = kainjow::mustache;
using detail::context;

mustache::data list_of() { return mustache::data(mustache::data::type::list); }

mustache::data object(std::initializer_list<std::pair<const std::string, mustache::data>> fields) {
    mustache::data out;
    for (const auto& [name, value] : fields) out.set(name, value);
    return out;
}

mustache::data text(std::string_view s) { return mustache::data(std::string(s)); }

mustache::data number(std::int64_t n) { return text(std::to_string(n)); }

// Markdown blocks without their final newline, so `{{{block}}}` on a line of its own leaves
// the line's own newline as the only one.
mustache::data block(std::string_view markdown) {
    if (markdown.ends_with('\n')) markdown.remove_suffix(1);
    return text(markdown);
}

mustache::data item_data(const model::text_item& item) {
    return object({{"text", text(item.text)},
                   {"number", number(item.number)},
                   {"by", text(detail::display_name(item.recorded_by))}});
}

mustache::data optional_item(const std::optional<model::text_item>& item) {
    const auto* live = detail::live_item(item);
    return live ? item_data(*live) : mustache::data(false);
}

template <class Item>
mustache::data live_list(const std::vector<Item>& items) {
    auto out = list_of();
    for (const auto* item : detail::live_items(items)) out.push_back(item_data(*item));
    return out;
}

template <class Enum>
mustache::data classification(const std::optional<Enum>& value) {
    if (!value) return mustache::data(false);
    return object(
        {{"spelling", text(model::to_string(*value))}, {"label", text(model::describe(*value))}});
}

mustache::data timeline_data(const context& ctx) {
    const auto& zone = ctx.opts.zone;
    auto out = list_of();
    for (const auto* e : ctx.timeline) {
        auto history = list_of();
        for (const auto& r : e->history) {
            history.push_back(object({{"previous_text", text(r.previous_text)},
                                      {"by", text(detail::display_name(r.by))},
                                      {"at", text(detail::local_date_time(zone, r.at))}}));
        }
        mustache::data retracted(false);
        if (e->retracted) {
            retracted = object({{"by", text(detail::display_name(e->retracted->by))},
                                {"at", text(detail::local_date_time(zone, e->retracted->at))}});
        }
        out.push_back(object({{"number", number(e->number)},
                              {"at", text(detail::local_date_time(zone, e->happened_at))},
                              {"time", text(zone.format_time(e->happened_at))},
                              {"utc", text(model::format_utc(e->happened_at))},
                              {"author", text(detail::display_name(e->author))},
                              {"kind", text(kind_label(e->kind))},
                              {"text", text(e->text)},
                              {"url", text(e->url)},
                              {"permalink", text(e->permalink)},
                              {"markdown", text(detail::entry_markdown(ctx, *e, true))},
                              {"live", mustache::data(detail::is_live(*e))},
                              {"history", history},
                              {"retracted", retracted}}));
    }
    return out;
}

mustache::data sitreps_data(const context& ctx) {
    auto out = list_of();
    for (const auto* s : detail::live_items(ctx.incident.sitreps)) {
        out.push_back(
            object({{"number", number(s->number)},
                    {"at", text(detail::local_date_time(ctx.opts.zone, s->happened_at))},
                    {"by", text(detail::display_name(s->recorded_by))},
                    {"status", text(s->status)},
                    {"impact", text(s->impact)},
                    {"next", text(s->next)},
                    {"next_update", s->next_update ? text(model::format_span(*s->next_update))
                                                   : mustache::data(false)}}));
    }
    return out;
}

mustache::data lessons_data(const context& ctx) {
    const auto lessons = detail::live_items(ctx.incident.lessons);
    mustache::data out;
    for (const auto kind : detail::lesson_kinds) {
        auto items = list_of();
        for (const auto* l : lessons) {
            if (l->kind == kind) items.push_back(item_data(*l));
        }
        out.set(std::string(model::to_string(kind)), items);
    }
    return out;
}

mustache::data actions_data(const context& ctx) {
    auto out = list_of();
    for (const auto* a : detail::live_items(ctx.incident.actions)) {
        out.push_back(object({{"number", number(a->number)},
                              {"text", text(a->text)},
                              {"owner", text(detail::display_name(a->owner))},
                              {"due", a->due ? text(format_date(*a->due)) : mustache::data(false)},
                              {"status", text(model::to_string(a->status))},
                              {"done", mustache::data(a->status == model::action_status::done)}}));
    }
    return out;
}

mustache::data conflicts_data(const context& ctx) {
    auto out = list_of();
    for (const auto& conflict : detail::conflict_texts(ctx)) {
        out.push_back(object({{"text", text(conflict)}}));
    }
    return out;
}

mustache::data whys_data(const context& ctx) {
    auto out = list_of();
    std::int64_t step = 0;
    for (const auto* why : detail::live_items(ctx.incident.whys)) {
        auto data = item_data(*why);
        data.set("step", number(++step));
        out.push_back(data);
    }
    return out;
}

// The markers and metrics go to the top level, where templates read them as {{#mitigated}}.
void add_markers(const context& ctx, mustache::data& out) {
    const auto& inc = ctx.incident;
    const auto& zone = ctx.opts.zone;
    for (const auto& spec : detail::marker_specs) {
        const auto& m = inc.marks.*spec.field;
        const bool is_start = spec.name == "started";
        if (!m && !is_start) {
            out.set(std::string(spec.name), mustache::data(false));
            continue;
        }
        const auto at = is_start ? ctx.start.at : m->at;
        auto marker = object({{"at", text(detail::local_date_time(zone, at))},
                              {"utc", text(model::format_utc(at))}});
        if (is_start) {
            marker.set("declaration",
                       mustache::data(ctx.start.from == model::impact_start::basis::declaration));
            marker.set("basis", text(detail::start_basis(ctx)));
        }
        out.set(std::string(spec.name), marker);
    }
    for (const auto& spec : detail::metric_specs) {
        const auto& value = ctx.metrics.*spec.field;
        out.set(std::string(spec.key),
                value ? object({{"text", text(model::format_span(*value))},
                                {"seconds", number(detail::whole_seconds(*value))}})
                      : mustache::data(false));
    }
}

// The built-in draft's sections, for templates that restyle some and keep the rest.
void add_sections(const context& ctx, mustache::data& out) {
    mustache::data by_key;
    auto in_order = list_of();
    for (const auto& s : detail::postmortem_sections(ctx)) {
        by_key.set(std::string(s.key), block(s.body));
        in_order.push_back(
            object({{"key", text(s.key)}, {"heading", text(s.heading)}, {"body", block(s.body)}}));
    }
    if (!ctx.incident.security_flagged()) by_key.set("security", mustache::data(false));
    out.set("sections", by_key);
    out.set("section_list", in_order);
}

mustache::data template_data(const context& ctx) {
    const auto& inc = ctx.incident;
    const auto& zone = ctx.opts.zone;

    auto roles = list_of();
    for (const auto& [role, holder] : inc.roles) {
        roles.push_back(object({{"role", text(role)},
                                {"label", text(detail::role_label(role))},
                                {"name", text(detail::display_name(holder))}}));
    }
    auto participants = list_of();
    for (const auto& who : inc.participants()) {
        participants.push_back(object({{"name", text(detail::display_name(who))}}));
    }
    const auto actions = detail::live_items(inc.actions);
    const auto open = detail::open_action_count(ctx);

    auto data = object({
        {"id", number(inc.id)},
        {"title", text(detail::display_title(inc))},
        {"severity", text(model::to_string(inc.level))},
        {"severity_label", text(severity_label(inc.level))},
        {"phase", text(model::to_string(inc.current))},
        {"open", mustache::data(inc.is_open())},
        {"zone", text(zone.name())},
        {"generated_at", text(detail::local_date_time(zone, ctx.opts.generated_at))},
        {"generated_at_utc", text(model::format_utc(ctx.opts.generated_at))},
        {"declared_by", text(detail::display_name(inc.declared_by))},
        {"declared_at", text(detail::local_date_time(zone, inc.declared_at))},
        {"origin", classification(detail::origin_of(inc))},
        {"resolution_type", classification(detail::resolution_of(inc))},
        {"detection", classification(detail::detection_of(inc))},
        {"impact", optional_item(inc.impact)},
        {"cause", optional_item(inc.cause)},
        {"resolution", optional_item(inc.resolution)},
        {"roles", roles},
        {"participants", participants},
        {"timeline", timeline_data(ctx)},
        {"sitreps", sitreps_data(ctx)},
        {"whys", whys_data(ctx)},
        {"conflicts", conflicts_data(ctx)},
        {"lessons", lessons_data(ctx)},
        {"actions", actions_data(ctx)},
        {"action_counts",
         object({{"total", number(static_cast<std::int64_t>(actions.size()))},
                 {"open", number(static_cast<std::int64_t>(open))},
                 {"done", number(static_cast<std::int64_t>(actions.size() - open))}})},
        {"security", mustache::data(inc.security_flagged())},
        {"security_notes", live_list(inc.security_notes)},
        {"data_lost", mustache::data(inc.data_lost())},
        {"data_loss_notes", live_list(inc.data_loss_notes)},
        {"front_matter", block(detail::front_matter(ctx))},
    });
    add_markers(ctx, data);
    add_sections(ctx, data);
    return data;
}

// Mustache renders an unknown name as nothing; a typo in a team's template should fail
// loudly instead. Every documented field is always present (false when empty), so a name
// that resolves nowhere is a mistake.
class strict_context : public mustache::context<std::string> {
public:
    using mustache::context<std::string>::context;

    const mustache::data* get(const std::string& name) const override {
        const auto* found = mustache::context<std::string>::get(name);
        if (!found && unknown_.empty()) unknown_ = "unknown field '" + name + "'";
        return found;
    }
    const mustache::data* get_partial(const std::string& name) const override {
        const auto* found = mustache::context<std::string>::get_partial(name);
        if (!found && unknown_.empty()) unknown_ = "unknown partial '" + name + "'";
        return found;
    }
    const std::string& unknown() const { return unknown_; }

private:
    mutable std::string unknown_;  // get() is const in the library's interface
};

}  // namespace

std::string postmortem_from_template(const model::incident& incident, std::string_view tmpl,
                                     const options& opts) {
    mustache::mustache compiled{std::string(tmpl)};
    if (!compiled.is_valid()) throw template_error(compiled.error_message());
    compiled.set_custom_escape([](const std::string& s) { return escape_markdown(s); });

    const auto ctx = detail::make_context(incident, opts);
    const auto data = template_data(ctx);
    strict_context lookup(&data);
    std::string out = compiled.render(lookup);
    if (!compiled.is_valid()) throw template_error(compiled.error_message());
    if (!lookup.unknown().empty()) throw template_error(lookup.unknown());
    return out;
}

}  // namespace scribe::render
