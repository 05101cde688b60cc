/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nova: the pure parts of the nova compute driver (see nova.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ampfiles.h"
#include "nova.h"

int
nova_mv_parse(const char *s)
{
	const char	*dot, *errstr;
	char		 maj[8];
	long long	 a, b;

	if (s == NULL || (dot = strchr(s, '.')) == NULL ||
	    (size_t)(dot - s) >= sizeof(maj) || dot == s)
		return -1;
	memcpy(maj, s, (size_t)(dot - s));
	maj[dot - s] = '\0';
	a = strtonum(maj, 0, 99, &errstr);
	if (errstr != NULL)
		return -1;
	b = strtonum(dot + 1, 0, 999, &errstr);
	if (errstr != NULL)
		return -1;
	return (int)(a * 1000 + b);
}

int
nova_mv_pick(const char *server_min, const char *server_max, char *buf,
    size_t bufsz)
{
	int	 smin, smax, cmin, cmax, v, n;

	cmin = nova_mv_parse(NOVA_MV_CLIENT_MIN);
	cmax = nova_mv_parse(NOVA_MV_CLIENT_MAX);
	if ((smax = nova_mv_parse(server_max)) == -1)
		return -1;
	if ((smin = nova_mv_parse(server_min)) == -1)
		smin = nova_mv_parse("2.1");
	v = smax < cmax ? smax : cmax;
	if (v < smin || v < cmin)
		return -1;
	n = snprintf(buf, bufsz, "%d.%d", v / 1000, v % 1000);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

char *
nova_base64(const void *buf, size_t len)
{
	char	*out;
	size_t	 olen = 4 * ((len + 2) / 3) + 1;

	if (len > (size_t)0x3fffffff || (out = malloc(olen)) == NULL)
		return NULL;
	(void)EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	return out;
}

static int
add_file(char **acc, const struct amp_file *f)
{
	char	*b64 = NULL, *next = NULL;
	int	 rc = -1;

	if ((b64 = nova_base64(f->data, f->len)) == NULL)
		goto out;
	if (asprintf(&next, "%s"
	    "  - path: %s\n"
	    "    owner: root:root\n"
	    "    permissions: '%04o'\n"
	    "    encoding: b64\n"
	    "    content: %s\n", *acc, f->path, (unsigned int)f->mode,
	    b64) == -1) {
		next = NULL;
		goto out;
	}
	freezero(*acc, strlen(*acc));
	*acc = next;
	next = NULL;
	rc = 0;
 out:
	if (b64 != NULL)
		freezero(b64, strlen(b64));
	return rc;
}

char *
nova_cloud_config(const char *id, const struct amp_files *fs,
    const char *ssh_key)
{
	char	*s = NULL, *t = NULL;
	size_t	 i;

	if (asprintf(&s, "#cloud-config\n"
	    "hostname: amphora-%s\n"
	    "write_files:\n", id) == -1)
		return NULL;
	for (i = 0; i < AMP_NFILES; i++)
		if (add_file(&s, &fs->f[i]) == -1)
			goto fail;
	if (ssh_key != NULL) {
		if (strpbrk(ssh_key, "\n\r'") != NULL)
			goto fail;
		if (asprintf(&t, "%sssh_authorized_keys:\n  - '%s'\n", s,
		    ssh_key) == -1)
			goto fail;
		freezero(s, strlen(s));
		s = t;
	}
	return s;
 fail:
	freezero(s, strlen(s));
	return NULL;
}

/* The first fixed address of the given IP version in list, or NULL. */
static const char *
pick(const json_t *list, int version)
{
	const json_t	*a;
	const char	*type, *addr;
	size_t		 i;

	json_array_foreach(list, i, a) {
		type = json_string_value(json_object_get(a, "OS-EXT-IPS:type"));
		addr = json_string_value(json_object_get(a, "addr"));
		if (addr == NULL || (type != NULL && strcmp(type, "fixed")
		    != 0))
			continue;
		if (json_integer_value(json_object_get(a, "version")) ==
		    version)
			return addr;
	}
	return NULL;
}

int
nova_address(const json_t *addresses, const char *netname, char *buf,
    size_t bufsz)
{
	const json_t	*list = NULL;
	const char	*addr;

	if (!json_is_object(addresses)) {
		errno = ENOENT;
		return -1;
	}
	if (netname != NULL)
		list = json_object_get(addresses, netname);
	else if (json_object_size(addresses) > 1) {
		errno = EINVAL;
		return -1;
	} else if (json_object_size(addresses) == 1)
		list = json_object_iter_value(json_object_iter(
		    (json_t *)(uintptr_t)addresses));
	if ((addr = pick(list, 4)) == NULL && (addr = pick(list, 6)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (strlcpy(buf, addr, bufsz) >= bufsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
nova_iface_address(const json_t *attachments, const char *net_id, char *buf,
    size_t bufsz)
{
	const json_t	*a, *ip;
	const char	*net, *addr;
	size_t		 i;

	json_array_foreach(attachments, i, a) {
		net = json_string_value(json_object_get(a, "net_id"));
		if (net == NULL || strcmp(net, net_id) != 0)
			continue;
		ip = json_array_get(json_object_get(a, "fixed_ips"), 0);
		if ((addr = json_string_value(json_object_get(ip,
		    "ip_address"))) == NULL)
			continue;
		if (strlcpy(buf, addr, bufsz) >= bufsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	errno = ENOENT;
	return -1;
}
