-- The lines of the comparison buffer: the daemon's summary, one column of scores per method, then the
-- faithfulness figures and ranking when the reply carries them.
local M = {}

local function method_name(run) return run.method or run.name or '?' end

function M.lines(result)
  local lines = {}
  if type(result.summary) == 'string' then table.insert(lines, result.summary) end
  local runs = result.methods or result.runs or {}
  local tokens = result.tokens or {}
  if #runs > 0 and #tokens > 0 then
    table.insert(lines, '')
    local header = string.format('%-14s', 'token')
    for _, run in ipairs(runs) do header = header .. string.format(' %20s', method_name(run)) end
    table.insert(lines, header)
    for i, token in ipairs(tokens) do
      if not token.special then
        local row = string.format('%-14s', token.text)
        for _, run in ipairs(runs) do
          local score = run.scores and run.scores[i]
          row = row .. (type(score) == 'number' and string.format(' %20.3f', score) or string.format(' %20s', '-'))
        end
        table.insert(lines, row)
      end
    end
  end
  local faithfulness = result.faithfulness
  if type(faithfulness) == 'table' and #faithfulness > 0 then
    table.insert(lines, '')
    table.insert(lines, string.format('%-20s %18s %12s', 'method', 'comprehensiveness', 'sufficiency'))
    for _, f in ipairs(faithfulness) do
      local function number(x) return type(x) == 'number' and string.format('%.4f', x) or '-' end
      table.insert(lines, string.format('%-20s %18s %12s', method_name(f), number(f.comprehensiveness), number(f.sufficiency)))
    end
  end
  if type(result.ranking) == 'table' and #result.ranking > 0 then
    local names = vim.tbl_map(function(r) return type(r) == 'table' and method_name(r) or tostring(r) end, result.ranking)
    table.insert(lines, '')
    table.insert(lines, 'ranking: ' .. table.concat(names, ' > '))
  end
  if #lines == 0 then lines = vim.split(vim.inspect(result), '\n') end
  return lines
end

return M
