// Kept so plugin sources need not change: identity extraction lives in cabridge_common.
#pragma once

#include <cabridge/common/identity.h>
