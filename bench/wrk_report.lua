-- wrk script for bench/loadtest.py: every request POSTs a monthly report form with one real
-- JPEG, as a phone sends it (multipart/form-data, "Save and submit for review"). Arguments
-- after --: the file of form lines, the JPEG, the run's 8-hex-digit id and the origin.
--
-- A form line is "path<TAB>cookie header<TAB>CSRF token<TAB>month (YYYY-MM)": one project
-- and month each, so that no two requests ask for the same report. Line i goes to thread
-- i mod threads; each request takes its thread's next line and a new idempotency key
-- (client_key: the run's id, the thread's and a counter, as a UUID).
--
-- A saved report answers 302 to its page; a form sent back (400) or any other answer is
-- an error. At the end it prints "STATUS code n", "NON_OK n", "SENT n", "LINES n" and the
-- saved reports' ids ("REPORTS id,id,…", from the Location headers) for the count of lost
-- and duplicated reports.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local BOUNDARY = "----shanwang-bench-7d0c1f8e"

local function part(name, value)
  return "--" .. BOUNDARY .. "\r\n"
    .. 'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n'
    .. value .. "\r\n"
end

function init(args)
  forms = {}
  local index = 0
  local total = tonumber(args[5])
  for line in io.lines(args[1]) do
    if line ~= "" then
      if index % total == id then
        local path, cookie, token, month = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
        table.insert(forms, {path = path, cookie = cookie, token = token, month = month})
      end
      index = index + 1
    end
  end
  local file = assert(io.open(args[2], "rb"))
  jpeg = file:read("*a")
  file:close()
  run = args[3]
  origin = args[4]
  lines = #forms
  sent = 0
  not_ok = 0
  statuses = {}
  saved_ids = ""
end

function request()
  sent = sent + 1
  local form = forms[(sent - 1) % #forms + 1]
  local key = string.format("%s-%04x-4%03x-8%03x-%012x", run, id, 0, 0, sent)
  local body = part("csrfmiddlewaretoken", form.token)
    .. part("client_key", key)
    .. part("month", form.month)
    .. part("physical_progress", "100")
    .. part("investment_completed", "0")
    .. part("narrative", "【规模测试】压力测试月报，按计划推进。")
    .. part("problems", "")
    .. part("deviation_explanation", "")
    .. part("document_kind", "other")
    .. part("photo_caption", "现场照片")
    .. "--" .. BOUNDARY .. "\r\n"
    .. 'Content-Disposition: form-data; name="photo"; filename="site.jpg"\r\n'
    .. "Content-Type: image/jpeg\r\n\r\n"
    .. jpeg .. "\r\n"
    .. part("submit", "1")
    .. "--" .. BOUNDARY .. "--\r\n"
  return wrk.format("POST", form.path, {
    ["Cookie"] = form.cookie,
    ["X-Forwarded-Proto"] = "https",
    ["Origin"] = origin,
    ["Referer"] = origin .. form.path,
    ["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY,
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local saved = status == 302 and (headers["Location"] or ""):match("/reports/(%d+)/")
  if saved then
    saved_ids = saved_ids .. saved .. ","
  else
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local total, sent_total, line_total, ids = 0, 0, 0, ""
  local by_status = {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("not_ok")
    sent_total = sent_total + thread:get("sent")
    line_total = line_total + thread:get("lines")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
    ids = ids .. thread:get("saved_ids")
  end
  io.write(string.format("NON_OK %d\n", total))
  io.write(string.format("SENT %d\n", sent_total))
  io.write(string.format("LINES %d\n", line_total))
  for status, count in pairs(by_status) do
    io.write(string.format("STATUS %d %d\n", status, count))
  end
  io.write("REPORTS " .. ids .. "\n")
end
