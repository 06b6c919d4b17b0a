// `quit`: reply {} and let the controller end the loop.
#include "host_commands.h"

namespace cabridge {

void runQuit(const Request& request)
{
    requireOnlyKeys(request.arguments, {});
}

}  // namespace cabridge
