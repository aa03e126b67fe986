-- wrk script of bench/api_bench.sh: the cheap authenticated query `{ me { id } }`
-- (JWT verify, revocation EXISTS, one SELECT by primary key).
--   wrk -s bench/me.lua URL -- TOKENS_FILE
function init(args)
  local token = io.lines(args[1])()
  wrk.method = "POST"
  wrk.body = '{"query":"{ me { id } }"}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
