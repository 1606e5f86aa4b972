#include "services/compute/domain/keypairs.h"
