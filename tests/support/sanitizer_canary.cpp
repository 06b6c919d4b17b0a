// A program with one planted sanitizer finding, chosen by argv[1] ("leak", "overflow",
// "ub"); with no argument it does nothing wrong. child_process_test.cpp runs it to prove
// that a report in a child process reaches, and fails, the test that started it.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
void* volatile lostBlock;  // the only pointer to the leaked block, overwritten before exit
}  // namespace

int main(int argc, char** argv)
{
    const char* what = argc > 1 ? argv[1] : "";
    if (std::strcmp(what, "leak") == 0) {
        // NOLINTNEXTLINE(cppcoreguidelines-owning-memory,cppcoreguidelines-no-malloc): the planted leak
        lostBlock = std::malloc(7);
        lostBlock = nullptr;
        return 0;
    }
    if (std::strcmp(what, "overflow") == 0) {
        std::vector<char> bytes(8, 'x');
        const char* volatile data = bytes.data();
        return data[8];  // one past the end: heap-buffer-overflow
    }
    if (std::strcmp(what, "ub") == 0) {
        volatile int big = INT_MAX;
        std::printf("%d\n", big + argc);  // signed overflow
        return 0;
    }
    return 0;
}
