// Deliveries as awaitables: posted to the router's executor, completed on the caller's.
//
// These are plain functions returning the operation, not coroutines: g++ 12 mishandles
// lambdas that capture a coroutine's parameters, and here every lambda captures one.
#include "bot/app/router_port.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace scribe::app {
namespace {

namespace asio = boost::asio;

// An awaitable operation started by `start(handler, args...)`. The handler may be called from
// any thread with its value: the value is posted to the awaiting coroutine's executor. `caller`
// is that executor, for anything else start wants to send there first.
template <class Value, class Start, class... Args>
asio::awaitable<Value> operation(Start start, Args... args) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(Value)>(
        [start = std::move(start)](auto handler, Args... inner) mutable {
            using handler_type = decltype(handler);
            auto shared = std::make_shared<handler_type>(std::move(handler));
            const auto caller = asio::get_associated_executor(*shared);
            auto complete = [shared, caller](Value value) {
                asio::post(caller, [shared, value = std::move(value)]() mutable {
                    std::move (*shared)(std::move(value));
                });
            };
            start(std::move(complete), caller, std::move(inner)...);
        },
        asio::use_awaitable, std::move(args)...);
}

}  // namespace

router_port::router_port(router& r, asio::any_io_executor router_executor,
                         store::event_store& store, asio::any_io_executor reader_executor)
    : router_(r),
      router_executor_(router_executor),
      reader_executor_(reader_executor ? std::move(reader_executor) : router_executor),
      store_(store) {}

asio::awaitable<adapters::delivery_result> router_port::deliver(submission submit,
                                                                reply_sink reply) {
    return operation<adapters::delivery_result>(
        [this](auto complete, asio::any_io_executor caller, submission submit_it,
               reply_sink reply_to) {
            // Replies go back to the caller's executor, in order, and before the outcome:
            // both are posted there, the replies first.
            reply_sink back;
            if (reply_to) {
                back = [caller, reply_to](adapters::outbound_reply r) {
                    asio::post(caller, [reply_to, r = std::move(r)]() mutable {
                        reply_to(std::move(r));
                    });
                };
            }
            router::done_callback done = std::move(complete);
            asio::post(router_executor_,
                       [submit_it = std::move(submit_it), back, done]() { submit_it(back, done); });
        },
        std::move(submit), std::move(reply));
}

asio::awaitable<adapters::delivery_result> router_port::message(adapters::inbound_message m,
                                                                reply_sink reply) {
    auto shared = std::make_shared<adapters::inbound_message>(std::move(m));
    return deliver(
        [this, shared](reply_sink sink, router::done_callback done) {
            router_.handle(std::move(*shared), std::move(sink), std::move(done));
        },
        std::move(reply));
}

asio::awaitable<adapters::delivery_result> router_port::pin(adapters::pin_request p,
                                                            reply_sink reply) {
    auto shared = std::make_shared<adapters::pin_request>(std::move(p));
    return deliver(
        [this, shared](reply_sink sink, router::done_callback done) {
            router_.pin(std::move(*shared), std::move(sink), std::move(done));
        },
        std::move(reply));
}

asio::awaitable<adapters::delivery_result> router_port::unpin(adapters::pin_request p,
                                                              reply_sink reply) {
    auto shared = std::make_shared<adapters::pin_request>(std::move(p));
    return deliver(
        [this, shared](reply_sink sink, router::done_callback done) {
            router_.unpin(std::move(*shared), std::move(sink), std::move(done));
        },
        std::move(reply));
}

asio::awaitable<adapters::delivery_result> router_port::change(adapters::message_change c,
                                                               reply_sink reply) {
    auto shared = std::make_shared<adapters::message_change>(std::move(c));
    return deliver(
        [this, shared](reply_sink sink, router::done_callback done) {
            router_.message_changed(std::move(*shared), std::move(sink), std::move(done));
        },
        std::move(reply));
}

asio::awaitable<adapters::delivery_result> router_port::link_room(adapters::room_link l,
                                                                  reply_sink reply) {
    auto shared = std::make_shared<adapters::room_link>(std::move(l));
    return deliver(
        [this, shared](reply_sink sink, router::done_callback done) {
            router_.link_room(std::move(*shared), std::move(sink), std::move(done));
        },
        std::move(reply));
}

asio::awaitable<std::optional<std::string>> router_port::load_cursor(std::string key) {
    return operation<std::optional<std::string>>(
        [this](auto complete, asio::any_io_executor, std::string name) {
            asio::post(reader_executor_, [this, name = std::move(name), complete]() {
                std::optional<std::string> value;
                try {
                    value = store_.load_cursor(name);
                } catch (const std::exception&) {
                    // Unreadable: start from now, as without a saved position.
                }
                complete(std::move(value));
            });
        },
        std::move(key));
}

asio::awaitable<bool> router_port::save_cursor(std::string key, std::string value) {
    return operation<bool>(
        [this](auto complete, asio::any_io_executor, std::string name, std::string position) {
            store_.save_cursor(std::move(name), std::move(position),
                               [complete](store::append_result r) { complete(r.ok()); });
        },
        std::move(key), std::move(value));
}

asio::awaitable<std::optional<model::timestamp>> router_port::remind(model::timestamp now,
                                                                     bool post_due) {
    return operation<std::optional<model::timestamp>>([this, now, post_due](auto complete,
                                                                            asio::any_io_executor) {
        asio::post(router_executor_,
                   [this, now, post_due, complete]() { router_.remind(now, post_due, complete); });
    });
}

asio::awaitable<bool> router_port::answer_owed(std::set<std::string> reachable,
                                               model::timestamp now) {
    return operation<bool>(
        [this](auto complete, asio::any_io_executor, std::set<std::string> platforms,
               model::timestamp at) {
            asio::post(
                router_executor_, [this, platforms = std::move(platforms), at, complete]() mutable {
                    router_.answer_owed(std::move(platforms), at, [complete] { complete(true); });
                });
        },
        std::move(reachable), now);
}

void router_port::set_reminder_policy(model::reminder_policy policy) {
    asio::post(router_executor_, [this, policy = std::move(policy)]() mutable {
        router_.set_reminder_policy(std::move(policy));
    });
}

}  // namespace scribe::app
