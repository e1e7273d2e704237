-- Drives DebugLLM through Neovim's built-in LSP client (written for Neovim 0.7.2; no vim.lsp.start).
--
-- Run as:  nvim --headless -u NONE -i NONE -n -c "luafile probe.lua" buggy.py
-- Environment:
--   DEBUGLLM_LSP_CMD   JSON list, the server command (e.g. ["/path/.venv/bin/debugllm-lsp"])
--   PROBE_REPORT       where to write the JSON report
--   PROBE_MODE         "resolve" (Neovim's default capabilities: edits come from codeAction/resolve)
--                      or "inline" (no resolveSupport: edits come inline with the action)
--   PROBE_TIMEOUT_MS   how long to wait for each step (default 30000)
--   PROBE_EXPECT_CODE  the diagnostic code to fix (default "syntax-error")
--
-- The report always has ok=true|false and step/error on failure; Neovim exits 0 only on success.

local report = { ok = false, step = "start", mode = os.getenv("PROBE_MODE") or "resolve" }
local report_path = assert(os.getenv("PROBE_REPORT"), "PROBE_REPORT is not set")
local timeout = tonumber(os.getenv("PROBE_TIMEOUT_MS") or "30000")
local expect_code = os.getenv("PROBE_EXPECT_CODE") or "syntax-error"

local function write_report()
  local ok, text = pcall(vim.fn.json_encode, report)
  if not ok then
    report.edit = vim.inspect(report.edit)
    report.report_error = tostring(text)
    ok, text = pcall(vim.fn.json_encode, report)
  end
  local file = assert(io.open(report_path, "w"))
  file:write(ok and text or vim.fn.json_encode({ ok = false, error = "report: " .. tostring(text) }))
  file:close()
end

local function step(name)
  report.step = name
  write_report() -- a killed Neovim still leaves the last step it reached
end

local function fail(message)
  error({ probe = true, message = message }, 0)
end

local function buffer_lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

local function summarize(diagnostics)
  local out = {}
  for _, d in ipairs(diagnostics) do
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      source = d.source,
      code = d.code,
      message = d.message,
    })
  end
  return out
end

