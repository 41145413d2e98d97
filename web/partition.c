/* Which partition's line a self-service or phone request names. A user
 * types "201@sitea.example.com" or picks a partition; a phone's XML
 * service URL carries its line as "201@DOMAIN" or just "201", and its
 * source address does the rest, as for its REGISTER (policy/'s
 * pol_partition_of(), the rules b2bua/ uses). */
#include <errno.h>
#include <string.h>

#include "web/internal.h"

/* A SIP domain as [partitions] holds them: a host name or an IPv4
 * literal. Anything else cannot name a partition. */
static bool
partition_domain_ok(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n >= POL_DOMAIN_LEN)
		return false;
	for (; *d; d++)
		if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'z') ||
		    (*d >= 'A' && *d <= 'Z') || *d == '.' || *d == '-'))
			return false;
	return true;
}

/* The name of the partition given by name: "default" or a listed one. */
static const char *
partition_named(const struct web_config *cfg, const char *name)
{
	const struct pol_partition *p;

	if (strcmp(name, STORE_PARTITION_DEFAULT) == 0)
		return STORE_PARTITION_DEFAULT;
	p = pol_partition_by_name(cfg->partitions, cfg->n_partitions, name);
	return p ? p->name : NULL;
}

/* The partition DOMAIN names; NULL with *err 0 when it names none. */
static const char *
partition_of_domain(const struct web_config *cfg, const char *domain,
    bool strict, int *err)
{
	const struct pol_partition *p;

	*err = 0;
	if (!domain || cfg->n_partitions == 0)
		return NULL;
	if (!partition_domain_ok(domain)) {
		*err = -EINVAL;
		return NULL;
	}
	p = pol_partition_by_domain(cfg->partitions, cfg->n_partitions,
	    domain);
	if (!p && strict)
		*err = -ENXIO;
	return p ? p->name : NULL;
}

int
web__line_ref(struct web_line_ref *out, const struct web_config *cfg,
    const char *who, const char *partition, const struct sockaddr *peer,
    bool strict)
{
	const char *at = strchr(who, '@'), *name, *given;
	size_t n = at ? (size_t)(at - who) : strlen(who);
	struct web_line_ref ref;
	int err;

	if (n >= sizeof(ref.ext))
		return -EINVAL;
	memcpy(ref.ext, who, n);
	ref.ext[n] = '\0';
	if (!store_ext_is_valid(ref.ext))
		return -EINVAL;
	name = partition_of_domain(cfg, at ? at + 1 : NULL, strict, &err);
	if (err < 0)
		return err;
	if (partition && partition[0]) {
		given = partition_named(cfg, partition);
		if (!given)
			return -ENXIO;
		/* "201@siteb.example.com" with siteA picked: which one? */
		if (name && strcmp(name, given) != 0)
			return -EDOM;
		name = given;
	}
	if (!name)
		name = pol_partition_of(cfg->partitions, cfg->n_partitions,
		    NULL, peer);
	ll_strlcpy(ref.partition, name, sizeof(ref.partition));
	*out = ref;
	return 0;
}

void
web__line_ref_str(const struct web_line_ref *ref, char *buf, size_t len)
{
	if (strcmp(ref->partition, STORE_PARTITION_DEFAULT) == 0)
		snprintf(buf, len, "%s", ref->ext);
	else
		snprintf(buf, len, "%s/%s", ref->partition, ref->ext);
}
