/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "driver.h"

static const struct driver *const drivers[] = {
	&drv_netns,
	&drv_nova,
};

/* Drivers whose boot, destroy and status are thread-safe. */
static const struct driver *const threaded[] = {
	&drv_nova,
};

int
driver_threaded(const struct driver *d)
{
	size_t	 i;

	for (i = 0; i < sizeof(threaded) / sizeof(threaded[0]); i++)
		if (threaded[i] == d)
			return 1;
	return 0;
}

const struct driver *
driver_find(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

const char *
driver_names(void)
{
	static char	 buf[256];
	size_t		 i;

	if (buf[0] != '\0')
		return buf;
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (i > 0)
			(void)strlcat(buf, ", ", sizeof(buf));
		(void)strlcat(buf, drivers[i]->name, sizeof(buf));
	}
	return buf;
}
