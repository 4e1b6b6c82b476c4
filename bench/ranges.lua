-- bench/ranges.lua: wrk script asking for random aligned byte ranges.
--
--   wrk -t2 -c64 -d5s -s ranges.lua http://127.0.0.1:PORT \
--       -- PATH FILESIZE RANGESIZE [gzip]
--
-- Every request is GET PATH with "Range: bytes=A-B", A a random multiple
-- of RANGESIZE below FILESIZE, B = A + RANGESIZE - 1 (the file's size is a
-- multiple of RANGESIZE in bench/run.sh).  With "gzip" the requests also
-- say "Accept-Encoding: gzip".  At the end one machine-readable line:
--
--   BENCH requests=N duration_us=U bytes=B errors=E non2xx=S
--
-- (bytes: as read from the socket, headers included; errors: connect,
-- read, write and timeout errors; non2xx: responses that were not 2xx/3xx).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local path, nblocks, rsize, gzip

function init(args)
   path = args[1]
   local fsize = tonumber(args[2])
   rsize = tonumber(args[3])
   gzip = args[4] == "gzip"
   nblocks = math.floor(fsize / rsize)
   if nblocks < 1 then
      nblocks = 1
   end
   -- a different random sequence per thread and per run
   math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
end

function request()
   local a = math.random(0, nblocks - 1) * rsize
   local headers = { Range = string.format("bytes=%d-%d", a, a + rsize - 1) }
   if gzip then
      headers["Accept-Encoding"] = "gzip"
   end
   return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d errors=%d non2xx=%d\n",
      summary.requests, summary.duration, summary.bytes,
      e.connect + e.read + e.write + e.timeout, e.status))
end
