#include "deadline.h"

#include "logger.h"

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace cabridge {
namespace {

struct CallState {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    std::exception_ptr failure;
};

std::function<void(std::string_view)>& replyHook()
{
    static std::function<void(std::string_view)> hook;
    return hook;
}

}  // namespace

bool runWithDeadline(std::chrono::milliseconds limit, std::function<void()> work)
{
    auto state = std::make_shared<CallState>();
    std::thread worker([state, work = std::move(work)] {
        std::exception_ptr failure;
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard lock(state->mutex);
        state->failure = failure;
        state->finished = true;
        state->done.notify_one();
    });
    std::unique_lock lock(state->mutex);
    const bool finished = state->done.wait_for(lock, limit, [&] { return state->finished; });
    lock.unlock();
    if (!finished) {
        worker.detach();
        return false;
    }
    worker.join();
    if (state->failure) {
        std::rethrow_exception(state->failure);
    }
    return true;
}

void setTokenTimeoutReplyHook(std::function<void(std::string_view)> hook)
{
    replyHook() = std::move(hook);
}

void exitAfterTokenTimeout(std::string_view what)
{
    Logger::error(std::string("token call passed its deadline, exiting: ") + std::string(what));
    if (const auto& hook = replyHook()) {
        hook(what);
    }
    Logger::flush();
    ::_exit(kTokenTimeoutExitStatus);
}

}  // namespace cabridge
