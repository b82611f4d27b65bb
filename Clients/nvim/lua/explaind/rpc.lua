-- JSON-RPC 2.0 with LSP framing (`Content-Length: N\r\n\r\n` + N bytes of JSON) over a job's stdio.
-- Our own framing on jobstart rather than vim.lsp.rpc, whose signature changed between 0.7 and 0.10.
local M = {}

local Client = {}
Client.__index = Client

-- Takes every complete frame off the front of `buffer`; returns the decoded messages and the rest.
function M.split_frames(buffer)
  local messages = {}
  while true do
    local header_end = buffer:find('\r\n\r\n', 1, true)
    if not header_end then break end
    local length = tonumber(buffer:sub(1, header_end - 1):lower():match('content%-length:%s*(%d+)'))
    if not length then error('explaind: frame without Content-Length: ' .. buffer:sub(1, header_end - 1)) end
    local body_start = header_end + 4
    if #buffer < body_start + length - 1 then break end
    table.insert(messages, vim.json.decode(buffer:sub(body_start, body_start + length - 1)))
    buffer = buffer:sub(body_start + length)
  end
  return messages, buffer
end

function M.encode_frame(message)
  local body = vim.json.encode(message)
  return 'Content-Length: ' .. #body .. '\r\n\r\n' .. body
end

-- Starts `cmd` (a list). handlers: on_notification(method, params), on_exit(code), on_stderr(lines).
function M.start(cmd, handlers)
  local self = setmetatable({ next_id = 1, callbacks = {}, buffer = '', handlers = handlers or {} }, Client)
  local ok, job = pcall(vim.fn.jobstart, cmd, {
    -- jobstart splits output at newlines; joining the pieces with '\n' restores the bytes exactly.
    on_stdout = function(_, data) self:receive(table.concat(data, '\n')) end,
    on_stderr = function(_, data)
      if self.handlers.on_stderr then self.handlers.on_stderr(data) end
    end,
    on_exit = function(_, code) self:exited(code) end,
  })
  if not ok or job <= 0 then
    return nil, 'cannot start ' .. vim.inspect(cmd) .. (ok and '' or (': ' .. tostring(job)))
  end
  self.job = job
  return self
end

function Client:receive(chunk)
  self.buffer = self.buffer .. chunk
  local ok, messages, rest = pcall(M.split_frames, self.buffer)
  if not ok then
    vim.notify(tostring(messages), vim.log.levels.ERROR)
    self.buffer = ''
    return
  end
  self.buffer = rest
  for _, message in ipairs(messages) do
    if message.id ~= nil and message.id ~= vim.NIL and (message.result ~= nil or message.error ~= nil) then
      local callback = self.callbacks[message.id]
      self.callbacks[message.id] = nil
      if callback then
        if message.error ~= nil then callback(message.error, nil) else callback(nil, message.result) end
      end
    elseif message.method and self.handlers.on_notification then
      self.handlers.on_notification(message.method, message.params)
    end
  end
end

function Client:exited(code)
  self.job = nil
  self.exit_code = code
  local callbacks = self.callbacks
  self.callbacks = {}
  for _, callback in pairs(callbacks) do
    callback({ code = -32603, message = 'explaind exited (code ' .. code .. ')' }, nil)
  end
  if self.handlers.on_exit then self.handlers.on_exit(code) end
end

function Client:send(message)
  if not self.job then return false end
  message.jsonrpc = '2.0'
  return vim.fn.chansend(self.job, M.encode_frame(message)) > 0
end

-- Sends a request; callback(err, result) runs when the reply comes. Returns the request id (nil if the
-- daemon is gone, after calling back with an error).
function Client:request(method, params, callback)
  local id = self.next_id
  self.next_id = id + 1
  self.callbacks[id] = callback
  if not self:send({ id = id, method = method, params = params or vim.empty_dict() }) then
    self.callbacks[id] = nil
    callback({ code = -32603, message = 'explaind is not running' }, nil)
    return nil
  end
  return id
end

function Client:notify(method, params)
  return self:send({ method = method, params = params or vim.empty_dict() })
end

-- The daemon answers the request with -32800 (request cancelled); its callback still runs.
function Client:cancel(id)
  return self:notify('$/cancelRequest', { id = id })
end

function Client:is_running()
  return self.job ~= nil
end

-- shutdown, then exit, waiting up to `timeout_ms` in all; returns the exit code (nil if it had to be killed).
function Client:stop(timeout_ms)
  timeout_ms = timeout_ms or 2000
  if not self.job then return self.exit_code end
  local acknowledged = false
  self:request('shutdown', nil, function() acknowledged = true end)
  vim.wait(timeout_ms, function() return acknowledged end, 10)
  self:notify('exit')
  if not self.job then return self.exit_code end
  local code = vim.fn.jobwait({ self.job }, timeout_ms)[1]
  if code == -1 then
    vim.fn.jobstop(self.job)
    return nil
  end
  return code
end

return M
