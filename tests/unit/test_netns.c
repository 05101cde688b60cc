/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/netns: the parts that need no root or namespace. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "t.h"

static void
test_run(void)
{
	char		 out[64];
	const char	*ok[] = { "sh", "-c", "echo hello; echo err >&2", NULL };
	const char	*bad[] = { "sh", "-c", "exit 3", NULL };
	const char	*none[] = { "/nonexistent/prog", NULL };
	const char	*big[] = { "sh", "-c", "head -c 5000 /dev/zero | tr "
	    "'\\0' x", NULL };

	T_INTEQ(netns_run(out, sizeof(out), ok), 0, "run: exit 0");
	T_STREQ(out, "hello\nerr", "run: stdout and stderr collected");
	T_INTEQ(netns_run(out, sizeof(out), bad), -1, "run: exit 3 fails");
	T_STREQ(out, "sh exited with 3", "run: silent failure explained");
	T_INTEQ(netns_run(out, sizeof(out), none), -1, "run: no program");
	T_INTEQ(netns_run(out, sizeof(out), big), 0, "run: long output");
	T_INTEQ(strlen(out), sizeof(out) - 1, "run: output truncated");
	T_INTEQ(netns_run(NULL, 0, ok), 0, "run: output not wanted");
}

static void
test_names(void)
{
	struct in_addr	 lo;

	T_INTEQ(netns_exists("octt-no-such-namespace"), 0, "no namespace");
	T_INTEQ(netns_link_exists("lo"), 1, "lo exists");
	T_INTEQ(netns_link_exists("octtnosuch0"), 0, "no such link");
	(void)inet_pton(AF_INET, "127.0.0.1", &lo);
	T_INTEQ(netns_has_addr4("lo", lo), 1, "127.0.0.1 on lo");
	(void)inet_pton(AF_INET, "127.0.0.2", &lo);
	T_INTEQ(netns_has_addr4("lo", lo), 0, "127.0.0.2 not on lo");
	T_INTEQ(netns_pid_in(getpid(), "octt-no-such-namespace"), 0,
	    "pid in no namespace");
}

static void
test_probe(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s, port;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		T_OK(0, "probe: listen on loopback");
		return;
	}
	port = ntohs(sin.sin_port);
	T_INTEQ(netns_tcp_probe("127.0.0.1", port, 1000), 0,
	    "probe: a listening port");
	(void)close(s);
	T_INTEQ(netns_tcp_probe("127.0.0.1", port, 1000), -1,
	    "probe: a closed port");
	T_INTEQ(netns_tcp_probe("not-an-address", 80, 100), -1,
	    "probe: not an address");
}

int
main(void)
{
	test_run();
	test_names();
	test_probe();
	return t_done();
}
