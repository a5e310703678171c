-- Likes through the JSON API, each (idea, account) pair once: thread t of n posts pairs
-- t, t+n, t+2n, ... of the file $PAIRS (lines "path<TAB>session token").
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  list = {}
  for line in io.lines(os.getenv("PAIRS")) do
    local path, token = line:match("([^\t]+)\t([^\t]+)")
    list[#list + 1] = {path, "ecoute_session=" .. token}
  end
  step = tonumber(os.getenv("THREADS"))
  k = tid + 1
end
function request()
  local p = list[k]
  k = k + step
  return wrk.format("POST", p[1], {["Host"] = "gironde.localhost", ["Cookie"] = p[2],
    ["Accept"] = "application/json", ["Accept-Language"] = "fr", ["Content-Length"] = "0"}, "")
end
