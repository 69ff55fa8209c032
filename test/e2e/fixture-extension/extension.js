// Minimal extension used only by test/e2e/smoke.e2e.ts to prove the harness: a tree view with
// two fixed rows, a command that shows a notification, and an MCP server definition provider
// (the same API Berth uses) so "MCP: List Servers" has something of ours to show.
const vscode = require('vscode');

const ROWS = ['First harness row', 'Second harness row'];

function activate(context) {
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('harnessCheck.rows', {
      getChildren: () => ROWS,
      getTreeItem: (label) => new vscode.TreeItem(label),
    }),
    vscode.commands.registerCommand('harnessCheck.sayHello', () =>
      vscode.window.showInformationMessage('Hello from the harness check'),
    ),
  );
  // Guarded so the fixture still loads on a VS Code without the MCP API.
  if (vscode.lm && vscode.lm.registerMcpServerDefinitionProvider) {
    context.subscriptions.push(
      vscode.lm.registerMcpServerDefinitionProvider('harnessCheck.mcp', {
        // Never started by the smoke test; listing it is enough.
        provideMcpServerDefinitions: () => [
          new vscode.McpStdioServerDefinition('harness-echo', process.execPath, ['--version']),
        ],
      }),
    );
  }
}

function deactivate() {}

module.exports = { activate, deactivate };
