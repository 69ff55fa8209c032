// Registers every Berth server with VS Code's own MCP support. Each definition runs
// `berth connect NAME`, a stdio bridge through the daemon, so every client shares one container.
// With `berth.mcp.enabled`, one more ("Berth") runs `berth mcp`: Berth's own tools.
import * as vscode from 'vscode';
import { readConfig } from '../config.js';
import type { Ctx } from '../ctx.js';
import { isRunning } from '../tree/nodes.js';
import { BERTH_DEFINITION_LABEL, berthMcpLaunch, connectLaunch, definitionsKey } from './definitions.js';
import { VERSION } from '../../daemon/protocol/version.js';
import { startServers } from '../commands/server/startServer.js';

export const MCP_PROVIDER_ID = 'berth.servers';

class BerthMcpProvider implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private key = '';
  /** Which server each handed-out definition stands for (labels are display text, not identity). */
  private readonly names = new WeakMap<vscode.McpStdioServerDefinition, string>();
  private readonly subscription: vscode.Disposable;
  private readonly settings: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    // Stats ticks arrive often; VS Code is told only when a server appears, goes, or changes tools.
    this.subscription = ctx.onDidChangeServers((servers) => {
      const key = definitionsKey(servers, ctx.toolVersions);
      if (key !== this.key) {
        this.key = key;
        this.changed.fire();
      }
    });
    this.settings = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('berth.mcp.enabled') || e.affectsConfiguration('berth.mcp.allowWrite')) this.changed.fire();
    });
  }

  async provideMcpServerDefinitions(): Promise<vscode.McpStdioServerDefinition[]> {
    try {
      await this.ctx.whenConnected();
    } catch (e) {
      this.ctx.output.warn(`no MCP servers offered to VS Code: ${(e as Error).message}`);
      return [];
    }
    this.key = definitionsKey(this.ctx.serverList, this.ctx.toolVersions);
    const from = { execPath: process.execPath, berthEntry: this.ctx.berthEntry, berthHome: process.env.BERTH_HOME };
    const defs = this.ctx.serverList.map((s) => {
      const launch = connectLaunch(s.name, from);
      const def = new vscode.McpStdioServerDefinition(s.name, launch.command, launch.args, launch.env, this.ctx.toolVersions.get(s.name));
      this.names.set(def, s.name);
      return def;
    });
    const { enabled, allowWrite } = readConfig().berthMcp;
    if (!enabled) return defs;
    const launch = berthMcpLaunch({ ...from, allowWrite });
    // The version moves with the setting, so VS Code re-reads the tools when writes are turned on or off.
    const berth = new vscode.McpStdioServerDefinition(BERTH_DEFINITION_LABEL, launch.command, launch.args, launch.env, `${VERSION}-${allowWrite ? 'write' : 'read'}`);
    return [...defs, berth];
  }

  /** Called right before VS Code starts a server: a stopped one is started here, with progress, so a slow image build never hits the client's timeout. */
  async resolveMcpServerDefinition(def: vscode.McpStdioServerDefinition): Promise<vscode.McpStdioServerDefinition> {
    // Berth's own server needs nothing started; `berth mcp` reaches the daemon itself.
    if (def.label === BERTH_DEFINITION_LABEL && !this.names.has(def)) return def;
    const name = this.names.get(def) ?? def.label;
    await this.ctx.whenConnected();
    const server = this.ctx.server(name);
    if (!server) throw new Error(`Berth has no server named ${name} any more`);
    if (isRunning(server)) return def;
    if (!readConfig().startOnDemand) throw new Error(`the Berth server ${name} is ${server.phase}; start it from the Berth view (berth.mcp.startOnDemand is off)`);
    await startServers(this.ctx, [name]);
    return def;
  }

  dispose(): void {
    this.subscription.dispose();
    this.settings.dispose();
    this.changed.dispose();
  }
}

/** Registers the provider where VS Code has the API (1.101+); older hosts just skip it. */
export function registerMcpProvider(ctx: Ctx): vscode.Disposable | undefined {
  const lm: Partial<typeof vscode.lm> | undefined = vscode.lm;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function') {
    ctx.output.info('this VS Code has no MCP server API; Berth servers are not registered with its agents');
    return undefined;
  }
  const provider = new BerthMcpProvider(ctx);
  return vscode.Disposable.from(provider, lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
}
