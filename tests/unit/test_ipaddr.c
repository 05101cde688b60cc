/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for lib/ipaddr (addresses judged by their bytes, whatever
 * their spelling) and log_vis (input quoted in a message).
 */
#include <stdio.h>
#include <string.h>

#include "ipaddr.h"
#include "log.h"
#include "t.h"

static void
test_classes(void)
{
	static const struct {
		const char	*s;
		int		 ok, unspec, loop, mcast;
	} t[] = {
		{ "198.18.0.1", 1, 0, 0, 0 },
		{ "0.0.0.0", 1, 1, 0, 0 },
		{ "0.1.2.3", 1, 1, 0, 0 },
		{ "::", 1, 1, 0, 0 },
		{ "0:0:0:0:0:0:0:0", 1, 1, 0, 0 },
		{ "::0.0.0.0", 1, 1, 0, 0 },
		{ "::ffff:0.0.0.0", 1, 1, 0, 0 },
		{ "0:0:0:0:0:FFFF:0:0", 1, 1, 0, 0 },
		{ "127.0.0.1", 1, 0, 1, 0 },
		{ "::ffff:127.9.9.9", 1, 0, 1, 0 },
		{ "::1", 1, 0, 1, 0 },
		{ "0:0:0:0:0:0:0:1", 1, 0, 1, 0 },
		{ "224.0.0.1", 1, 0, 0, 1 },
		{ "::ffff:239.255.255.255", 1, 0, 0, 1 },
		{ "255.255.255.255", 1, 0, 0, 1 },
		{ "ff02::1", 1, 0, 0, 1 },
		{ "2001:db8::1", 1, 0, 0, 0 },
		{ "::ffff:198.18.0.1", 1, 0, 0, 0 },
		/* inet_pton's spellings only: no octal, no short forms */
		{ "010.0.0.1", 0, 0, 0, 0 },
		{ "127.1", 0, 0, 0, 0 },
		{ "0x7f.0.0.1", 0, 0, 0, 0 },
		{ "2130706433", 0, 0, 0, 0 },
		{ "fe80::1%eth0", 0, 0, 0, 0 },
		{ "localhost", 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0 },
	};
	struct ipaddr	 a;
	char		 what[96];
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ok = ipaddr_parse(t[i].s, &a) == 0;
		snprintf(what, sizeof(what), "\"%s\" parses or not", t[i].s);
		T_INTEQ(ok, t[i].ok, what);
		if (!ok)
			continue;
		snprintf(what, sizeof(what), "\"%s\" classes", t[i].s);
		T_OK(ipaddr_unspecified(&a) == t[i].unspec &&
		    ipaddr_loopback(&a) == t[i].loop &&
		    ipaddr_multicast(&a) == t[i].mcast, what);
	}
}

static void
test_lists(void)
{
	static const struct {
		const char	*list, *addr;
		int		 in;
	} t[] = {
		{ "169.254.169.254", "169.254.169.254", 1 },
		{ "169.254.169.254", "::ffff:169.254.169.254", 1 },
		{ "169.254.169.254", "::ffff:a9fe:a9fe", 1 },
		{ "169.254.169.254", "169.254.169.253", 0 },
		{ "::ffff:a9fe:a9fe", "169.254.169.254", 1 },
		{ "169.254.0.0/16", "169.254.1.2", 1 },
		{ "169.254.0.0/16", "169.255.1.2", 0 },
		{ "169.254.7.7/16", "169.254.1.2", 1 },	/* host bits */
		{ "10.0.0.0/9", "10.127.0.1", 1 },
		{ "10.0.0.0/9", "10.128.0.1", 0 },
		{ "::ffff:0:0/96", "1.2.3.4", 1 },
		{ "fd00::/8", "fd12::1", 1 },
		{ "fd00::/8", "fe12::1", 0 },
		{ "1.2.3.4, fd00::/8 , 5.6.7.8", "5.6.7.8", 1 },
		{ "0.0.0.0/0", "::ffff:1.2.3.4", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "", "169.254.169.254", 0 },
	};
	struct ipnet	 nets[8];
	struct ipaddr	 a;
	char		 err[128], what[128];
	size_t		 i;
	int		 n, j, in;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = ipnet_parse_list(t[i].list, nets, 8, err, sizeof(err));
		snprintf(what, sizeof(what), "\"%s\" in \"%s\"", t[i].addr,
		    t[i].list);
		if (!T_OK(n >= 0 && ipaddr_parse(t[i].addr, &a) == 0, what))
			continue;
		for (in = 0, j = 0; j < n; j++)
			in |= ipnet_contains(&nets[j], &a);
		T_INTEQ(in, t[i].in, what);
	}
	T_INTEQ(ipnet_parse_list("1.2.3.4/33", nets, 8, err, sizeof(err)), -1,
	    "a prefix too long");
	T_STREQ(err, "\"1.2.3.4/33\" is not an IP address or network",
	    "names the entry");
	T_INTEQ(ipnet_parse_list("::/129", nets, 8, err, sizeof(err)), -1,
	    "an IPv6 prefix too long");
	T_INTEQ(ipnet_parse_list("1.2.3.4/", nets, 8, err, sizeof(err)), -1,
	    "an empty prefix");
	T_INTEQ(ipnet_parse_list("metadata", nets, 8, err, sizeof(err)), -1,
	    "a name");
	T_INTEQ(ipnet_parse_list("1.1.1.1 2.2.2.2 3.3.3.3", nets, 2, err,
	    sizeof(err)), -1, "more entries than room");
	T_STREQ(err, "more than 2 entries", "says so");
}

static void
test_vis(void)
{
	char	 buf[64];

	log_vis(buf, sizeof(buf), "a\nb\r\t\033[31mc\x7f\xc3\xa9\\d\"e");
	T_STREQ(buf, "a\\nb\\r\\t\\033[31mc\\177\\303\\251\\d\"e",
	    "control characters and bytes outside ASCII escaped");
	log_vis(buf, sizeof(buf), "a\\nb\\033");
	T_STREQ(buf, "a\\nb\\033", "a second pass changes nothing");
	log_vis(buf, 8, "\n\n\n\n\n\n");
	T_OK(strlen(buf) < 8 && strchr(buf, '\n') == NULL, "cut to fit");
}

int
main(void)
{
	test_classes();
	test_lists();
	test_vis();
	return t_done();
}
