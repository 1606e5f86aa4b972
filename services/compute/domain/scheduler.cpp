#include "services/compute/domain/scheduler.h"
