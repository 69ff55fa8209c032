import { applyEdits, findNodeAtLocation, format, getNodeValue, modify, parseTree, printParseErrorCode, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser';
import YAML, { isMap, isScalar, isSeq, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ConfigShape } from './client.js';

/** A client file that cannot be read safely; Berth leaves such a file exactly as it is. */
export class ConfigFileError extends Error {}

/**
 * A client's config file, edited in place: only the entries asked for change, every other
 * entry, comment and blank line is kept as it was.
 */
export interface ConfigDoc {
  /** The names of the entries in the container, in file order. */
  keys(): string[];
  has(key: string): boolean;
  /** The entry under `key` as plain data (undefined when there is none). */
  get(key: string): unknown;
  /** Writes `fields` into the entry under `key` (creating it) and removes `drop`; other fields of the entry stay. */
  put(key: string, fields: Record<string, unknown>, drop: readonly string[]): void;
  remove(key: string): void;
  hasContainer(): boolean;
  /** Removes the container when no entry is left in it: undoes a container Berth created. */
  dropEmptyContainer(): void;
  /** Nothing but an empty top level is left: undoes a file Berth created. */
  isEmpty(): boolean;
  text(): string;
}

export function openConfig(shape: ConfigShape, file: string, text: string | undefined): ConfigDoc {
  return shape.format === 'json' ? new JsonDoc(file, shape.container, text) : new YamlListDoc(file, shape.container, text);
}

function refuse(file: string, what: string, line: number, column: number, why: string): never {
  throw new ConfigFileError(`${file} is not valid ${what} at line ${line}, column ${column} (${why}); Berth did not touch it — fix the file, then run the command again`);
}

class JsonDoc implements ConfigDoc {
  private src: string;
  private root!: Node;
  private readonly fmt: FormattingOptions;

  constructor(
    private readonly file: string,
    private readonly container: string,
    text: string | undefined,
  ) {
    this.src = text === undefined || text.trim() === '' ? '{}' : text;
    this.fmt = detectFormatting(this.src);
    this.reparse();
    const c = this.containerNode();
    if (c && c.type !== 'object') throw new ConfigFileError(`${file}: "${container}" is not an object, so Berth cannot add entries to it; Berth did not touch the file`);
  }

  private reparse(): void {
    const errors: ParseError[] = [];
    // Comments and trailing commas are kept as found: VS Code and Cursor accept both.
    const root = parseTree(this.src, errors, { allowTrailingComma: true, disallowComments: false });
    const first = errors[0];
    if (first) {
      const { line, column } = lineColumn(this.src, first.offset);
      refuse(this.file, 'JSON', line, column, printParseErrorCode(first.error));
    }
    if (!root || root.type !== 'object') throw new ConfigFileError(`${this.file}: its top level is not a JSON object; Berth did not touch it`);
    this.root = root;
  }

  private containerNode(): Node | undefined {
    return findNodeAtLocation(this.root, [this.container]);
  }

  /**
   * jsonc-parser's own formatting would re-indent every line an insertion touches, unfolding a
   * neighbour written on one line; only the inserted text (and the gaps around it) is formatted.
   * A removal takes out the entry and its comma and nothing else, so register then unregister
   * gives back the original bytes.
   */
  private edit(path: (string | number)[], value: unknown): void {
    const edits = modify(this.src, path, value, {});
    let next = applyEdits(this.src, edits);
    const edit = edits[0];
    if (value !== undefined && edit && edits.length === 1) {
      const start = Math.max(0, edit.offset - 1);
      const end = Math.min(next.length, edit.offset + edit.content.length + 1);
      next = applyEdits(next, format(next, { offset: start, length: end - start }, this.fmt));
    }
    this.src = next;
    this.reparse();
  }

  keys(): string[] {
    const c = this.containerNode();
    return (c?.children ?? []).map((prop): unknown => prop.children?.[0]?.value).filter((k): k is string => typeof k === 'string');
  }

  has(key: string): boolean {
    return findNodeAtLocation(this.root, [this.container, key]) !== undefined;
  }

  get(key: string): unknown {
    const node = findNodeAtLocation(this.root, [this.container, key]);
    return node ? (getNodeValue(node) as unknown) : undefined;
  }

  put(key: string, fields: Record<string, unknown>, drop: readonly string[]): void {
    const node = findNodeAtLocation(this.root, [this.container, key]);
    if (node?.type !== 'object') {
      this.edit([this.container, key], fields);
      return;
    }
    const current = getNodeValue(node) as Record<string, unknown>;
    for (const [field, value] of Object.entries(fields)) if (!deepEqual(current[field], value)) this.edit([this.container, key, field], value);
    for (const field of drop) if (findNodeAtLocation(this.root, [this.container, key, field])) this.edit([this.container, key, field], undefined);
  }

  remove(key: string): void {
    if (this.has(key)) this.edit([this.container, key], undefined);
  }

  hasContainer(): boolean {
    return this.containerNode() !== undefined;
  }

  dropEmptyContainer(): void {
    const c = this.containerNode();
    if (c && (c.children ?? []).length === 0) this.edit([this.container], undefined);
  }

  isEmpty(): boolean {
    return (this.root.children ?? []).length === 0;
  }

  text(): string {
    return this.src;
  }
}

class YamlListDoc implements ConfigDoc {
  private readonly doc: Document;

  constructor(
    file: string,
    private readonly container: string,
    text: string | undefined,
  ) {
    this.doc = YAML.parseDocument(text ?? '');
    const first = this.doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      refuse(file, 'YAML', pos?.line ?? 1, pos?.col ?? 1, first.code.toLowerCase().replace(/_/g, ' '));
    }
    if (this.doc.contents === null || (isScalar(this.doc.contents) && this.doc.contents.value === null)) this.doc.contents = this.doc.createNode({});
    if (!isMap(this.doc.contents)) throw new ConfigFileError(`${file}: its top level is not a YAML mapping; Berth did not touch it`);
    const c = this.doc.get(container, true);
    if (c !== undefined && !isSeq(c) && !(isScalar(c) && c.value === null)) {
      throw new ConfigFileError(`${file}: "${container}" is not a list, so Berth cannot add entries to it; Berth did not touch the file`);
    }
  }

  private seq(): YAMLSeq | undefined {
    const c = this.doc.get(this.container, true);
    return isSeq(c) ? c : undefined;
  }

  private item(key: string): YAMLMap | undefined {
    return this.seq()?.items.find((it): it is YAMLMap => isMap(it) && it.get('name') === key);
  }

  keys(): string[] {
    return (this.seq()?.items ?? []).flatMap((it) => (isMap(it) && typeof it.get('name') === 'string' ? [it.get('name') as string] : []));
  }

  has(key: string): boolean {
    return this.item(key) !== undefined;
  }

  get(key: string): unknown {
    return this.item(key)?.toJSON() as unknown;
  }

  put(key: string, fields: Record<string, unknown>, drop: readonly string[]): void {
    const item = this.item(key);
    if (!item) {
      const seq = this.seq();
      if (seq) seq.add(this.doc.createNode(fields));
      else this.doc.set(this.container, this.doc.createNode([fields]));
      return;
    }
    const current = item.toJSON() as Record<string, unknown>;
    for (const [field, value] of Object.entries(fields)) if (!deepEqual(current[field], value)) item.set(field, this.doc.createNode(value));
    for (const field of drop) item.delete(field);
  }

  remove(key: string): void {
    const seq = this.seq();
    const item = this.item(key);
    if (seq && item) seq.items.splice(seq.items.indexOf(item), 1);
  }

  hasContainer(): boolean {
    return this.doc.has(this.container);
  }

  dropEmptyContainer(): void {
    const seq = this.seq();
    if (seq && seq.items.length === 0) this.doc.delete(this.container);
  }

  isEmpty(): boolean {
    return isMap(this.doc.contents) && this.doc.contents.items.length === 0;
  }

  text(): string {
    // Long command paths stay on one line instead of being folded; `[a, b]` keeps its usual spacing.
    return this.doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  }
}

/** Inserted lines follow the file's own indentation and line endings. */
function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
