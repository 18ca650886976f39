-- bench/stk.lua: wrk script that sends STK pushes straight to daraja-sim,
-- each to a new phone number, with a token fetched beforehand: the
-- simulator's own capacity, to compare with the pushes the Daraja client
-- makes against it.
--
--   WRK_OUT=FILE wrk -t T -c C -d D -s bench/stk.lua SIM_URL -- TOKEN PASSWORD TIMESTAMP T FIRST_PHONE keep|close
--
-- PASSWORD is base64(174379 + passkey + TIMESTAMP), as the client computes.
-- Phones are 2547 + 8 digits counting up from FIRST_PHONE. "close" asks for a
-- new connection per push (Connection: close), as the Daraja client makes one
-- for every money-moving request.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local token, password, timestamp, nthreads, host, first_phone, connection
local k = 0

function init(args)
  token, password, timestamp = args[1], args[2], args[3]
  nthreads = tonumber(args[4])
  first_phone = tonumber(args[5] or "50000000")
  connection = (args[6] == "close") and "\r\nConnection: close" or ""
  host = wrk.host .. ":" .. tostring(wrk.port)
end

function request()
  -- A different subscriber per push: thread t uses t, t + T, t + 2T, ...
  local phone = string.format("2547%08d", (first_phone + tid + k * nthreads) % 100000000)
  k = k + 1
  local body = '{"BusinessShortCode":"174379","Password":"' .. password ..
    '","Timestamp":"' .. timestamp .. '","TransactionType":"CustomerPayBillOnline",' ..
    '"Amount":100,"PartyA":"' .. phone .. '","PartyB":"174379","PhoneNumber":"' .. phone ..
    '","CallBackURL":"http://127.0.0.1:9/stk","AccountReference":"BENCH",' ..
    '"TransactionDesc":"Payment"}'
  return "POST /mpesa/stkpush/v1/processrequest HTTP/1.1\r\nHost: " .. host ..
    "\r\nAuthorization: Bearer " .. token .. connection ..
    "\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

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
