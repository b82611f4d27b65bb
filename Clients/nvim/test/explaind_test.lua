-- Headless test of explaind.nvim against the real daemon (run by Clients/nvim/test/run):
-- the extmarks' byte ranges must equal the tokens' utf-8 offsets, each token must get its highlight group,
-- an edit must cancel the request in flight, and the daemon must exit cleanly.
local explaind = require('explaind')
local render = require('explaind.render')

local daemon, model = os.getenv('EXPLAIND'), os.getenv('EXPLAIND_MODEL')
assert(daemon and model, 'set EXPLAIND and EXPLAIND_MODEL')

local messages = {}
vim.notify = function(message, level) table.insert(messages, { message = message, level = level }) end

explaind.setup({ cmd = { daemon, '--model', model }, details = true })

local failures, passed = 0, 0
local function test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    io.stderr:write('ok   ' .. name .. '\n')
  else
    failures = failures + 1
    io.stderr:write('FAIL ' .. name .. ': ' .. tostring(err) .. '\n')
  end
end

local function eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(string.format('%s: expected %s, got %s', what, vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

-- Runs `fn` and waits until a reply has been handled (M.last replaced).
local function run_and_wait(fn, timeout)
  explaind.last = nil
  fn()
  if not vim.wait(timeout or 20000, function() return explaind.last ~= nil end, 10) then
    error('no reply from explaind; messages: ' .. vim.inspect(messages), 2)
  end
  return explaind.last
end

local function highlight_marks(buf)
  local marks = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, render.namespace, 0, -1, { details = true })) do
    if m[4].hl_group then
      table.insert(marks, { row = m[2], col = m[3], end_row = m[4].end_row, end_col = m[4].end_col, group = m[4].hl_group })
    end
  end
  return marks
end

local function virtual_texts(buf)
  local texts = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, render.namespace, 0, -1, { details = true })) do
    if m[4].virt_text then table.insert(texts, { row = m[2], text = m[4].virt_text[1][1] }) end
  end
  return texts
end

-- The daemon's own tokenization of `text` (utf-8 offsets), asked directly over the plugin's connection.
local function tokenize(text)
  local reply
  explaind.session().client:request('tokenize', { text = text }, function(err, result) reply = { err, result } end)
  assert(vim.wait(10000, function() return reply ~= nil end, 10), 'tokenize did not answer')
  assert(reply[1] == nil, vim.inspect(reply[1]))
  return reply[2].tokens
end

local function byte_range(line, word)
  local start = line:find(word, 1, true)
  return start - 1, start - 1 + #word
end

local line = 'Café owners voted: naïve explaind reforms'

