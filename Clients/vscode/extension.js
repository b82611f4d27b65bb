'use strict';
// explaind for VS Code: "Explain Selection" shades the selection's tokens by score and shows the
// prediction in the status bar. One daemon per window, started on first use, positions in utf-16.
const vscode = require('vscode');
const { ExplaindClient, ErrorCodes } = require('./protocol');
const { tokenShades, allShadeKeys, colour, predictionText } = require('./decorations');

let client = null;          // a Promise of an initialized ExplaindClient
let inFlight = null;        // { id, document, version } of the explain request being waited for
let decorationTypes = new Map();
let statusItem = null;

function settings() {
  const config = vscode.workspace.getConfiguration('explaind');
  return {
    command: config.get('command', ['explaind']),
    model: config.get('model', ''),
    method: config.get('method', 'vanillaGradient'),
    target: config.get('target', ''),
  };
}

function connect() {
  if (!client) {
    const [command, ...args] = settings().command;
    const c = new ExplaindClient(command, args);
    c.on('exit', () => { client = null; });
    client = c.initialize('explaind-vscode').then(() => c);
    client.catch(() => { client = null; });
  }
  return client;
}

function clearDecorations(editor) {
  for (const type of decorationTypes.values()) editor.setDecorations(type, []);
}

async function explainSelection() {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const { document } = editor;
  const range = editor.selection.isEmpty ? document.lineAt(editor.selection.active.line).range : editor.selection;
  const text = document.getText(range);
  if (!text.trim()) return vscode.window.showWarningMessage('explaind: nothing to explain here');
  const base = document.offsetAt(range.start);
  const { model, method, target } = settings();
  const params = { text, method };
  if (model) params.model = model;
  if (target) params.target = target;

  let c;
  try { c = await connect(); } catch (error) {
    return vscode.window.showErrorMessage(`explaind: cannot start the daemon: ${error.message}`);
  }
  if (inFlight) c.cancel(inFlight.id);
  const request = c.start('explain', params);
  const mine = { id: request.id, document, version: document.version };
  inFlight = mine;
  statusItem.text = `$(sync~spin) explaind: ${method}`;
  statusItem.show();
  let explanation;
  try {
    explanation = await request.result;
  } catch (error) {
    if (inFlight === mine) inFlight = null;
    if (error.code === ErrorCodes.RequestCancelled) return;  // an edit or a newer request replaced it
    statusItem.text = 'explaind: error';
    return vscode.window.showErrorMessage(`explaind: ${error.message}`);
  }
  if (inFlight !== mine) return;
  inFlight = null;
  clearDecorations(editor);
  for (const [key, spans] of tokenShades(explanation)) {
    const ranges = spans.map(([start, end]) =>
      new vscode.Range(document.positionAt(base + start), document.positionAt(base + end)));
    editor.setDecorations(decorationTypes.get(key), ranges);
  }
  statusItem.text = `$(symbol-misc) ${predictionText(explanation)}`;
  statusItem.tooltip = explanation.tokens.filter((t) => !t.special)
    .map((t) => `${t.text}\t${t.score.toFixed(3)}`).join('\n');
}

function clear() {
  const editor = vscode.window.activeTextEditor;
  if (editor) clearDecorations(editor);
  statusItem.hide();
}

function activate(context) {
  for (const key of allShadeKeys()) {
    decorationTypes.set(key, vscode.window.createTextEditorDecorationType({
      backgroundColor: colour(key), color: key.endsWith('-4') || key.endsWith('-5') ? '#ffffff' : '#000000',
    }));
  }
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left);
  context.subscriptions.push(
    ...decorationTypes.values(), statusItem,
    vscode.commands.registerCommand('explaind.explainSelection', explainSelection),
    vscode.commands.registerCommand('explaind.clear', clear),
    // An edit makes the request in flight stale: cancel it.
    vscode.workspace.onDidChangeTextDocument(async (event) => {
      if (inFlight && event.document === inFlight.document && event.contentChanges.length) {
        const stale = inFlight;
        inFlight = null;
        (await client)?.cancel(stale.id);
      }
    }));
}

async function deactivate() {
  if (client) await (await client).shutdown();
}

module.exports = { activate, deactivate };
