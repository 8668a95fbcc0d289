-- The intranet's 90/10 read/write mix for wrk, as one signed-in person.
-- bench/load_wrk.py logs in first and passes, through the environment:
--   WARTA_COOKIE  the Cookie header of the signed-in session
--   WARTA_CSRF    the CSRF token of that session (from a form it was shown)
--   WARTA_CASE    the case whose comment form is posted (the write)
--   WARTA_READS   the pages read, separated by spaces
-- Every tenth request is a comment POST with the CSRF token; the others cycle the reads.

local cookie = os.getenv("WARTA_COOKIE")
local token = os.getenv("WARTA_CSRF")
local case = os.getenv("WARTA_CASE")
local reads = {}
for path in string.gmatch(os.getenv("WARTA_READS") or "/intranet/", "%S+") do
  table.insert(reads, path)
end

local n = 0
local write_headers = {
  ["Cookie"] = cookie,
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
local read_headers = { ["Cookie"] = cookie }

request = function()
  n = n + 1
  if n % 10 == 0 then
    local body = "csrf_token=" .. token .. "&text=Komentar+uji+beban+" .. n .. "&step="
    return wrk.format("POST", "/intranet/naskah/" .. case .. "/komentar", write_headers, body)
  end
  return wrk.format("GET", reads[(n % #reads) + 1], read_headers)
end
