-- Ideas through the JSON API: each request a new idea (its own submission key), posted by the
-- 256 wrk accounts in turn ($TOKENS: one session token per line).
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  tokens = {}
  for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = "ecoute_session=" .. line end
  k = 0
  run = tonumber(os.getenv("RUN"))
end
local kinds = {"idee", "attente", "experience"}
function request()
  k = k + 1
  local n = k * 2 + tid
  local key = string.format("%08x-0000-4000-8000-%012x", run, n)
  local body = string.format('{"kind":"%s","title":"Idée de charge n° %d","body":"Proposition envoyée pendant le test de charge, numéro %d : ouvrir l’accueil le samedi matin.","submission_key":"%s"}',
    kinds[n % 3 + 1], n, n, key)
  return wrk.format("POST", "/api/v1/campaigns/bench-submissions/ideas", {["Host"] = "gironde.localhost",
    ["Cookie"] = tokens[n % #tokens + 1], ["Accept"] = "application/json", ["Accept-Language"] = "fr",
    ["Content-Type"] = "application/json"}, body)
end
