// Kept so plugin sources need not change: the check-digit rules live in cabridge_common.
#pragma once

#include <cabridge/common/identity_codes.h>
