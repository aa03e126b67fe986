-- wrk script of bench/api_bench.sh: login mutations rotating over the benchmark
-- users; counts answers with a token (signed in) and RATE_LIMITED ones (no hash
-- slot came free in time).
--   wrk -s bench/login.lua URL -- EMAILS_FILE PASSWORD
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local emails, password, counter

function init(args)
  emails = {}
  for line in io.lines(args[1]) do
    if #line > 0 then emails[#emails + 1] = line end
  end
  password, counter = args[2], 0
  signed_in, busy, other = 0, 0, 0
end

function request()
  counter = counter + 1
  local body = '{"query":"mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}",' ..
    '"variables":{"e":"' .. emails[(counter + id) % #emails + 1] .. '","p":"' .. password .. '"}}'
  return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if string.find(body, '"token"', 1, true) then signed_in = signed_in + 1
  elseif string.find(body, "RATE_LIMITED", 1, true) then busy = busy + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local ok, b, o = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("signed_in"); b = b + t:get("busy"); o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d " ..
    "signed_in=%d busy=%d other=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, ok, b, o))
end
