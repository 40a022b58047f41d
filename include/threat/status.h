/* Status codes shared by every libthreat function that can fail. */
#ifndef THREAT_STATUS_H
#define THREAT_STATUS_H

#define TM_VERSION "0.1.0"

enum {
	TM_OK = 0,
	TM_ERR_INPUT = -1, /* the model (or a query, or a pack) has errors: see the diagnostics */
	TM_ERR_IO = -2,    /* a file could not be read or written */
	TM_ERR_USAGE = -3  /* the caller asked for something that does not exist */
};

#endif
