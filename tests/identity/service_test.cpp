#include "tests/identity/identity_test_support.h"