test('ExplainLine: one extmark per token on exactly its bytes, shaded by score', function()
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'first line', line })
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  local last = run_and_wait(function() vim.cmd('ExplainLine') end)
  assert(last.error == nil, 'explain failed: ' .. vim.inspect(last.error))
  local explanation = last.result
  eq(explanation.text, line, 'explained text')

  -- expected: the daemon's tokenize offsets, one mark per non-special token, in order
  local tokens, expected = tokenize(line), {}
  local max_abs = 0
  for _, t in ipairs(explanation.tokens) do if not t.special then max_abs = math.max(max_abs, math.abs(t.score)) end end
  for i, t in ipairs(tokens) do
    if not t.special then
      eq(explanation.tokens[i].start, t.start, 'explain and tokenize offsets of ' .. t.text)
      table.insert(expected, { row = 1, col = t.start, end_row = 1, end_col = t['end'],
                               group = render.group(explanation.tokens[i].score, max_abs) })
    end
  end
  local marks = highlight_marks(0)
  eq(marks, expected, 'extmarks')
  for _, m in ipairs(marks) do assert(m.group:match('^Explaind[PN][oe][sg][1-5]$'), m.group) end

  -- and independently of the daemon: byte columns, not characters ("Café" and "naïve" have 2-byte letters)
  local s, e = byte_range(line, 'Café')
  eq({ marks[1].col, marks[1].end_col }, { s, e }, 'Café bytes')
  s, e = byte_range(line, 'naïve')
  local naive = vim.tbl_filter(function(m) return m.col == s end, marks)
  eq(#naive == 1 and naive[1].end_col or nil, e, 'naïve bytes')
  eq(marks[#marks].end_col, #line, 'last token ends the line')

  local virt = virtual_texts(0)
  eq(#virt, 1, 'one prediction')
  eq(virt[1].row, 1, 'prediction row')
  assert(virt[1].text:find(explanation.prediction.label, 1, true), virt[1].text)

  assert(render.float and vim.api.nvim_win_is_valid(render.float), 'details window open')
  local details = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(render.float), 0, -1, false)
  assert(details[1]:find('political', 1, true) and details[1]:find('%%'), details[1])
end)

test('ExplainSelection: a characterwise selection maps back to its bytes', function()
  vim.cmd('ExplainClear')
  local s = line:find('naïve', 1, true) - 1
  vim.api.nvim_win_set_cursor(0, { 2, s })
  vim.cmd([[execute "normal! vee\<Esc>"]])  -- "naïve explaind"
  local last = run_and_wait(function() vim.cmd('ExplainSelection') end)
  assert(last.error == nil, vim.inspect(last.error))
  eq(last.result.text, 'naïve explaind', 'selected text')
  local marks, _, e = highlight_marks(0), byte_range(line, 'explaind')
  eq(marks[1].col, s, 'first token column')
  eq(marks[#marks].end_col, e, 'last token end')
  for _, m in ipairs(marks) do eq(m.row, 1, 'row') end
end)

test('ExplainSelection: a linewise selection over two lines', function()
  vim.cmd('ExplainClear')
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'The senate voted', 'Café owners' })
  vim.cmd([[execute "normal! ggVj\<Esc>"]])
  local last = run_and_wait(function() vim.cmd('ExplainSelection') end)
  assert(last.error == nil, vim.inspect(last.error))
  local spans = vim.tbl_map(function(m) return { m.row, m.col, m.end_col } end, highlight_marks(0))
  eq(spans, { { 0, 0, 3 }, { 0, 4, 10 }, { 0, 11, 16 }, { 1, 0, 5 }, { 1, 6, 12 } }, 'rows and byte columns')
  eq(virtual_texts(0)[1].row, 1, 'prediction on the last line')
end)

test('an edit cancels the request in flight', function()
  vim.cmd('ExplainClear')
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { string.rep('the parliament debated the budget ', 12) })
  explaind.config.options = { steps = 1024, batchSize = 1 }
  vim.cmd('ExplainMethod integratedGradients')
  vim.wait(2000, function() return explaind.config.method == 'integratedGradients' end, 10)
  eq(explaind.config.method, 'integratedGradients', 'method')
  local last = run_and_wait(function()
    vim.cmd('ExplainLine')
    vim.api.nvim_buf_set_lines(0, 0, 1, false, { 'edited' })
  end)
  eq(last.error and last.error.code, -32800, 'reply to the stale request')
  eq(highlight_marks(0), {}, 'nothing drawn for a stale request')
  explaind.config.options = {}
end)

test('ExplainMethod and ExplainTarget check names against the daemon', function()
  messages = {}
  vim.cmd('ExplainMethod noSuchMethod')
  eq(explaind.config.method, 'integratedGradients', 'method unchanged')
  assert(messages[1] and messages[1].message:find('unknown method noSuchMethod', 1, true), vim.inspect(messages))
  vim.cmd('ExplainMethod gradientXInput')
  vim.cmd('ExplainTarget other')
  eq({ explaind.config.method, explaind.config.target }, { 'gradientXInput', 'other' }, 'settings')
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'Café owners' })
  local last = run_and_wait(function() vim.cmd('ExplainLine') end)
  assert(last.error == nil, vim.inspect(last.error))
  eq({ last.result.method, last.result.target.label }, { 'gradientXInput', 'other' }, 'explained with')
  vim.cmd('ExplainTarget')
  eq(explaind.config.target, nil, 'back to the predicted label')
end)

test('ExplainCompare: a comparison buffer, or a clear message from an older daemon', function()
  messages = {}
  local last = run_and_wait(function() vim.cmd('ExplainCompare') end, 60000)
  if vim.tbl_contains(explaind.session().info.capabilities.methods, 'compareMethods') then
    assert(last.error == nil, vim.inspect(last.error))
    local lines = vim.api.nvim_buf_get_lines(vim.fn.bufnr('explaind://compare'), 0, -1, false)
    assert(#lines > 3, vim.inspect(lines))
    local shown = table.concat(lines, '\n')
    assert(shown:find('integratedGradients', 1, true) and shown:find('comprehensiveness', 1, true), shown)
    assert(shown:find('\nranking: '), shown)
  else
    eq(last.error and last.error.code, -32601, 'method not found')
    assert(messages[1] and messages[1].message:find('no compareMethods', 1, true), vim.inspect(messages))
  end
end)

test('ExplainClear removes every mark', function()
  vim.cmd('ExplainClear')
  eq(vim.api.nvim_buf_get_extmarks(0, render.namespace, 0, -1, {}), {}, 'extmarks')
end)

test('leaving Neovim shuts the daemon down: exit code 0', function()
  local client = explaind.session().client
  vim.cmd('doautocmd VimLeavePre')
  eq(explaind.session(), nil, 'session after VimLeavePre')
  assert(vim.wait(3000, function() return client.exit_code ~= nil end, 10), 'daemon still running')
  eq(client.exit_code, 0, 'exit code')
end)

io.stderr:write(string.format('nvim: %d passed, %d failed\n', passed, failures))
vim.cmd(failures == 0 and 'qall!' or 'cquit 1')
