import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { readStateFile } from '../stateFile.js';
import { shortId } from './containerSetup.js';

const Pin = z.object({ host: z.string(), image: z.string(), id: z.string() });
const Pins = z.record(z.string(), Pin);
export type ImagePin = z.infer<typeof Pin>;

/**
 * The image id each server was built or installed with, per server, in Berth's state (never in the
 * user's spec file, which names a tag). A tag is only a name anyone on the engine can move
 * (`docker build -t`, `docker pull`); the pin is what Berth checked, built or pulled itself.
 * A build or update through Berth re-pins; a server whose tag points elsewhere is refused.
 */
export class ImagePins {
  private pins: Record<string, ImagePin> = {};

  constructor(private readonly stateDir: string) {}

  private get file(): string {
    return path.join(this.stateDir, 'image-pins.json');
  }

  async load(report: (sentence: string) => void): Promise<void> {
    this.pins = await readStateFile(this.file, Pins, {}, report);
  }

  /** The id the server is pinned to for this image on this host; none when it never ran it (or its spec now names another image). */
  get(server: string, host: string, image: string): string | undefined {
    const pin = this.pins[server];
    return pin && pin.host === host && pin.image === image ? pin.id : undefined;
  }

  set(server: string, pin: ImagePin): void {
    const old = this.pins[server];
    if (old && old.host === pin.host && old.image === pin.image && old.id === pin.id) return;
    this.pins[server] = pin;
    this.save();
  }

  forget(server: string): void {
    if (!(server in this.pins)) return;
    delete this.pins[server];
    this.save();
  }

  private save(): void {
    writePrivateFile(this.file, JSON.stringify(this.pins));
  }
}

/** The one sentence for a tag moved outside Berth. */
export function movedTagSentence(server: string, image: string, pinned: string, now: string): string {
  return `image ${image} now points to ${shortId(now)}, not to ${shortId(pinned)} that server ${server} was built or installed with (the tag was moved outside Berth), so Berth does not run it; \`berth build ${server} --force\` builds or pulls it again through Berth and pins that`;
}
