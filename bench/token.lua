-- bench/token.lua: wrk script for daraja-sim's OAuth endpoint (GET with the
-- simulator's public Basic credentials, sim-consumer-key:sim-consumer-secret).
--
--   WRK_OUT=FILE wrk -t T -c C -d D -s bench/token.lua "SIM_URL/oauth/v1/generate?grant_type=client_credentials"

wrk.headers["Authorization"] = "Basic c2ltLWNvbnN1bWVyLWtleTpzaW0tY29uc3VtZXItc2VjcmV0"

function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d}',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout)
  print(line)
  local out = os.getenv("WRK_OUT")
  if out then
    local f = io.open(out, "w")
    if f then f:write(line, "\n") f:close() end
  end
end
