-- Drives text-analytics-ls from Neovim's built-in LSP client (Neovim 0.7, Debian's `neovim`), headless,
-- as a user would: open a document, wait for the personal-data diagnostics, hover the e-mail address,
-- run `textAnalytics.sentiment`, apply the "Redact …" code action on the e-mail address, undo. It
-- writes what the editor saw as one JSON object and exits 0, or 1 with `error` saying which step
-- failed. Every wait is bounded, so a server that never answers ends the run with an error.
--
-- Neovim 0.7 has `vim.lsp.start_client` + `vim.lsp.buf_attach_client` (no `vim.lsp.start`, which
-- came in 0.8). It speaks UTF-16 with the server (0.7 sends no `general.positionEncodings`) and
-- reports diagnostics as 0-based lines and 0-based UTF-8 byte columns (`vim.diagnostic.get`).
--
-- Usage (the test runs it):
--   TEXT_ANALYTICS_LS_COMMAND='["node","dist/server.js","--stdio"]' \
--   TEXT_ANALYTICS_LS_MODELS=test/fixtures/models \
--   nvim --headless --clean -n -c 'luafile test/editors/neovim.lua' DOCUMENT OUTPUT.json
-- TEXT_ANALYTICS_EDITOR_TIMEOUT_MS bounds each wait (default 20000).

local document = vim.fn.fnamemodify(vim.fn.argv(0), ':p')
local output = vim.fn.argv(1)
local wait_ms = tonumber(vim.env.TEXT_ANALYTICS_EDITOR_TIMEOUT_MS or '') or 20000
local SETTLE_MS = 750

local seen = {
  editor = 'neovim',
  version = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch,
  positions = 'lines and UTF-8 byte columns, both 0-based',
}

-- vim.fn.json_encode prints floats with 6 digits and vim.json.encode with 14; scores must come
-- back exactly as the server sent them, so numbers are written with 17 significant digits.
local function to_json(value)
  local kind = type(value)
  if value == nil or value == vim.NIL then
    return 'null'
  elseif kind == 'boolean' then
    return tostring(value)
  elseif kind == 'number' then
    if value == math.floor(value) and math.abs(value) < 2 ^ 53 then
      return string.format('%d', value)
    end
    return string.format('%.17g', value)
  elseif kind == 'string' then
    return vim.json.encode(value)
  elseif kind == 'table' then
    local parts = {}
    if next(value) == nil then
      return getmetatable(value) == vim._empty_dict_mt and '{}' or '[]'
    end
    if vim.tbl_islist(value) then
      for _, item in ipairs(value) do
        table.insert(parts, to_json(item))
      end
      return '[' .. table.concat(parts, ',') .. ']'
    end
    local keys = vim.tbl_keys(value)
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, key in ipairs(keys) do
      table.insert(parts, vim.json.encode(tostring(key)) .. ':' .. to_json(value[key]))
    end
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return vim.json.encode(tostring(value))
end

local finished = false
local function finish(code)
  if finished then
    return
  end
  finished = true
  vim.fn.writefile({ to_json(seen) }, output)
  -- Stop the server without waiting for it: the test kills whatever is left.
  for _, client in pairs(vim.lsp.get_active_clients()) do
    client.stop(true)
  end
  vim.cmd('cquit ' .. code)
end

local step = 'starting'
-- A last bound on the whole run, in case a step waits somewhere this script does not expect.
vim.defer_fn(function()
  seen.error = 'the whole run took more than ' .. (wait_ms * 6) .. ' ms (last step: ' .. step .. ')'
  finish(3)
end, wait_ms * 6)

