-- Commands of explaind.nvim; the daemon starts on first use. Configure with require('explaind').setup{...}.
if vim.g.loaded_explaind then return end
vim.g.loaded_explaind = true

local function explaind() return require('explaind') end
local command = vim.api.nvim_create_user_command

command('ExplainLine', function() explaind().explain_line() end, { desc = 'Explain the current line' })
command('ExplainSelection', function() explaind().explain_selection() end,
  { range = true, desc = 'Explain the last visual selection' })
command('ExplainCompare', function() explaind().compare() end, { desc = 'Compare every method on the current line' })
command('ExplainMethod', function(o) explaind().set_method(o.args) end, {
  nargs = 1, desc = 'Set the attribution method',
  complete = function() return explaind().complete_methods() end,
})
command('ExplainTarget', function(o) explaind().set_target(o.args) end, {
  nargs = '?', desc = 'Explain this label (none or "predicted": the predicted one)',
  complete = function() return explaind().complete_labels() end,
})
command('ExplainClear', function() explaind().clear() end, { desc = 'Remove the highlights of this buffer' })

-- Highlights and shutdown on exit, even when setup() is never called.
if not explaind()._configured then explaind().setup() end
