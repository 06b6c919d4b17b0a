// Benchmark driver: runs cabridge-host and a baseline program alternately in the
// same invocation and reports medians and their ratio, so the figures compare
// like with like on whatever machine runs them. Not a test: nothing asserts.
//
//   bench-driver cold   N  -- HOST_CMD... -- BASELINE_CMD...   request file via $BENCH_REQUEST
//   bench-driver warm   N  REQUEST_FILE -- HOST_CMD...          per-request latency on one host
//
// "warm" also reports the host's CPU time per request (all its threads, from
// /proc/PID/task/*/schedstat, between the end of the warm-up request and the last
// reply): on a shared machine wall time mostly measures the other work.
//
// "cold": spawn, send one framed request (baseline programs that read no stdin
// just ignore it), read until the first reply (or EOF for the baseline), time
// spawn->reply; peak RSS of the child from wait4().
#include <sys/resource.h>
#include <sys/wait.h>
#include <poll.h>
#include <spawn.h>
#include <unistd.h>

#include <cabridge/test_support/native_messaging.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

extern char **environ;

namespace {
using Clock = std::chrono::steady_clock;

struct Child {
    pid_t pid = -1;
    int in = -1;   // we write
    int out = -1;  // we read
};

Child spawn(const std::vector<std::string> &cmd) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    posix_spawn_file_actions_addclose(&fa, to_child[1]);
    posix_spawn_file_actions_addclose(&fa, from_child[0]);
    std::vector<char *> argv;
    argv.reserve(cmd.size() + 1);
    for (const auto &s : cmd) argv.push_back(const_cast<char *>(s.c_str()));
    argv.push_back(nullptr);
    Child c;
    if (posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0)
        throw std::runtime_error("spawn " + cmd[0]);
    posix_spawn_file_actions_destroy(&fa);
    close(to_child[0]);
    close(from_child[1]);
    c.in = to_child[1];
    c.out = from_child[0];
    return c;
}

void write_frame(int fd, const std::string &body) {
    if (!cabridge::test_support::writeAll(fd, cabridge::test_support::frame(body))) throw std::runtime_error("write");
}

// Reads one framed reply (waiting 30 s at most); returns its body.
std::string read_frame(int fd) {
    using cabridge::test_support::FrameRead;
    FrameRead read = cabridge::test_support::readFrame(fd, Clock::now() + std::chrono::seconds(30));
    if (read.outcome != FrameRead::Outcome::message) throw std::runtime_error(describe(read.outcome));
    return std::move(read.body);
}

std::string read_to_eof(int fd) {
    std::string all;
    char buf[4096];
    for (;;) {
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, 30000) <= 0) throw std::runtime_error("timeout reading output");
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) break;
        all.append(buf, static_cast<size_t>(r));
    }
    return all;
}

struct Sample {
    double ms;
    long rss_kb;
};

Sample run_cold(const std::vector<std::string> &cmd, const std::string &request, bool framed_reply) {
    auto t0 = Clock::now();
    Child c = spawn(cmd);
    // A baseline that reads no stdin may be gone before the request is written (EPIPE): fine.
    if (!cabridge::test_support::writeAll(c.in, cabridge::test_support::frame(request)) && framed_reply)
        throw std::runtime_error("write");
    std::string reply = framed_reply ? read_frame(c.out) : read_to_eof(c.out);
    auto t1 = Clock::now();
    close(c.in);
    if (framed_reply) read_to_eof(c.out);
    close(c.out);
    int status = 0;
    rusage ru{};
    wait4(c.pid, &status, 0, &ru);
    if (reply.find("\"error\"") != std::string::npos) throw std::runtime_error("error reply: " + reply);
    return {std::chrono::duration<double, std::milli>(t1 - t0).count(), ru.ru_maxrss};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::string slurp(const std::string &path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(f), {}};
}