local function buffer_text(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  local text = table.concat(lines, '\n')
  -- Neovim keeps the last line's newline as the 'eol' option, not in the lines.
  if vim.bo[bufnr].eol then
    text = text .. '\n'
  end
  return text
end

-- Waits for `condition` or fails the step with what it waited for.
local function wait_for(what, condition)
  if not vim.wait(wait_ms, condition, 20) then
    error('no ' .. what .. ' within ' .. wait_ms .. ' ms', 0)
  end
end

local function request(client, bufnr, method, params)
  local response, failure = client.request_sync(method, params, wait_ms, bufnr)
  if not response then
    error(method .. ' got no answer within ' .. wait_ms .. ' ms (' .. tostring(failure) .. ')', 0)
  end
  if response.err then
    error(method .. ' failed: ' .. tostring(response.err.message or vim.inspect(response.err)), 0)
  end
  return response.result
end

local function hover_text(result)
  if not result or not result.contents then
    return nil
  end
  local lines = vim.lsp.util.convert_input_to_markdown_lines(result.contents)
  return table.concat(vim.lsp.util.trim_empty_lines(lines), '\n')
end

local function run()
  local command = vim.json.decode(vim.env.TEXT_ANALYTICS_LS_COMMAND or 'null')
  if type(command) ~= 'table' then
    error('TEXT_ANALYTICS_LS_COMMAND must be a JSON array: the server command and its arguments', 0)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.api.nvim_buf_get_name(bufnr) ~= document then
    vim.cmd('edit ' .. vim.fn.fnameescape(document))
    bufnr = vim.api.nvim_get_current_buf()
  end
  if vim.bo[bufnr].filetype == '' then
    vim.bo[bufnr].filetype = 'markdown'
  end
  seen.original = buffer_text(bufnr)

  step = 'initialize'
  local settings = { textAnalytics = { server = { modelsDir = vim.env.TEXT_ANALYTICS_LS_MODELS } } }
  local client_id = vim.lsp.start_client({
    name = 'text-analytics-ls',
    cmd = command,
    root_dir = vim.fn.fnamemodify(document, ':h'),
    -- Neovim 0.7 answers workspace/configuration from `settings` but does not say it can (no
    -- `workspace.configuration` capability) and never sends them by itself, so the server gets
    -- them as it does from nvim-lspconfig: in initializationOptions (there from the first
    -- analysis) and in a didChangeConfiguration once initialized.
    settings = settings,
    init_options = settings,
    on_init = function(started)
      started.notify('workspace/didChangeConfiguration', { settings = settings })
    end,
    flags = { debounce_text_changes = 50 },
    on_exit = function(code, signal)
      seen.serverExit = { code = code, signal = signal }
    end,
  })
  if not client_id then
    error('vim.lsp.start_client could not start ' .. table.concat(command, ' '), 0)
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client
  wait_for('answer to initialize', function()
    client = vim.lsp.get_client_by_id(client_id)
    return (client and client.initialized) or seen.serverExit ~= nil
  end)
  if seen.serverExit then
    error('the server exited during initialize (code ' .. tostring(seen.serverExit.code) .. ')', 0)
  end
  seen.offsetEncoding = client.offset_encoding

  step = 'diagnostics'
  local namespace = vim.lsp.diagnostic.get_namespace(client_id)
  -- The first diagnostics, then none newer for a moment: a server may publish again as its
  -- analysis ends, and what the user is left with is the last.
  local diagnostics, shown, since = {}, nil, nil
  wait_for('personal-data diagnostics (then none newer for ' .. SETTLE_MS .. ' ms)', function()
    local unchanged = vim.deep_equal(vim.diagnostic.get(bufnr, { namespace = namespace }), diagnostics)
    if not unchanged then
      diagnostics = vim.diagnostic.get(bufnr, { namespace = namespace })
      shown, since = #diagnostics > 0, vim.loop.now()
    end
    return shown and vim.loop.now() - since >= SETTLE_MS
  end)
  table.sort(diagnostics, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  seen.diagnostics = vim.tbl_map(function(d)
    return {
      line = d.lnum, col = d.col, endLine = d.end_lnum, endCol = d.end_col,
      code = d.code, source = d.source, severity = d.severity, message = d.message,
    }
  end, diagnostics)
  local email, name
  for _, d in ipairs(diagnostics) do
    if d.code == 'EMAIL_ADDRESS' then
      email = d
    elseif d.code == 'PERSON' then
      name = d
    end
  end
  if not email or not name then
    error('no EMAIL_ADDRESS or no PERSON among the diagnostics', 0)
  end

  step = 'hover'
  -- The cursor one character into the name, as a user pointing at it would be.
  vim.api.nvim_win_set_cursor(0, { name.lnum + 1, name.col + 1 })
  local hover = request(client, bufnr, 'textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding))
  seen.hover = hover_text(hover)

  step = 'textAnalytics.sentiment'
  local uri = vim.uri_from_bufnr(bufnr)
  seen.sentiment = request(client, bufnr, 'workspace/executeCommand', {
    command = 'textAnalytics.sentiment',
    arguments = { uri, vim.empty_dict() },
  })

  step = 'code action'
  -- The e-mail diagnostic as the server sent it (with its data), the range it covers.
  local lsp_diagnostic = email.user_data and email.user_data.lsp or {}
  local lsp_range = {
    start = { line = email.lnum, character = vim.lsp.util.character_offset(bufnr, email.lnum, email.col, client.offset_encoding) },
    ['end'] = { line = email.end_lnum, character = vim.lsp.util.character_offset(bufnr, email.end_lnum, email.end_col, client.offset_encoding) },
  }
  local context_diagnostic = vim.tbl_extend('force', lsp_diagnostic, {
    range = lsp_range, message = email.message, source = email.source, code = email.code,
    severity = email.severity,
  })
  local actions = request(client, bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = lsp_range,
    context = { diagnostics = { context_diagnostic } },
  }) or {}
  seen.codeActions = vim.tbl_map(function(a) return a.title end, actions)
  local redact
  for _, action in ipairs(actions) do
    if not redact and type(action.title) == 'string' and action.title:match('^Redact') then
      redact = action
    end
  end
  if not redact then
    error('no "Redact …" code action on the e-mail address (offered: ' .. table.concat(seen.codeActions, '; ') .. ')', 0)
  end
  seen.redactAction = redact.title
  local before = buffer_text(bufnr)
  -- What Neovim's own code-action menu does with the chosen action.
  if redact.edit then
    vim.lsp.util.apply_workspace_edit(redact.edit, client.offset_encoding)
  end
  local command_of = type(redact.command) == 'table' and redact.command or (type(redact.command) == 'string' and redact)
  if command_of then
    request(client, bufnr, 'workspace/executeCommand', { command = command_of.command, arguments = command_of.arguments })
  end
  wait_for('change to the buffer after the redaction', function()
    return buffer_text(bufnr) ~= before
  end)
  seen.redacted = buffer_text(bufnr)

  step = 'undo'
  vim.cmd('undo')
  seen.undone = buffer_text(bufnr)
  seen.modifiedAfterUndo = vim.bo[bufnr].modified

  step = 'shutdown'
  client.stop()
  wait_for('end of the server after shutdown and exit', function()
    return client.is_stopped() and seen.serverExit ~= nil
  end)
end

local ok, failure = pcall(run)
if not ok then
  seen.error = step .. ': ' .. tostring(failure)
  finish(1)
else
  finish(0)
end
