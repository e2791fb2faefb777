--[[
  Groups on the Redis backend (groups.ts): one script, so that each step below is atomic against
  every worker and command. Our keys, under the prefix ARGV[2] (`orc:<queue>:orc:`):

    groups               hash  group -> limit
    group-slots:<G>      hash  task ID -> its job's lock token .. '\n' .. BullMQ lock key
    group-waiting:<G>    zset  parked tasks: score = BullMQ priority number (lowest runs first),
                               member = zero-padded enqueue ms .. ':' .. task ID (FIFO within one)
    group-waiters        set   groups with parked tasks (what a sweep looks at)
    paused-groups        hash  group -> ISO time it was paused

  A holder whose job's lock no longer holds its token is not running: its job settled, went back
  to the queue, or its worker lost it (a worker kills its task before its lock can lapse), so its
  slot is free. The token, not the key alone, tells one activation of a job from the next.

  ARGV[1] is the step:
    acquire G ID HOLDER SCORE MEMBER -> 'ok' (slot held) | 'full' | 'paused' (parked: in the waiting set)
    release G ID HOLDER N            -> the slot let go (if HOLDER still has it), then as wake
    wake G N                         -> up to N members that may start now (no more than the free slots)
    sweep N                          -> { G, member... } for each group with parked tasks and free slots
]]
local step, P = ARGV[1], ARGV[2]
local rcall = redis.call

local function limitOf(g, make)
  local n = tonumber(rcall('HGET', P .. 'groups', g))
  if n then return n end
  -- A task naming a group nobody set runs in one of limit 1, made for it (as on the tree).
  if make then rcall('HSET', P .. 'groups', g, 1) end
  return 1
end

-- How many of the group's slots are held by jobs still locked; dead holders are let go.
local function used(g, limit)
  local slots = P .. 'group-slots:' .. g
  local n = rcall('HLEN', slots)
  if n < limit then return n end
  local h = rcall('HGETALL', slots)
  n = 0
  for i = 1, #h, 2 do
    local token, lockKey = string.match(h[i + 1], '^([^\n]*)\n(.*)$')
    if token and rcall('GET', lockKey) == token then n = n + 1 else rcall('HDEL', slots, h[i]) end
  end
  return n
end

local function paused(g)
  return rcall('HEXISTS', P .. 'paused-groups', g) == 1
end

local function park(g, score, member)
  rcall('ZADD', P .. 'group-waiting:' .. g, score, member)
  rcall('SADD', P .. 'group-waiters', g)
end

-- The parked tasks that may start now: as many as there are free slots, first in dispatch order.
local function wakeable(g, most)
  local waiting = P .. 'group-waiting:' .. g
  if paused(g) or rcall('ZCARD', waiting) == 0 then return {} end
  local limit = limitOf(g, false)
  local free = math.min(limit - used(g, limit), most)
  if free <= 0 then return {} end
  return rcall('ZRANGE', waiting, 0, free - 1)
end

if step == 'acquire' then
  local g, id, holder, score, member = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
  if paused(g) then
    park(g, score, member)
    return 'paused'
  end
  local limit = limitOf(g, true)
  -- (An entry of this task's earlier activation, a job that stalled, is dead and counted so.)
  if used(g, limit) >= limit then
    park(g, score, member)
    return 'full'
  end
  rcall('HSET', P .. 'group-slots:' .. g, id, holder)
  rcall('ZREM', P .. 'group-waiting:' .. g, member)
  return 'ok'
elseif step == 'release' then
  local slots = P .. 'group-slots:' .. ARGV[3]
  -- Only our own activation's entry: the job may be running again elsewhere already.
  if rcall('HGET', slots, ARGV[4]) == ARGV[5] then rcall('HDEL', slots, ARGV[4]) end
  return wakeable(ARGV[3], tonumber(ARGV[6]))
elseif step == 'wake' then
  return wakeable(ARGV[3], tonumber(ARGV[4]))
elseif step == 'sweep' then
  local out = {}
  for _, g in ipairs(rcall('SMEMBERS', P .. 'group-waiters')) do
    if rcall('ZCARD', P .. 'group-waiting:' .. g) == 0 then
      rcall('SREM', P .. 'group-waiters', g)
    else
      local m = wakeable(g, tonumber(ARGV[3]))
      if #m > 0 then
        table.insert(m, 1, g)
        table.insert(out, m)
      end
    end
  end
  return out
end
return redis.error_reply('unknown step ' .. tostring(step))
