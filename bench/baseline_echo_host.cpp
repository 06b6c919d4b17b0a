// Baseline for the cold-start benchmark: the least a native-messaging host can
// do. Reads one framed message and answers one framed message, nothing else.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace {
bool read_all(int fd, void *buf, size_t n) {
    auto *p = static_cast<char *>(buf);
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}
}  // namespace

int main() {
    uint32_t len = 0;
    while (read_all(0, &len, sizeof len)) {
        if (len > 1024 * 1024) return 1;
        std::string body(len, '\0');
        if (!read_all(0, body.data(), len)) return 1;
        const std::string reply = R"({"id":1,"result":{"version":"0","protocol":1}})";
        const uint32_t out = static_cast<uint32_t>(reply.size());
        if (write(1, &out, sizeof out) != sizeof out) return 1;
        if (write(1, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) return 1;
    }
    return 0;
}
