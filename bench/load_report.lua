-- Prints what load_pages.py reads: requests, seconds, latency percentiles (ms) and errors.
-- With a think time in milliseconds after `--`, each connection is a person who waits a random
-- 0.5 to 1.5 times that between a page and their next click; without one, it asks at once.
local think_ms = 0

init = function(args)
  think_ms = tonumber(args[1] or "0")
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

delay = function()
  if think_ms <= 0 then
    return 0
  end
  return math.floor(think_ms * (0.5 + math.random()))
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50=%.2f p95=%.2f p99=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
