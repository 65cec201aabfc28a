// SPDX-License-Identifier: GPL-2.0
/*
 * Static builds only (see tools/Makefile): what libnl-3.a's references to
 * glibc's NSS lookups resolve to. A static glibc serves those only from
 * shared NSS modules loaded at run time, which the rig's initramfs (and a
 * static binary's promise) do not have; kvmwatch never takes the libnl
 * paths that use them. Should one ever be taken, it fails as a lookup
 * with no NSS module would, and says so once.
 */
#include <netdb.h>
#include <stdbool.h>

#include "cmd.h"

/* The prototypes --wrap gives these names. */
int __wrap_getaddrinfo(const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res);
struct protoent *__wrap_getprotobyname(const char *name);
struct protoent *__wrap_getprotobynumber(int proto);

static void unavailable(const char *fn)
{
	static bool said;

	if (!said)
		kvmw_err("internal error: libnl called %s(), which this static binary does not provide",
			 fn);
	said = true;
}

int __wrap_getaddrinfo(const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	unavailable("getaddrinfo");
	return EAI_FAIL;
}

struct protoent *__wrap_getprotobyname(const char *name)
{
	(void)name;
	unavailable("getprotobyname");
	return NULL;
}

struct protoent *__wrap_getprotobynumber(int proto)
{
	(void)proto;
	unavailable("getprotobynumber");
	return NULL;
}
