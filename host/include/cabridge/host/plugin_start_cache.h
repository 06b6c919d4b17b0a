// What the host remembers of plugin starts, per plugin build (docs/architecture.md "Plugins
// that crash while starting" and "Cold status").
//
// Three facts are kept per plugin identity: whether the build crashed while starting in a probe
// process (then it is never loaded); once it has started cleanly inside a host, what it
// said of itself (name, version, origins); and whether one of its token calls passed its
// deadline or ended the host (TokenFault, docs/architecture.md "One broken vendor"). The second lets `status` answer
// from the record without loading the plugin, OpenSSL or the PKCS#11 middleware: the same build with the same
// configuration and middleware files started before.
#pragma once

#include "plugin_descriptor.h"
#include "plugin_summary.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace cabridge {

// A token call of this plugin build that passed its deadline or that its host died in (a
// crash signal inside the call, token_call_marker.h). Such a build stays loaded but is left out
// of listings of all vendors until a request names it and the call succeeds.
struct TokenFault {
    enum class Kind { NotResponding, Crashed };
    Kind kind = Kind::NotResponding;
    std::string call;    // "list_tokens", "login", ...
    std::string reason;  // for status and the log
};

struct ProbeVerdict {
    bool crashed = false;  // false: safe to load in-process (it may still fail cleanly there)
    std::string reason;    // for status and the log when crashed
    // Set once the build started cleanly inside a host: what it described (id and error unset).
    std::optional<PluginSummary> started;
    std::optional<TokenFault> tokenFault;  // only with `started`
};

// What identifies "this plugin build with this configuration": the host version, the library
// file (device, inode, size, modification time), the descriptor's config, and every regular
// file the config names by absolute path (a vendor's PKCS#11 middleware, updated separately,
// may be what crashes or what declares other origins). Empty when the library cannot be
// examined (the in-process load reports that). No OpenSSL: `status` must not need libcrypto.
std::string pluginIdentity(const PluginDescriptor& descriptor);

// Remembered verdicts, one small JSON file per user (beside the host log). A missing,
// unreadable or malformed file is an empty cache; saving is atomic (write, then rename) and a
// failure to save only means probing again next time.
class ProbeCache {
public:
    explicit ProbeCache(std::filesystem::path file);

    std::optional<ProbeVerdict> find(const std::string& identity);
    void remember(const std::string& identity, const ProbeVerdict& verdict);
    // Records that the build started cleanly in this process and described itself so.
    void rememberStarted(const std::string& identity, const PluginSummary& described);
    // Writes the verdicts looked up or made since construction, if that differs from what was
    // read (so entries of plugins that were removed or rebuilt do not pile up).
    void save() const;

private:
    std::filesystem::path file_;
    nlohmann::json stored_ = nlohmann::json::object();
    nlohmann::json used_ = nlohmann::json::object();
};

// Records `fault` for `identity` in the verdict file `file` (nullopt: forgets the entry's fault),
// reading the file afresh first so records other hosts wrote meanwhile are kept, and replacing
// it atomically. Writes nothing when there is nothing to change. A failure is logged: the fault
// is then only known to this host.
void rememberTokenFault(const std::filesystem::path& file, const std::string& identity,
                        const std::optional<TokenFault>& fault);

}  // namespace cabridge
