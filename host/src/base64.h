// Kept so host sources need not change: base64 and hex live in cabridge_common.
#pragma once

#include <cabridge/common/encoding.h>
