-- wrk script of bench/api_bench.sh: POST a sendMessage mutation with a unique
-- idempotency key per request (run nonce, thread id, counter), rotating over the
-- tokens of several users. The same requests go to /hello for the ceiling.
--   wrk -s bench/send_message.lua URL -- TOKENS_FILE ROOM_ID[,ROOM_ID...] NONCE
-- Prints one line "RESULT k=v ..." at the end for the script to read.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local tokens, rooms, nonce, counter, path
local query = "mutation($i:SendMessageInput!){sendMessage(input:$i){id status cursor createdAt}}"

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
  -- ROOM_ID may be a comma-separated list: requests go round the rooms
  -- (bench/ha_bench.sh spreads them over streams on two Redis servers).
  rooms = {}
  for r in string.gmatch(args[2], "[^,]+") do rooms[#rooms + 1] = r end
  nonce, counter = args[3], 0
  path = wrk.path
end

function request()
  counter = counter + 1
  local room = rooms[(counter + id) % #rooms + 1]
  local body = '{"query":"' .. query .. '","variables":{"i":{"roomId":"' .. room ..
    '","body":"benchmark message ' .. counter .. ' of a clinic conversation","idempotencyKey":"' ..
    nonce .. '-' .. id .. '-' .. counter .. '"}}}'
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/graphql-response+json",
    ["Authorization"] = tokens[(counter + id) % #tokens + 1],
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
