-- wrk script: GETs pages of the event feed at random positions of what is there. MAX (the highest feed position) and
-- TOKEN (bearer token) come from the environment; the path is the feed's (the API's or the baseline's).
function init(args)
  token = os.getenv("TOKEN") or ""
  last = math.max(0, tonumber(os.getenv("MAX") or "0") - 100)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", wrk.path .. "?after=" .. math.random(0, last), { ["Authorization"] = "Bearer " .. token })
end
