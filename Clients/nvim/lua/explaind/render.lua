-- Scores drawn into a buffer: one extmark per token on exactly its bytes, shaded by score; the prediction
-- as virtual text at the end of the line; details in a floating window.
local M = {}

M.namespace = vim.api.nvim_create_namespace('explaind')
M.levels = 5

-- White-to-blue for positive scores, white-to-red for negative ones (signed methods).
local palette = {
  Pos = { '#deebf7', '#b3d3e8', '#7fb2d9', '#4a8fc4', '#1f62a6' },
  Neg = { '#fde0d2', '#fbb4a0', '#f7836a', '#e0473a', '#b01e24' },
}
local palette256 = { Pos = { 195, 153, 111, 69, 27 }, Neg = { 224, 217, 210, 203, 160 } }

function M.define_highlights()
  for sign, colours in pairs(palette) do
    for level, bg in ipairs(colours) do
      local fg = level >= 4 and '#ffffff' or '#000000'
      local cterm = level >= 4 and 15 or 0
      vim.api.nvim_set_hl(0, 'Explaind' .. sign .. level,
        { fg = fg, bg = bg, ctermfg = cterm, ctermbg = palette256[sign][level], default = true })
    end
  end
  vim.api.nvim_set_hl(0, 'ExplaindPrediction', { link = 'Comment', default = true })
end

-- The highlight group of a score, relative to the largest absolute score of the explanation.
function M.group(score, max_abs)
  local relative = max_abs > 0 and math.abs(score) / max_abs or 0
  local level = math.max(1, math.min(M.levels, math.ceil(relative * M.levels)))
  return (score < 0 and 'ExplaindNeg' or 'ExplaindPos') .. level
end

local function max_abs_score(tokens)
  local max_abs = 0
  for _, token in ipairs(tokens) do
    if not token.special then max_abs = math.max(max_abs, math.abs(token.score)) end
  end
  return max_abs
end

-- Maps a byte offset into the explained text to (row, col) in the buffer. `origin` is where the text starts,
-- `line_starts` the offsets at which each of its lines begins.
local function position(origin, line_starts, offset)
  local index = 1
  while line_starts[index + 1] and line_starts[index + 1] <= offset do index = index + 1 end
  local col = offset - line_starts[index]
  if index == 1 then col = col + origin.col end
  return origin.row + index - 1, col
end

function M.format_prediction(explanation)
  local p = explanation.prediction
  return string.format('%s %.0f%% · %s', p.label, 100 * p.probabilities[p.index + 1], explanation.method)
end

-- Draws `explanation` (the daemon's reply, utf-8 offsets) whose text starts at origin {row, col} (0-based).
function M.draw(buf, origin, explanation)
  local text = explanation.text
  local line_starts = { 0 }
  for at in text:gmatch('()\n') do table.insert(line_starts, at) end  -- the byte after each newline
  local max_abs = max_abs_score(explanation.tokens)
  local marks = {}
  for _, token in ipairs(explanation.tokens) do
    if not token.special and token['end'] > token.start then
      local row, col = position(origin, line_starts, token.start)
      local end_row, end_col = position(origin, line_starts, token['end'])
      table.insert(marks, vim.api.nvim_buf_set_extmark(buf, M.namespace, row, col, {
        end_row = end_row, end_col = end_col, hl_group = M.group(token.score, max_abs), priority = 200,
      }))
    end
  end
  local last_row = origin.row + #line_starts - 1
  vim.api.nvim_buf_set_extmark(buf, M.namespace, last_row, 0, {
    virt_text = { { '  ⟵ ' .. M.format_prediction(explanation), 'ExplaindPrediction' } },
    virt_text_pos = 'eol',
  })
  return marks
end

function M.clear(buf, first_row, last_row)
  vim.api.nvim_buf_clear_namespace(buf, M.namespace, first_row or 0, last_row or -1)
end

-- Lines of the details window: probabilities, then one bar per token.
function M.details(explanation, labels)
  local lines = {}
  local p = explanation.prediction
  local parts = {}
  for i, label in ipairs(labels) do table.insert(parts, string.format('%s %.1f%%', label, 100 * p.probabilities[i])) end
  table.insert(lines, table.concat(parts, '  '))
  table.insert(lines, string.format('%s for %s · %.1f ms', explanation.method, explanation.target.label, explanation.elapsedMs))
  local max_abs = max_abs_score(explanation.tokens)
  for _, token in ipairs(explanation.tokens) do
    if not token.special then
      local width = max_abs > 0 and math.floor(12 * math.abs(token.score) / max_abs + 0.5) or 0
      table.insert(lines, string.format('%-14s %7.3f %s', token.text, token.score, string.rep('█', width)))
    end
  end
  return lines
end

M.float = nil

function M.close_float()
  if M.float and vim.api.nvim_win_is_valid(M.float) then vim.api.nvim_win_close(M.float, true) end
  M.float = nil
end

-- A floating window near the cursor, closed when the cursor moves or the buffer is left.
function M.open_float(lines)
  M.close_float()
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  local width = 0
  for _, line in ipairs(lines) do width = math.max(width, vim.fn.strdisplaywidth(line)) end
  M.float = vim.api.nvim_open_win(buf, false, {
    relative = 'cursor', row = 1, col = 0, width = math.max(width, 1), height = #lines,
    style = 'minimal', border = 'rounded',
  })
  vim.api.nvim_create_autocmd({ 'CursorMoved', 'CursorMovedI', 'BufLeave', 'InsertEnter' }, {
    buffer = vim.api.nvim_get_current_buf(), once = true, callback = M.close_float,
  })
  return M.float
end

return M
