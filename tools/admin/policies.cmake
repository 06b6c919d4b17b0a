# Browser policy files generated from manifest/policies/: Linux managed-policy JSON (tested,
# installed to /usr/share/cabridge/policies) and Windows .reg files (generated, documented).
set(CABRIDGE_CHROME_UPDATE_URL "https://clients2.google.com/service/update2/crx" CACHE STRING
    "Update URL the Chrome/Chromium policy force-installs the extension from (Chrome Web Store by default; set it to your own update manifest when self-hosting)")
set(CABRIDGE_EDGE_UPDATE_URL "https://edge.microsoft.com/extensionwebstorebase/v1/crx" CACHE STRING
    "Update URL the Edge policy force-installs the extension from (Edge Add-ons by default)")
set(CABRIDGE_FIREFOX_INSTALL_URL "https://addons.mozilla.org/firefox/downloads/latest/cabridge/latest.xpi" CACHE STRING
    "Where the Firefox policy installs the signed add-on from (addons.mozilla.org by default; set it to your own signed .xpi when self-hosting)")
set(CABRIDGE_WINDOWS_INSTALL_DIR "C:\\Program Files\\cabridge" CACHE STRING
    "Windows folder holding cabridge-host.exe and org.cabridge.host.json, for the .reg files")

set(CABRIDGE_POLICY_OUTPUT_DIR ${CMAKE_BINARY_DIR}/share/cabridge/policies)
set(_policy_src ${PROJECT_SOURCE_DIR}/manifest/policies)

function(cabridge_generate_policy browser update_url display_name registry_path)
  set(POLICY_UPDATE_URL "${update_url}")
  set(POLICY_BROWSER_NAME "${display_name}")
  set(POLICY_REGISTRY_PATH "${registry_path}")
  configure_file(${_policy_src}/linux/managed-policy.json.in
                 ${CABRIDGE_POLICY_OUTPUT_DIR}/linux/${browser}/cabridge.json @ONLY)
  configure_file(${_policy_src}/windows/browser-policy.reg.in
                 ${CABRIDGE_POLICY_OUTPUT_DIR}/windows/${browser}-policy.reg @ONLY)
endfunction()

cabridge_generate_policy(chrome "${CABRIDGE_CHROME_UPDATE_URL}" "Google Chrome" "Google\\Chrome")
cabridge_generate_policy(chromium "${CABRIDGE_CHROME_UPDATE_URL}" "Chromium" "Chromium")
cabridge_generate_policy(edge "${CABRIDGE_EDGE_UPDATE_URL}" "Microsoft Edge" "Microsoft\\Edge")

# Firefox enterprise policy (/etc/firefox/policies/policies.json; Debian's firefox-esr also reads
# /etc/firefox-esr/policies/policies.json): installs the add-on and keeps it installed and enabled.
configure_file(${_policy_src}/linux/firefox-policies.json.in
               ${CABRIDGE_POLICY_OUTPUT_DIR}/linux/firefox/policies.json @ONLY)

# .reg strings escape backslashes.
string(REPLACE "\\" "\\\\" WINDOWS_MANIFEST_PATH_REG "${CABRIDGE_WINDOWS_INSTALL_DIR}\\org.cabridge.host.json")
configure_file(${_policy_src}/windows/native-host.reg.in
               ${CABRIDGE_POLICY_OUTPUT_DIR}/windows/native-host.reg @ONLY)

install(DIRECTORY ${CABRIDGE_POLICY_OUTPUT_DIR}/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cabridge/policies)
