-- wrk script for bench/loadtest.py: every request carries the session cookie of the next
-- user in turn (one cookie a line, in the file given after --), and X-Forwarded-Proto as
-- nginx sends it. Counts every response other than 2xx (wrk itself counts only >= 400)
-- and prints "NON_2XX n" and "STATUS code n" lines at the end.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cookies = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(cookies, line)
    end
  end
  turn = math.random(#cookies)
  not_ok = 0
  statuses = {}
end

function request()
  turn = turn % #cookies + 1
  return wrk.format("GET", nil, {
    ["Cookie"] = cookies[turn],
    ["X-Forwarded-Proto"] = "https",
  })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("not_ok")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  io.write(string.format("NON_2XX %d\n", total))
  for status, count in pairs(by_status) do
    io.write(string.format("STATUS %d %d\n", status, count))
  end
end
