-- explaind for Neovim (0.7+): token attributions from the explaind daemon drawn over the text.
--   require('explaind').setup{ cmd = { 'explaind', '--model', '/path/to/model' }, method = 'integratedGradients' }
-- One daemon per editor session, started on first use, positions negotiated as utf-8 (Neovim's byte columns).
local rpc = require('explaind.rpc')
local render = require('explaind.render')

local M = {}

M.config = {
  cmd = { 'explaind' },   -- the daemon and its arguments
  model = nil,            -- a model id the daemon has loaded (nil: its default)
  method = 'vanillaGradient',
  target = nil,           -- a label, or nil for the predicted one
  options = {},           -- method options, e.g. { steps = 100 }
  details = true,         -- open the floating window with scores and probabilities
}

local session = nil      -- { client, info, ready, waiting }
local pending = {}       -- buf -> { id, tick }: the request whose result will be drawn
M.last = nil             -- the last reply handled: { buf, error?, result? } (for statuslines and tests)

local function notify(message, level)
  vim.notify('explaind: ' .. message, level or vim.log.levels.INFO)
end

local function error_text(err)
  if err.code == -32601 then
    return 'this daemon has no ' .. (err.method or 'such method') .. ' (method not found); update explaind'
  end
  return string.format('%s (%d)', err.message, err.code)
end

-- Calls `fn(session)` once the daemon is up and initialized.
local function with_session(fn)
  if session and session.client:is_running() then
    if session.ready then fn(session) else table.insert(session.waiting, fn) end
    return
  end
  local stderr = {}
  local client, err
  client, err = rpc.start(M.config.cmd, {
    on_stderr = function(lines) vim.list_extend(stderr, lines) end,
    on_exit = function(code)
      if session and session.client == client and code ~= 0 then
        notify('daemon exited with code ' .. code .. ': ' .. table.concat(stderr, ' '), vim.log.levels.ERROR)
      end
    end,
  })
  if not client then return notify(err, vim.log.levels.ERROR) end
  session = { client = client, ready = false, waiting = { fn } }
  client:request('initialize', {
    clientInfo = { name = 'explaind.nvim' }, positionEncodings = { 'utf-8' },
  }, function(init_err, info)
    if init_err then return notify('initialize failed: ' .. error_text(init_err), vim.log.levels.ERROR) end
    if info.positionEncoding ~= 'utf-8' then
      return notify('daemon chose ' .. info.positionEncoding .. ' positions, not utf-8', vim.log.levels.ERROR)
    end
    client:notify('initialized')
    session.info, session.ready = info, true
    local waiting = session.waiting
    session.waiting = {}
    for _, waiting_fn in ipairs(waiting) do waiting_fn(session) end
  end)
end

local function model_info(info)
  for _, model in ipairs(info.models) do
    if (M.config.model and model.id == M.config.model) or (not M.config.model and model.default) then return model end
  end
  return info.models[1]
end

-- A new request for `buf` replaces the one in flight; an edit to `buf` cancels it (see attach).
local function cancel_pending(buf)
  local request = pending[buf]
  if request and session then session.client:cancel(request.id) end
  pending[buf] = nil
end

local attached = {}
local function attach(buf)
  if attached[buf] then return end
  attached[buf] = true
  vim.api.nvim_buf_attach(buf, false, {
    on_lines = function(_, b, tick)
      local request = pending[b]
      if request and request.tick ~= tick then
        -- The text the daemon is explaining is no longer the buffer's: stop the work.
        vim.schedule(function() if pending[b] == request then cancel_pending(b) end end)
      end
    end,
    on_detach = function() attached[buf] = nil end,
  })
end

local function explain_params(text)
  local params = { text = text, method = M.config.method }
  if M.config.target then params.target = M.config.target end
  if M.config.model then params.model = M.config.model end
  if next(M.config.options) then params.options = M.config.options end
  return params
end

-- Explains buffer text from (row1, col1) to (row2, col2), 0-based, end exclusive, and draws the result.
function M.explain_range(buf, row1, col1, row2, col2)
  local lines = vim.api.nvim_buf_get_text(buf, row1, col1, row2, col2, {})
  local text = table.concat(lines, '\n')
  if text:match('^%s*$') then return notify('nothing to explain here', vim.log.levels.WARN) end
  with_session(function(s)
    cancel_pending(buf)
    attach(buf)
    local request = { tick = vim.api.nvim_buf_get_changedtick(buf) }
    request.id = s.client:request('explain', explain_params(text), function(err, result)
      if pending[buf] ~= request then  -- superseded or cancelled
        M.last = { buf = buf, error = err, stale = true }
        return
      end
      pending[buf] = nil
      M.last = { buf = buf, error = err, result = result }
      if err then return notify(error_text(err), vim.log.levels.ERROR) end
      render.clear(buf, row1, row2 + 1)
      render.draw(buf, { row = row1, col = col1 }, result)
      if M.config.details then
        render.open_float(render.details(result, model_info(s.info).labels))
      end
    end)
    pending[buf] = request
  end)
end

function M.explain_line()
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local line = vim.api.nvim_buf_get_lines(0, row, row + 1, true)[1]
  M.explain_range(vim.api.nvim_get_current_buf(), row, 0, row, #line)
end

-- The last visual selection; linewise selections take whole lines, characterwise ones end after the
-- last selected character (which may be several bytes).
function M.explain_selection()
  local buf = vim.api.nvim_get_current_buf()
  local first, last = vim.api.nvim_buf_get_mark(buf, '<'), vim.api.nvim_buf_get_mark(buf, '>')
  local row1, col1, row2, col2 = first[1] - 1, first[2], last[1] - 1, last[2]
  local last_line = vim.api.nvim_buf_get_lines(buf, row2, row2 + 1, true)[1]
  if vim.fn.visualmode() == 'V' then
    col1, col2 = 0, #last_line
  else
    local char = vim.fn.strpart(last_line, col2, 1, true)  -- the whole (multibyte) character
    col2 = math.min(col2 + math.max(#char, 1), #last_line)
  end
  M.explain_range(buf, row1, col1, row2, col2)
end

-- Every method on the current line, shown in a scratch buffer.
function M.compare()
  local line = vim.api.nvim_get_current_line()
  with_session(function(s)
    local params = { text = line }
    if M.config.target then params.target = M.config.target end
    if M.config.model then params.model = M.config.model end
    s.client:request('compareMethods', params, function(err, result)
      M.last = { buf = vim.api.nvim_get_current_buf(), error = err, result = result, compare = true }
      if err then
        err.method = 'compareMethods'
        return notify(error_text(err), vim.log.levels.ERROR)
      end
      M.show_comparison(result)
    end)
  end)
end

function M.show_comparison(result)
  local lines = require('explaind.compare').lines(result)
  local buf = vim.fn.bufnr('explaind://compare')
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, 'explaind://compare')
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if vim.fn.bufwinnr(buf) == -1 then vim.cmd('botright split | buffer ' .. buf) end
  return buf
end

function M.set_method(name)
  with_session(function(s)
    local known = {}
    for _, method in ipairs(s.info.capabilities.attributionMethods) do
      if method.name == name then
        M.config.method = name
        return notify('method ' .. name .. (method.signed and ' (signed)' or ''))
      end
      table.insert(known, method.name)
    end
    notify('unknown method ' .. name .. '; one of ' .. table.concat(known, ', '), vim.log.levels.ERROR)
  end)
end

function M.set_target(label)
  if label == nil or label == '' or label == 'predicted' then
    M.config.target = nil
    return notify('explaining the predicted label')
  end
  with_session(function(s)
    local labels = model_info(s.info).labels
    if vim.tbl_contains(labels, label) then
      M.config.target = label
      return notify('explaining ' .. label)
    end
    notify('unknown label ' .. label .. '; one of ' .. table.concat(labels, ', '), vim.log.levels.ERROR)
  end)
end

function M.clear(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  cancel_pending(buf)
  render.clear(buf)
  render.close_float()
end

-- Completion candidates (only once the daemon has described itself).
function M.complete_methods()
  if not (session and session.info) then return { 'vanillaGradient', 'gradientNorm', 'gradientXInput',
    'integratedGradients', 'smoothGrad', 'occlusion', 'lime', 'kernelShap', 'attentionRollout',
    'attentionGradient', 'sequentialIntegratedGradients' } end
  return vim.tbl_map(function(m) return m.name end, session.info.capabilities.attributionMethods)
end

function M.complete_labels()
  local labels = { 'predicted' }
  if session and session.info then vim.list_extend(labels, model_info(session.info).labels) end
  return labels
end

-- shutdown + exit; returns the daemon's exit code (0 after a clean shutdown).
function M.stop()
  if not session then return nil end
  local s = session
  session = nil
  return s.client:stop(2000)
end

function M.session() return session end

function M.setup(options)
  for key, value in pairs(options or {}) do M.config[key] = value end
  M._configured = true
  render.define_highlights()
  local group = vim.api.nvim_create_augroup('explaind', { clear = true })
  vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = render.define_highlights })
  vim.api.nvim_create_autocmd('VimLeavePre', { group = group, callback = function() M.stop() end })
end

return M
