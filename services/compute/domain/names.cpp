#include "services/compute/domain/names.h"
