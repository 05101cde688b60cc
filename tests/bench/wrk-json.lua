-- SPDX-License-Identifier: Apache-2.0
--
-- wrk-json.lua: wrk -s wrk-json.lua ends its report with one JSON line,
--   {"requests":N,"errors":N,"connect_errors":N,"read_errors":N,
--    "write_errors":N,"status_errors":N,"timeouts":N,"seconds":S,
--    "rps":R,"p50_ms":X,"p99_ms":X,"max_ms":X}
-- where errors adds up the socket errors, the timeouts and the answers
-- that are not 2xx or 3xx (status_errors).  WRK_DELAY_MS=N makes each
-- connection wait N ms between its requests, to leave a small machine
-- some CPU for other work.

local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")

if pause ~= nil and pause > 0 then
	delay = function()
		return pause
	end
end

done = function(summary, latency, requests)
	local e = summary.errors
	local s = summary.duration / 1e6
	io.write(string.format('{"requests":%d,"errors":%d,' ..
	    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
	    '"status_errors":%d,"timeouts":%d,"seconds":%.3f,"rps":%.1f,' ..
	    '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
	    summary.requests,
	    e.connect + e.read + e.write + e.status + e.timeout,
	    e.connect, e.read, e.write, e.status, e.timeout, s,
	    s > 0 and summary.requests / s or 0,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    latency.max / 1000))
end
