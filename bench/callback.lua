-- bench/callback.lua: wrk script that posts Daraja STK callbacks, each one
-- answering a different transaction seeded as awaiting its customer (see
-- tests/tools/ledgergen.c, "awaiting"): transaction I has CheckoutRequestID
-- ws_CO_BENCH_<I>, amount KES 100 and phone 2547 + the last 8 digits of
-- (I - POOL_FIRST). The URL is mpesa-pos's: /<secret>/stk/<public id of I>.
--
--   WRK_OUT=FILE wrk -t T -c C -d D -s bench/callback.lua URL -- SECRET POOL_FIRST FROM LAST T
--
-- Thread t (0-based) sends I = FROM + t, FROM + t + T, ... up to LAST. When
-- a thread runs out of transactions it sends GET /healthz instead and counts
-- it as "exhausted": the run is then void (seed a larger pool).
-- X-Forwarded-For rotates over 256 addresses so that the per-source rate
-- limit (at most 100,000 a minute for one address) does not cut a run short;
-- the server under test must trust 127.0.0.1 as a proxy for it to count.
-- done() prints one JSON line (and writes it to $WRK_OUT when set).

local ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
local B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

-- store/pubid.c: "T" + Crockford base32 (at least 6 digits) + Luhn mod 32.
local function public_id(id)
  local v = {}
  local x = id
  while x > 0 do
    v[#v + 1] = x % 32
    x = math.floor(x / 32)
  end
  while #v < 6 do v[#v + 1] = 0 end
  -- v is least significant first: the Luhn walk starts there, doubled.
  local factor, sum = 2, 0
  for i = 1, #v do
    local addend = factor * v[i]
    factor = (factor == 2) and 1 or 2
    sum = sum + math.floor(addend / 32) + addend % 32
  end
  local check = (32 - sum % 32) % 32
  local out = {"T"}
  for i = #v, 1, -1 do out[#out + 1] = ALPHABET:sub(v[i] + 1, v[i] + 1) end
  out[#out + 1] = ALPHABET:sub(check + 1, check + 1)
  return table.concat(out)
end

local function base36(n, width)
  local s = {}
  for i = width, 1, -1 do
    local d = n % 36
    s[i] = B36:sub(d + 1, d + 1)
    n = math.floor(n / 36)
  end
  return table.concat(s)
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local secret, pool_first, from, last, nthreads, host, healthz
local k = 0
-- Globals, so that done() can read them with thread:get().
exhausted, highest = 0, 0

function init(args)
  secret = args[1]
  pool_first = tonumber(args[2])
  from = tonumber(args[3])
  last = tonumber(args[4])
  nthreads = tonumber(args[5])
  host = wrk.host .. ":" .. tostring(wrk.port)
  healthz = "GET /healthz HTTP/1.1\r\nHost: " .. host .. "\r\n\r\n"
end

function request()
  local id = from + tid + k * nthreads
  k = k + 1
  if id > last then
    exhausted = exhausted + 1
    return healthz
  end
  highest = id
  local n = id - pool_first
  local body = '{"Body":{"stkCallback":{"MerchantRequestID":"29115-' .. id ..
    '-1","CheckoutRequestID":"ws_CO_BENCH_' .. id ..
    '","ResultCode":0,"ResultDesc":"The service request is processed successfully.",' ..
    '"CallbackMetadata":{"Item":[{"Name":"Amount","Value":100.00},' ..
    '{"Name":"MpesaReceiptNumber","Value":"AA' .. base36(id, 8) .. '"},' ..
    '{"Name":"Balance"},{"Name":"TransactionDate","Value":20251126101544},' ..
    '{"Name":"PhoneNumber","Value":2547' .. string.format("%08d", n % 100000000) ..
    '}]}}}}'
  return "POST /" .. secret .. "/stk/" .. public_id(id) .. " HTTP/1.1\r\nHost: " .. host ..
    "\r\nContent-Type: application/json\r\nX-Forwarded-For: 196.201.214." .. (id % 256) ..
    "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  local used, ex = 0, 0
  for _, t in ipairs(threads) do
    local h = t:get("highest") or 0
    if h > used then used = h end
    ex = ex + (t:get("exhausted") or 0)
  end
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"highest_id":%d,"exhausted":%d}',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout, used, ex)
  print(line)
  local out = os.getenv("WRK_OUT")
  if out then
    local f = io.open(out, "w")
    if f then f:write(line, "\n") f:close() end
  end
end
