/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMP echo for many appliances at once.  One socket per address family
 * serves every probe: replies are told apart by their source address, which
 * is all oct-wait needs to know ("does X answer?").  A datagram ICMP socket
 * (unprivileged, where net.ipv4.ping_group_range lets our group have one)
 * is tried first; the kernel then sets the echo id and checksum and hands
 * us only replies to our own requests.  Else a raw socket (root or
 * CAP_NET_RAW), where we set the id ourselves and filter on it.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "log.h"

#define PING_MAGIC	"oct-wait"	/* payload, 8 bytes */

struct pingsock {
	int		 fd;		/* -1 when not open */
	int		 raw;		/* raw socket (else datagram) */
	int		 failed;	/* cannot be had: errno */
};

struct ping {
	struct pingsock	 s4, s6;
	uint16_t	 id;		/* echo id on raw sockets */
	uint16_t	 seq;
};

struct ping *
ping_new(void)
{
	struct ping	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->s4.fd = p->s6.fd = -1;
	p->id = (uint16_t)(getpid() ^ arc4random());
	return p;
}

void
ping_free(struct ping *p)
{
	if (p == NULL)
		return;
	if (p->s4.fd != -1)
		(void)close(p->s4.fd);
	if (p->s6.fd != -1)
		(void)close(p->s6.fd);
	free(p);
}

/* Open the socket of family af if not yet tried.  Returns it or NULL. */
static struct pingsock *
ping_sock(struct ping *p, int af)
{
	struct pingsock		*s = af == AF_INET ? &p->s4 : &p->s6;
	struct icmp6_filter	 filt;
	int			 proto = af == AF_INET ? IPPROTO_ICMP :
				    IPPROTO_ICMPV6, derr;
	const char		*fam = af == AF_INET ? "IPv4" : "IPv6";

	if (s->fd != -1)
		return s;
	if (s->failed) {
		errno = s->failed;
		return NULL;
	}
	s->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s->fd != -1) {
		log_debug("ICMP %s: datagram socket", fam);
		return s;
	}
	derr = errno;
	s->fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s->fd == -1) {
		s->failed = errno;
		log_warnx("ICMP %s socket: datagram: %s; raw: %s (not root, "
		    "and net.ipv4.ping_group_range excludes our group?)", fam,
		    strerror(derr), strerror(errno));
		errno = s->failed;
		return NULL;
	}
	s->raw = 1;
	if (af == AF_INET6) {
		ICMP6_FILTER_SETBLOCKALL(&filt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
		if (setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
		    sizeof(filt)) == -1)
			log_warn("setsockopt ICMP6_FILTER");
	}
	log_debug("ICMP %s: raw socket", fam);
	return s;
}

/* The Internet checksum (RFC 1071). */
static uint16_t
cksum(const void *buf, size_t len)
{
	const uint8_t	*b = buf;
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int
ping_send(struct ping *p, const struct sockaddr *sa, socklen_t salen)
{
	struct pingsock	*s;
	uint8_t		 pkt[8 + sizeof(PING_MAGIC) - 1];
	uint16_t	 v, ck;

	if ((s = ping_sock(p, sa->sa_family)) == NULL)
		return -2;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = sa->sa_family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	v = htons(p->id);
	memcpy(pkt + 4, &v, 2);
	v = htons(++p->seq);
	memcpy(pkt + 6, &v, 2);
	memcpy(pkt + 8, PING_MAGIC, sizeof(PING_MAGIC) - 1);
	/* The kernel sums ICMPv6 and datagram ICMP; raw ICMPv4 is ours. */
	if (sa->sa_family == AF_INET && s->raw) {
		ck = cksum(pkt, sizeof(pkt));
		memcpy(pkt + 2, &ck, 2);
	}
	if (sendto(s->fd, pkt, sizeof(pkt), 0, sa, salen) == -1)
		return -1;
	return 0;
}

unsigned int
ping_pollfds(struct ping *p, struct pollfd *fds)
{
	unsigned int	 n = 0;

	if (p->s4.fd != -1) {
		fds[n].fd = p->s4.fd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	if (p->s6.fd != -1) {
		fds[n].fd = p->s6.fd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	return n;
}

void
ping_recv(struct ping *p, int fd, ping_reply_fn fn, void *arg)
{
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	struct pingsock		*s;
	uint8_t			 buf[1500];
	const uint8_t		*icmp;
	ssize_t			 n;
	size_t			 hl, len;
	uint16_t		 id;
	int			 af;

	if (fd == p->s4.fd) {
		s = &p->s4;
		af = AF_INET;
	} else if (fd == p->s6.fd) {
		s = &p->s6;
		af = AF_INET6;
	} else
		return;
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("ICMP recvfrom");
			return;
		}
		icmp = buf;
		len = (size_t)n;
		/* Raw IPv4 sockets see the IP header too. */
		if (af == AF_INET && s->raw) {
			if (len < 20)
				continue;
			hl = (size_t)(buf[0] & 0x0f) * 4;
			if (hl < 20 || len < hl)
				continue;
			icmp += hl;
			len -= hl;
		}
		if (len < 8)
			continue;
		if (icmp[0] != (af == AF_INET ? ICMP_ECHOREPLY :
		    ICMP6_ECHO_REPLY))
			continue;
		if (s->raw) {
			memcpy(&id, icmp + 4, 2);
			if (ntohs(id) != p->id)
				continue;
		}
		if (from.ss_family != af)
			continue;
		fn((const struct sockaddr *)&from, arg);
	}
}

int
ping_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		a4 = (const struct sockaddr_in *)(const void *)a;
		b4 = (const struct sockaddr_in *)(const void *)b;
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)(const void *)a;
		b6 = (const struct sockaddr_in6 *)(const void *)b;
		return memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	}
	return 0;
}
