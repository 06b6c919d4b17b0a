#include "deadline.h"

#include "logger.h"

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
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

// One long-lived thread runs the calls, one at a time: starting a thread per
// call cost more than some calls themselves. A worker stuck past a deadline is
// abandoned (it may never come back) and the next call gets a new one. The
// worker's own shared_ptr keeps this alive for as long as its thread runs, even
// past the end of main.
struct Worker {
    std::mutex mutex;
    std::condition_variable wake;
    std::function<void()> task;  // empty while idle

    static std::shared_ptr<Worker> start()
    {
        auto worker = std::make_shared<Worker>();
        std::thread([worker] { worker->loop(); }).detach();
        return worker;
    }

    void post(std::function<void()> work)
    {
        std::lock_guard lock(mutex);
        task = std::move(work);
        wake.notify_one();
    }

private:
    [[noreturn]] void loop()
    {
        for (;;) {
            std::function<void()> work;
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [this] { return static_cast<bool>(task); });
                work = std::move(task);
                task = nullptr;
            }
            work();  // never throws: runWithDeadline's wrapper catches everything
        }
    }
};

// The idle worker, shared by the calls of this process. Callers are serialized
// by the mutex, so one call at a time uses it, as plugin.h promises plugins.
std::mutex& workerMutex()
{
    static std::mutex mutex;
    return mutex;
}

std::shared_ptr<Worker>& idleWorker()
{
    static std::shared_ptr<Worker> worker;
    return worker;
}

// The watchdog of runUnderWatchdog. Its thread holds a shared_ptr to it, so it outlives
// the statics at exit (its thread is never joined).
class Watchdog {
public:
    static Watchdog& instance()
    {
        static const std::shared_ptr<Watchdog> watchdog = start();
        return *watchdog;
    }

    void arm(std::chrono::milliseconds limit, std::string_view what, const TokenTimeoutAction& onTimeout)
    {
        std::lock_guard lock(mutex_);
        deadline_ = Clock::now() + limit;
        what_.assign(what);
        onTimeout_ = onTimeout;
        armed_ = true;
        if (deadline_ < sleepingUntil_) {
            wake_.notify_one();
        }
    }

    void disarm()
    {
        std::unique_lock lock(mutex_);
        armed_ = false;
        if (fired_) {
            // The call returned just as its deadline passed: the watchdog is replying and
            // ending the process; nothing may be written after its reply.
            lock.unlock();
            for (;;) {
                ::pause();
            }
        }
    }

private:
    using Clock = std::chrono::steady_clock;

    static std::shared_ptr<Watchdog> start()
    {
        auto watchdog = std::make_shared<Watchdog>();
        std::thread([watchdog] { watchdog->loop(); }).detach();
        return watchdog;
    }

    [[noreturn]] void loop()
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (armed_ && Clock::now() >= deadline_) {
                fired_ = true;
                const std::string what = what_;
                const TokenTimeoutAction onTimeout = onTimeout_;
                lock.unlock();
                exitAfterTokenTimeout(what, onTimeout);
            }
            sleepingUntil_ = armed_ ? deadline_ : Clock::time_point::max();
            if (armed_) {
                wake_.wait_until(lock, sleepingUntil_);
            } else {
                wake_.wait(lock);
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool armed_ = false;
    bool fired_ = false;
    Clock::time_point deadline_ {};
    // Until when the watchdog sleeps (max while nothing is armed): an arm() with a later
    // deadline need not wake it, it re-checks when it wakes.
    Clock::time_point sleepingUntil_ = Clock::time_point::max();
    std::string what_;
    TokenTimeoutAction onTimeout_;  // of the armed call
};

}  // namespace

bool runWithDeadline(std::chrono::milliseconds limit, std::function<void()> work)
{
    std::lock_guard serialize(workerMutex());
    auto& worker = idleWorker();
    if (!worker) {
        worker = Worker::start();
    }
    auto state = std::make_shared<CallState>();
    worker->post([state, work = std::move(work)] {
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
        worker.reset();  // abandoned with its call; the next call starts a new worker
        return false;
    }
    if (state->failure) {
        std::rethrow_exception(state->failure);
    }
    return true;
}

void runUnderWatchdog(std::chrono::milliseconds limit, std::string_view what, const TokenTimeoutAction& onTimeout,
                      const std::function<void()>& work)
{
    static std::mutex serialize;
    std::lock_guard serialized(serialize);
    Watchdog& watchdog = Watchdog::instance();
    watchdog.arm(limit, what, onTimeout);
    struct Disarm {
        Watchdog& watchdog;
        ~Disarm() { watchdog.disarm(); }
    } disarmAtEnd {watchdog};
    work();
}

void exitAfterTokenTimeout(std::string_view what, const TokenTimeoutAction& onTimeout)
{
    Logger::error(std::string("token call passed its deadline, exiting: ") + std::string(what));
    if (onTimeout) {
        onTimeout();
    }
    ::_exit(kTokenTimeoutExitStatus);  // every log line is already written (logger.h)
}

}  // namespace cabridge
