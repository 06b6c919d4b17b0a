#include "hebca_profile.h"

#ifndef CABRIDGE_HEBCA_VERSION
#error "CABRIDGE_HEBCA_VERSION must be set by the build"
#endif

namespace cabridge::hebca {

nlohmann::json describeHebca(const HebcaConfig &config) {
    const std::string site = "https://www.hebca.com";
    return {
        {"id", "hebca"},
        {"name", "河北 CA"},
        {"version", CABRIDGE_HEBCA_VERSION},
        {"origins", config.origins},
        {"legacyOrigins", config.legacyOrigins},
        {"pin",
         {{"minLength", config.pin.minLength}, {"maxLength", config.pin.maxLength}, {"charset", config.pin.charset}}},
        {"help",
         {
             {"renew",
              {{"text",
                "证书已过期或即将过期，请登录河北CA网上服务大厅 www.hebca.com 办理“老用户延期”，"
                "也可以到河北CA服务网点办理。"},
               {"url", site}}},
             {"unlock",
              {{"text",
                "证书密码已被锁定。请登录河北CA网上服务大厅 www.hebca.com 办理“重置证书密码”，"
                "或携带证书 USB Key 到河北CA服务网点解锁。"},
               {"url", site}}},
             {"lost",
              {{"text",
                "证书 USB Key 丢失或损坏时，请尽快通过河北CA网上服务大厅 www.hebca.com "
                "或到河北CA服务网点办理“丢失补办”。"},
               {"url", site}}},
             {"reinsert", {{"text", "请重新插入河北CA证书 USB Key 后重试。"}}},
             {"contact",
              {{"text", "如需帮助，请拨打河北CA客服热线 400-707-3355 或 0311-80912333。"}, {"phone", "400-707-3355"}}},
         }},
    };
}

} // namespace cabridge::hebca
