-- wrk script: POSTs valid accruals, each with a bank reference no other request in this run uses.
-- TOKEN (bearer token) and RUN (a unique run label) come from the environment.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  token = os.getenv("TOKEN") or ""
  prefix = (os.getenv("RUN") or "run") .. "-" .. tid .. "-"
  counter = 0
end

function request()
  counter = counter + 1
  local body = '{"bankReference":"' .. prefix .. counter .. '","programmeCode":"CORV","memberId":"0047182902",'
    .. '"givenName":"Jörg","surname":"Müller","amount":12500}'
  return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
