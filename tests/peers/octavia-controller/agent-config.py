#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# agent-config.py PORT AMP_ID CA CLIENT_PEM [GROUP.OPTION=VALUE ...]:
# what Octavia's controller does for "openstack loadbalancer amphora
# configure" (the AmphoraConfigUpdate task), with Debian's python3-octavia:
# render the amphora agent's configuration from the controller's options
# (AgentJinjaTemplater, the OPTIONs given overriding Octavia's defaults),
# push it with the amphora driver's client (AmphoraAPIClient1_0.
# update_agent_config, PUT /1.0/config) to the agent on 127.0.0.1:PORT
# whose certificate names AMP_ID, then read the agent's details back
# (get_details).  CLIENT_PEM holds the controller's certificate and key.
# Prints the pushed configuration, a line "pushed", and the details as one
# JSON line; on a refusal, "refused: <exception>" and exits 1.
import json
import sys
import types
import warnings

from oslo_config import cfg
from oslo_log import log as logging

from octavia.amphorae.backends.agent import agent_jinja_cfg
from octavia.amphorae.drivers.haproxy import exceptions as exc
from octavia.amphorae.drivers.haproxy import rest_api_driver
from octavia.common import config  # noqa: F401 (registers the options)

warnings.simplefilter("ignore")
port, amp_id, ca, client_pem = sys.argv[1:5]
CONF = cfg.CONF
logging.register_options(CONF)
CONF([], project="octavia")
CONF.set_override("bind_port", int(port), group="haproxy_amphora")
CONF.set_override("server_ca", ca, group="haproxy_amphora")
CONF.set_override("client_cert", client_pem, group="haproxy_amphora")
CONF.set_override("connection_max_retries", 2, group="haproxy_amphora")
CONF.set_override("connection_retry_interval", 1, group="haproxy_amphora")
for arg in sys.argv[5:]:
    name, value = arg.split("=", 1)
    group, opt = name.split(".", 1)
    # oslo.config converts the text to the option's type.
    CONF.set_override(opt, value, group=None if group == "DEFAULT" else group)

text = agent_jinja_cfg.AgentJinjaTemplater().build_agent_config(
    amp_id, CONF.controller_worker.loadbalancer_topology)
print(text)
amp = types.SimpleNamespace(id=amp_id, lb_network_ip="127.0.0.1",
                            api_version="1.0")
client = rest_api_driver.AmphoraAPIClient1_0()
try:
    client.update_agent_config(amp, text)
except exc.APIException as e:
    print("refused: %s %s" % (type(e).__name__, e))
    sys.exit(1)
print("pushed")
print(json.dumps(client.get_details(amp)))
