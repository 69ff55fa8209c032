import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ClientId } from '../protocol/clients.js';
import { ServerName } from '../protocol/spec.js';
import { writePrivateFile } from '../atomicFile.js';

/** One entry as Berth wrote it: compared with the file later to see whether it drifted. */
const Written = z.object({ key: z.string(), entry: z.record(z.string(), z.unknown()) }).strict();

/** Berth's entries in one client file. */
export const Registration = z
  .object({
    client: ClientId,
    file: z.string(),
    project: z.string().optional(),
    /** What Berth had to create for its first entry, so that unregistering the last one removes it again. */
    created: z.enum(['file', 'container']).optional(),
    entries: z.record(ServerName, Written),
  })
  .strict();
export type Registration = z.infer<typeof Registration>;

const StateFile = z.object({ version: z.literal(1), registrations: z.array(Registration) }).strict();
type StateFile = z.infer<typeof StateFile>;

/** What Berth wrote into client files, kept under its state dir. */
export class ClientState {
  private constructor(
    private readonly file: string,
    private data: StateFile,
  ) {}

  static async load(file: string): Promise<ClientState> {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (text === undefined) return new ClientState(file, { version: 1, registrations: [] });
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = StateFile.safeParse(raw);
    if (!parsed.success) throw new Error(`Berth's record of client entries, ${file}, is damaged; remove it and run \`berth clients register\` again`);
    return new ClientState(file, parsed.data);
  }

  get registrations(): readonly Registration[] {
    return this.data.registrations;
  }

  find(file: string): Registration | undefined {
    return this.data.registrations.find((r) => r.file === file);
  }

  /** Stores `r` in place of the registration for its file; one without entries is forgotten. */
  put(r: Registration): void {
    const rest = this.data.registrations.filter((x) => x.file !== r.file);
    this.data = { ...this.data, registrations: Object.keys(r.entries).length ? [...rest, r] : rest };
  }

  async save(): Promise<void> {
    writePrivateFile(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
