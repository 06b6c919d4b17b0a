// Kept so plugin sources need not change: the OpenSSL handle aliases live in cabridge_common.
#pragma once

#include <cabridge/common/openssl_ptr.h>