local function probe()
  local bufnr = vim.api.nvim_get_current_buf()
  local cmd_json = assert(os.getenv("DEBUGLLM_LSP_CMD"), "DEBUGLLM_LSP_CMD is not set")
  local cmd = vim.fn.json_decode(cmd_json)
  local path = vim.api.nvim_buf_get_name(bufnr)
  report.file = path

  local capabilities = vim.lsp.protocol.make_client_capabilities()
  if report.mode == "inline" then
    capabilities.textDocument.codeAction.resolveSupport = nil
  end

  step("start_client")
  local exited = nil
  local client_id = vim.lsp.start_client({
    name = "debugllm",
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(path, ":h"),
    capabilities = capabilities,
    flags = { debounce_text_changes = 50 },
    on_exit = function(code, signal)
      exited = { code = code, signal = signal }
    end,
  })
  if not client_id then
    fail("vim.lsp.start_client returned nil")
  end
  if not vim.lsp.buf_attach_client(bufnr, client_id) then
    fail("vim.lsp.buf_attach_client failed")
  end

  step("initialize")
  local client = nil
  local initialized = vim.wait(timeout, function()
    client = vim.lsp.get_client_by_id(client_id)
    return exited ~= nil or (client ~= nil and client.initialized == true)
  end, 20)
  if exited then
    fail("the server exited during start-up: " .. vim.inspect(exited))
  end
  if not initialized then
    fail("the server did not finish initialize in " .. timeout .. " ms")
  end
  report.server_name = client.name
  local provider = client.server_capabilities.codeActionProvider
  report.resolve_provider = type(provider) == "table" and provider.resolveProvider == true

  step("wait_diagnostics")
  local target = nil
  local got = vim.wait(timeout, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == "debugllm" and d.code == expect_code then
        target = d
        return true
      end
    end
    return exited ~= nil
  end, 20)
  report.diagnostics = summarize(vim.diagnostic.get(bufnr))
  if exited then
    fail("the server exited: " .. vim.inspect(exited))
  end
  if not got or not target then
    fail("no " .. expect_code .. " diagnostic from debugllm within " .. timeout .. " ms")
  end
  report.target = summarize({ target })[1]

  -- The diagnostic as the client itself sends it back (what vim.lsp.buf.code_action() does).
  local lsp_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, target.lnum, nil, client_id)
  local lsp_target = nil
  for _, d in ipairs(lsp_diagnostics) do
    if d.code == expect_code and d.range.start.character == target.col then
      lsp_target = d
    end
  end
  if not lsp_target then
    fail("get_line_diagnostics lost the diagnostic: " .. vim.inspect(lsp_diagnostics))
  end

  step("hover")
  local hover = client.request_sync("textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = lsp_target.range.start,
  }, timeout, bufnr)
  if hover and hover.result and hover.result ~= vim.NIL then
    local contents = hover.result.contents
    report.hover_kind = type(contents) == "table" and contents.kind or nil
    report.hover = type(contents) == "table" and contents.value or tostring(contents)
  elseif hover and hover.err then
    report.hover_error = vim.inspect(hover.err)
  end

  step("code_action")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_target.range,
    context = { diagnostics = { lsp_target } },
  }
  local response, reason = client.request_sync("textDocument/codeAction", params, timeout, bufnr)
  if not response then
    fail("textDocument/codeAction got no answer: " .. tostring(reason))
  end
  if response.err then
    fail("textDocument/codeAction failed: " .. vim.inspect(response.err))
  end
  local actions = response.result
  if type(actions) ~= "table" then
    actions = {}
  end
  report.actions = {}
  local chosen = nil
  for _, action in ipairs(actions) do
    table.insert(report.actions, {
      title = action.title,
      kind = action.kind,
      isPreferred = action.isPreferred == true,
      has_edit = action.edit ~= nil,
    })
    if action.kind == "quickfix" and (chosen == nil or (action.isPreferred and not chosen.isPreferred)) then
      chosen = action
    end
  end
  if not chosen then
    fail("no quickfix action among " .. #actions .. " actions")
  end
  report.chosen = chosen.title
  report.chosen_preferred = chosen.isPreferred == true
  report.inline_edit = chosen.edit ~= nil

  if not chosen.edit then
    step("resolve")
    local resolved, why = client.request_sync("codeAction/resolve", chosen, timeout, bufnr)
    if not resolved then
      fail("codeAction/resolve got no answer: " .. tostring(why))
    end
    if resolved.err then
      fail("codeAction/resolve failed: " .. vim.inspect(resolved.err))
    end
    chosen = resolved.result
    report.resolved = true
    if not chosen or not chosen.edit then
      fail("the resolved action has no edit: " .. vim.inspect(chosen))
    end
  end
  report.edit = chosen.edit

  step("apply")
  vim.lsp.util.apply_workspace_edit(chosen.edit, "utf-16")
  report.lines_after_edit = buffer_lines(bufnr)

  step("write")
  vim.cmd("write")

  -- The edit reaches the server as a didChange; it must withdraw the diagnostic it fixed.
  step("wait_clear")
  local cleared = vim.wait(timeout, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == "debugllm" and d.code == expect_code then
        return false
      end
    end
    return true
  end, 20)
  report.diagnostics_after_fix = summarize(vim.diagnostic.get(bufnr))
  report.cleared = cleared

  step("done")
  report.ok = true
end

local ok, err = pcall(probe)
if not ok then
  report.ok = false
  if type(err) == "table" and err.probe then
    report.error = err.message
  else
    report.error = "Lua error: " .. tostring(err)
  end
end
pcall(write_report)
if report.ok then
  vim.cmd("qa!")
else
  vim.cmd("cquit 1")
end
