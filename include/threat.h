/* libthreat: threat models as code. The umbrella header. */
#ifndef THREAT_H
#define THREAT_H

#include "threat/check.h"
#include "threat/status.h"

#endif
