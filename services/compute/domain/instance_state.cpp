#include "services/compute/domain/instance_state.h"
