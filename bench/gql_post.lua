-- wrk script of bench/inbox_bench.sh: one GraphQL request, as it is, again and
-- again, with a staff member's token.
--   wrk -s bench/gql_post.lua URL -- TOKEN_FILE BODY_FILE
function init(args)
  local token = io.lines(args[1])()
  local f = assert(io.open(args[2]))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

-- A 200 carrying errors is a failure too.
local bad = 0
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if bad == 1 then io.stderr:write(body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
