/* Partitions: which tenant or site a device, a call or a self-service
 * request belongs to. A SIP domain names it first (an AOR's, an
 * identity's or the one a user gives), a source network second; the
 * rest is in "default". Pure: b2bua/ and web/ ask with what their
 * request carries. */
#include <string.h>
#include <strings.h>

#include "policy/pol.h"

_Static_assert(POL_PART_NAME == STORE_PARTITION_MAX,
               "partition names fit storage's");

const struct pol_partition *
pol_partition_by_domain(const struct pol_partition *parts, unsigned n,
                        const char *host)
{
	if (!host || !host[0])
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct pol_partition *p = &parts[i];

		for (unsigned d = 0; d < p->n_domains; d++)
			if (strcasecmp(p->domains[d], host) == 0)
				return p;
	}
	return NULL;
}

const struct pol_partition *
pol_partition_by_addr(const struct pol_partition *parts, unsigned n,
                      const struct sockaddr *addr)
{
	if (!addr)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct pol_partition *p = &parts[i];

		for (unsigned k = 0; k < p->n_cidrs; k++)
			if (net_cidr_contains(&p->cidrs[k], addr))
				return p;
	}
	return NULL;
}

const struct pol_partition *
pol_partition_by_name(const struct pol_partition *parts, unsigned n,
                      const char *name)
{
	for (unsigned i = 0; name && i < n; i++)
		if (strcmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}

const char *
pol_partition_of(const struct pol_partition *parts, unsigned n,
                 const char *host, const struct sockaddr *addr)
{
	const struct pol_partition *p = pol_partition_by_domain(parts, n, host);

	if (!p)
		p = pol_partition_by_addr(parts, n, addr);
	return p ? p->name : STORE_PARTITION_DEFAULT;
}
