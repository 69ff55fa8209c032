import { z } from 'zod';
import type { CatalogItem, InstallStep, ServersInstall } from '../protocol/catalog.js';
import type { ServerSpecInput } from '../protocol/spec.js';
import type { Registry } from '../servers/registry.js';
import { imageOf } from '../servers/kind.js';
import { parseCpus, parseMemory } from '../servers/units.js';
import type { Catalogs } from './catalogs.js';
import { hardeningGaps, imageLabelCheck, secretsInDefaults } from './installChecks.js';

type InstallParams = z.infer<typeof ServersInstall.params>;
type InstallResult = z.infer<typeof ServersInstall.result>;

class StepFailed extends Error {}

/**
 * `berth install`: resolve the entry, build its image, run it once in a throwaway container hardened
 * like any server, test the connection (initialize, list tools), check the container and the
 * entry, then add it to the user spec file (and start it if asked). Any failed step stops it with
 * nothing added and no container left; the steps done so far are reported with the one that failed.
 */
export async function install(deps: { catalogs: Catalogs; registry: Registry }, p: InstallParams, progress: (line: string) => void): Promise<InstallResult> {
  const steps: InstallStep[] = [];
  let name = p.name ?? p.entry;
  const pass = (step: InstallStep['step'], text: string) => steps.push({ step, ok: true, text });
  const attempt = async <T>(step: InstallStep['step'], run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof StepFailed) throw e;
      steps.push({ step, ok: false, text: (e as Error).message });
      throw new StepFailed();
    }
  };
  try {
    const item = await attempt('resolve', () => deps.catalogs.find(p.entry, p.version));
    name = p.name ?? item.serverName;
    const input = await attempt('resolve', () => Promise.resolve(specInput(item, p, deps.registry.has(name) ? name : undefined)));
    const { registry } = deps;
    await registry.trial(input, async (sup, lastOutput) => {
      const rt = registry.runtimeFor(sup.spec.host);
      const remote = sup.spec.remote;
      if (remote) {
        pass('build', `nothing to build: a hosted server at ${remote.url}`);
      } else {
        const present = await attempt('build', () => rt.imageExists(imageOf(sup.spec)));
        await attempt('build', () => sup.build(progress, false));
        pass('build', sup.spec.build ? `${present ? 'image' : 'built'} ${sup.spec.image} (${item.source})` : `${present ? 'image' : 'pulled'} ${sup.spec.image}`);
      }

      let asked = Date.now();
      await attempt('connection', async () => {
        try {
          await sup.start((line) => {
            if (line.includes('answer MCP initialize')) asked = Date.now();
            progress(line);
          });
        } catch (e) {
          const out = await lastOutput();
          // The throwaway name means nothing to the user: the failure is the entry's.
          const reason = (e as Error).message.replace(`server ${sup.name} failed to start: `, '').replaceAll(`server ${sup.name}`, 'it');
          throw new Error(`the test run failed: ${reason}${out.length ? `; its last output: ${out.join(' | ')}` : ''}`);
        }
      });
      const tools = sup.capabilities?.tools.length ?? 0;
      pass('connection', `initialize in ${Date.now() - asked} ms, ${tools} tool${tools === 1 ? '' : 's'}`);

      await attempt('checks', async () => {
        const leaks = secretsInDefaults(item.spec?.env);
        if (leaks.length) throw new Error(`secrets in the entry's defaults: ${leaks.join('; ')}`);
        if (remote) {
          pass('checks', 'remote (no container of ours to harden), no secrets in defaults');
          return;
        }
        const info = sup.containerId ? await rt.inspect(sup.containerId) : undefined;
        if (!info) throw new Error('its test container is gone, so its hardening cannot be read back');
        const gaps = hardeningGaps(info.hardening, sup.spec);
        if (gaps.length) throw new Error(`not hardened as its spec says: ${gaps.join('; ')}`);
        const labels = await imageLabelCheck(rt, sup.spec);
        if (!labels.ok) throw new Error(labels.text);
        pass('checks', `hardened, no secrets in defaults, ${labels.text}`);
      });
    });

    if (p.test) {
      pass('install', `tested ${item.id}; nothing added (install it without --test)`);
      return { ok: true, name, steps };
    }
    await attempt('install', () => registry.add(name, input));
    if (p.start) {
      await attempt('install', async () => {
        try {
          await registry.get(name).start(progress);
        } catch (e) {
          await registry.remove(name).catch(() => undefined);
          throw e;
        }
      });
      pass('install', `installed ${name} (${registry.get(name).phase})`);
    } else {
      pass('install', `installed ${name} (stopped; \`berth start ${name}\`)`);
    }
    return { ok: true, name, steps };
  } catch (e) {
    if (!(e instanceof StepFailed)) steps.push({ step: 'install', ok: false, text: (e as Error).message });
    return { ok: false, name, steps };
  }
}

/** The entry's spec with the user's flags over it; refused when a required input is missing or the name is taken. */
function specInput(item: CatalogItem, p: InstallParams, taken: string | undefined): z.input<typeof ServerSpecInput> {
  if (item.unrunnable || !item.spec) throw new Error(`${item.id} cannot be installed: ${item.unrunnable ?? 'its catalog gives no way to run it'}`);
  if (taken) throw new Error(`a server named "${taken}" exists already; give another name with --name`);
  const missingEnv = item.inputs.filter((i) => i.kind === 'env' && i.required && p.env?.[i.name] === undefined);
  const argInputs = item.inputs.filter((i) => i.kind === 'arg' && i.required);
  const missingArgs = argInputs.slice(p.args?.length ?? 0);
  const missing = [...missingEnv.map((i) => `--env ${i.name}=…${i.description ? ` (${i.description})` : ''}`), ...missingArgs.map((i) => `--arg ${i.name}${i.description ? ` (${i.description})` : ''}`)];
  if (missing.length) throw new Error(`${item.id} needs ${missing.join(', ')}`);
  if (p.memory !== undefined) parseMemory(p.memory);
  if (p.cpus !== undefined) parseCpus(p.cpus);
  const args = [...(item.spec.args ?? []), ...(p.args ?? [])];
  const env = { ...item.spec.env, ...p.env };
  const limits = p.memory || p.cpus ? { ...item.spec.limits, ...(p.memory ? { memory: p.memory } : {}), ...(p.cpus ? { cpus: p.cpus } : {}) } : item.spec.limits;
  return {
    ...item.spec,
    ...(p.host ? { host: p.host } : {}),
    ...(args.length ? { args } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(p.volumes?.length ? { volumes: p.volumes } : {}),
    ...(limits ? { limits } : {}),
    ...(p.network ? { network: p.network } : {}),
  };
}
