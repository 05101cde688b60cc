/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/ini. */
#include <stdio.h>
#include <string.h>

#include "ini.h"
#include "t.h"

struct seen {
	char	 text[1024];
	int	 stop_at;	/* stop after this many entries, 0 never */
	int	 n;
};

static int
collect(const char *section, const char *key, const char *value,
    unsigned long lineno, void *arg)
{
	struct seen	*s = arg;
	size_t		 len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%s.%s=%s@%lu;",
	    section, key, value, lineno);
	if (s->stop_at != 0 && ++s->n >= s->stop_at)
		return -1;
	return 0;
}

static const struct {
	const char	*in;
	int		 rc;
	const char	*want;	/* entries, or the error text */
} cases[] = {
	{ "", 0, "" },
	{ "# c\n; c\n\n", 0, "" },
	{ "[amphora_agent]\nagent_server_cert = /etc/x.pem\n", 0,
	    "amphora_agent.agent_server_cert=/etc/x.pem@2;" },
	{ "[a]\r\nk=v\r\n[ b ]\n k2 : v\n", -1,
	    "line 4: continuation lines are not supported" },
	{ "[a]\nk=v\n[b]\nk2 : v 2 \t\n", 0, "a.k=v@2;b.k2=v 2@4;" },
	{ "[a]\nk =\n", 0, "a.k=@2;" },
	{ "[a]\nurl = http://x:1/a=b\n", 0, "a.url=http://x:1/a=b@2;" },
	{ "k = v\n", -1, "line 1: key outside a section" },
	{ "[a]\njunk\n", -1, "line 2: expected key = value" },
	{ "[a\n", -1, "line 1: bad section" },
	{ "[a b]\n", -1, "line 1: bad section name" },
	{ "[]\n", -1, "line 1: bad section name" },
	{ "[a]\nk = v\n  more\n", -1,
	    "line 3: continuation lines are not supported" },
	{ "[a]\n= v\n", -1, "line 2: bad key" },
	{ "[a]\nk k = v\n", -1, "line 2: bad key" },
};

int
main(void)
{
	struct seen	 s;
	char		 err[128], big[INI_LINE_MAX + 16];
	char		 name[64];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		rc = ini_parse(cases[i].in, collect, &s, err, sizeof(err));
		snprintf(name, sizeof(name), "case %zu", i);
		T_INTEQ(rc, cases[i].rc, name);
		T_STREQ(rc == 0 ? s.text : err, cases[i].want, name);
	}

	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	rc = ini_parse("[a]\nk=1\nl=2\n", collect, &s, err, sizeof(err));
	T_INTEQ(rc, -1, "callback stops the parse");
	T_STREQ(s.text, "a.k=1@2;", "no entry after the stop");
	T_STREQ(err, "", "no message when the callback stops");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&s, 0, sizeof(s));
	T_INTEQ(ini_parse(big, collect, &s, err, sizeof(err)), -1,
	    "over-long line");
	T_STREQ(err, "line 1: too long", "over-long line message");

	memset(&s, 0, sizeof(s));
	T_INTEQ(ini_parse_file("/nonexistent/x.conf", collect, &s, err,
	    sizeof(err)), -1, "missing file");

	T_INTEQ(ini_bool("True"), 1, "True");
	T_INTEQ(ini_bool("off"), 0, "off");
	T_INTEQ(ini_bool("2"), -1, "2");
	return t_done();
}
