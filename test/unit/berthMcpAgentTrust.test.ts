import { describe, expect, it } from 'vitest';
import { refuseDockerfile } from '../../daemon/berthMcp/docker/dockerfileCheck.js';
import { AgentObjectName, berthIdentityLabels, berthImageName } from '../../daemon/berthMcp/docker/namespace.js';

describe("an agent's Dockerfile", () => {
  it('may ADD and COPY files of its build folder', () => {
    expect(refuseDockerfile('FROM node:20\nADD app.tar.gz /app/\nADD ["a b", "c", "/x/"]\nCOPY --from=node:20 /usr /usr\nRUN curl https://example.com\n')).toBeUndefined();
  });

  it('may not ADD a URL, a git remote or a variable, in any spelling', () => {
    const bad = [
      'FROM x\nADD http://127.0.0.1:8080/secret /x',
      'FROM x\nadd HTTPS://example.com/a /x',
      'FROM x\nADD --chmod=644 https://h/a /x',
      'FROM x\nADD git@github.com:o/r.git /src',
      'FROM x\nADD https://github.com/o/r.git#main /src',
      'FROM x\nADD ["http://127.0.0.1/a", "/x"]',
      'FROM x\nADD \\\n  http://127.0.0.1/a \\\n  /x',
      '# escape=`\nFROM x\nADD `\n http://127.0.0.1/a /x',
      'FROM x\nARG U=http://127.0.0.1/a\nADD $U /x',
      'FROM x\nADD ${U} /x',
      'FROM x\nONBUILD ADD http://127.0.0.1/a /x',
      'FROM x\n   ADD ftp://h/a /x',
    ];
    for (const d of bad) expect(refuseDockerfile(d), d).toMatch(/ADDs .*fetch from the host's network/);
    expect(refuseDockerfile('FROM x\nRUN true\nADD http://127.0.0.1:9/s /x')).toMatch(/^line 3 ADDs "http:\/\/127\.0\.0\.1:9\/s"/);
  });

  it('may not choose its own builder frontend', () => {
    expect(refuseDockerfile('# syntax=evil/frontend\nFROM x')).toMatch(/syntax=/);
  });
});

describe("Berth's namespace", () => {
  it('is closed to the names agents give networks, volumes and containers', () => {
    for (const n of ['berth-abc123-egr-egress', 'BERTH-x', 'berth_x', 'berth.x']) expect(AgentObjectName.safeParse(n).success, n).toBe(false);
    for (const n of ['berthy', 'my-berth-net', 'x']) expect(AgentObjectName.safeParse(n).success, n).toBe(true);
  });

  it("is closed to image tags under Berth's names, with or without a registry", () => {
    for (const r of ['berth/node-base:20', 'berth-x:1', 'localhost:5000/berth/mcp-memory:1', 'docker.io/berth/x']) expect(berthImageName(r), r).toMatch(/Berth's own image namespace/);
    for (const r of ['postgres:16', 'ghcr.io/me/berth:1', 'me/berth-tools:1', 'berthy:1']) expect(berthImageName(r), r).toBeUndefined();
  });

  it("finds the labels Berth knows its servers' containers by", () => {
    expect(berthIdentityLabels({ 'berth.instance': 'x', 'berth.server': 's', other: '1', 'berth.source': 'npm' })).toEqual(['berth.instance', 'berth.server']);
    expect(berthIdentityLabels({ 'berth.managed': 'true', 'berth.created-by': 'mcp' })).toEqual([]);
  });
});
