// Kept so plugin sources need not change: the encodings live in cabridge_common.
#pragma once

#include <cabridge/common/encoding.h>
