// `quit`: reply {} and let the controller end the loop.
#include "command_context.h"

namespace cabridge {

nlohmann::json runQuit(CommandContext& context, Request& request)
{
    requireOnlyKeys(request.arguments, {});
    context.quitRequested = true;
    return nlohmann::json::object();
}

}  // namespace cabridge