int cold(int n, const std::vector<std::string> &host, const std::vector<std::string> &base) {
    const char *req_path = std::getenv("BENCH_REQUEST");
    if (req_path == nullptr) throw std::runtime_error("BENCH_REQUEST not set");
    std::string request = slurp(req_path);
    const bool base_framed = std::getenv("BENCH_BASELINE_RAW") == nullptr;
    std::vector<double> h, b;
    long h_rss = 0, b_rss = 0;
    // One warm-up each (page cache, dynamic loader caches), then alternate so
    // drift in machine load hits both sides alike.
    run_cold(host, request, true);
    run_cold(base, request, base_framed);
    for (int i = 0; i < n; ++i) {
        Sample s = run_cold(host, request, true);
        h.push_back(s.ms);
        h_rss = std::max(h_rss, s.rss_kb);
        Sample t = run_cold(base, request, base_framed);
        b.push_back(t.ms);
        b_rss = std::max(b_rss, t.rss_kb);
    }
    std::printf(
        "{\"runs\":%d,\"host\":{\"median_ms\":%.3f,\"p90_ms\":%.3f,\"peak_rss_kb\":%ld},"
        "\"baseline\":{\"median_ms\":%.3f,\"p90_ms\":%.3f,\"peak_rss_kb\":%ld},\"ratio\":%.3f}\n",
        n, median(h), percentile(h, 0.9), h_rss, median(b), percentile(b, 0.9), b_rss, median(h) / median(b));
    return 0;
}

// Nanoseconds process `pid` has spent on a CPU, summed over its live threads.
std::uint64_t cpu_ns(pid_t pid) {
    std::uint64_t total = 0;
    for (const auto &task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream f(task.path() / "schedstat");
        std::uint64_t on_cpu = 0;
        if (f >> on_cpu) total += on_cpu;
    }
    return total;
}

int warm(int n, const std::string &request_file, const std::vector<std::string> &host) {
    std::string request = slurp(request_file);
    Child c = spawn(host);
    std::vector<double> h;
    std::uint64_t cpu0 = 0;
    std::uint64_t cpu1 = 0;
    for (int i = 0; i < n + 1; ++i) {
        auto t0 = Clock::now();
        write_frame(c.in, request);
        std::string reply = read_frame(c.out);
        auto t1 = Clock::now();
        if (reply.find("\"error\"") != std::string::npos) throw std::runtime_error("error reply: " + reply);
        if (i > 0) h.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());  // first = warm-up
        (i == 0 ? cpu0 : cpu1) = cpu_ns(c.pid);
    }
    close(c.in);
    read_to_eof(c.out);
    int status = 0;
    rusage ru{};
    wait4(c.pid, &status, 0, &ru);
    std::printf(
        "{\"runs\":%d,\"host\":{\"median_ms\":%.3f,\"p90_ms\":%.3f,\"cpu_ms_per_request\":%.3f,"
        "\"peak_rss_kb\":%ld,\"samples_ms\":[",
        n, median(h), percentile(h, 0.9), n > 0 ? static_cast<double>(cpu1 - cpu0) / 1e6 / n : 0.0, ru.ru_maxrss);
    for (std::size_t i = 0; i < h.size(); ++i) std::printf("%s%.3f", i == 0 ? "" : ",", h[i]);
    std::printf("]}}\n");
    return 0;
}
}  // namespace

int main(int argc, char **argv) {
    // Writing to a child that has exited must be an error return, not a fatal signal.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        if (argc < 4) throw std::runtime_error("usage: see the comment at the top of bench_driver.cpp");
        std::string mode = argv[1];
        int n = std::stoi(argv[2]);
        std::vector<std::string> rest(argv + 3, argv + argc);
        if (mode == "cold") {
            auto sep1 = std::find(rest.begin(), rest.end(), "--");
            if (sep1 == rest.end()) throw std::runtime_error("cold needs -- HOST -- BASELINE");
            auto sep2 = std::find(sep1 + 1, rest.end(), "--");
            if (sep2 == rest.end()) throw std::runtime_error("cold needs -- HOST -- BASELINE");
            return cold(n, {sep1 + 1, sep2}, {sep2 + 1, rest.end()});
        }
        if (mode == "warm") {
            if (rest.size() < 3 || rest[1] != "--") throw std::runtime_error("warm needs REQUEST -- HOST");
            return warm(n, rest[0], {rest.begin() + 2, rest.end()});
        }
        throw std::runtime_error("unknown mode " + mode);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench-driver: %s\n", e.what());
        return 1;
    }
}
