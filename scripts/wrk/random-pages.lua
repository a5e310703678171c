-- A random page of a campaign's list at each request (pages 1 to 12,500 of 20 ideas), so each
-- is rendered and its ideas read: ORDER (random, newest, most-liked, most-commented) and SLUG.
local order = os.getenv("ORDER") or "newest"
local slug = os.getenv("SLUG") or "grand-debat-des-familles"
request = function()
  local path = "/consultations/" .. slug .. "?ordre=" .. order .. "&page="
  return wrk.format("GET", path .. math.random(1, 12500), { ["Host"] = "localhost" })
end
