import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { runCommand } from '@pulse/fleet';

export interface CorpusOptions {
  repoRoot: string;
  nodeBinary: string;
  loadgenEntry: string;
  /** Where to write the events, one JSON object per line. */
  file: string;
  rate: number;
  durationMs: number;
  seed: number;
}

export interface Corpus {
  file: string;
  events: number;
  meanBytes: number;
}

/**
 * Builds the `--direct` feeder's events with the load generator itself (its `steady` scenario,
 * through its command line), so the direct and HTTP cells carry the same event mix: the
 * generator posts to a stand-in for ingestion's batch endpoint that keeps every line and answers
 * as ingestion does (202, every event accepted).
 */
export async function captureCorpus(options: CorpusOptions): Promise<Corpus> {
  const lines: string[] = [];
  const server = createServer((request, response) => {
    void collect(request, response, lines);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await runCommand(
      options.nodeBinary,
      [
        options.loadgenEntry,
        '--scenario',
        'steady',
        '--rate',
        String(options.rate),
        '--duration',
        `${options.durationMs}ms`,
        '--seed',
        String(options.seed),
        '--target',
        `http://127.0.0.1:${port}`,
        '--api-key',
        'bench-capture',
        '--batch-size',
        '500',
        '--concurrency',
        '4',
        '--progress',
        'none',
      ],
      { cwd: options.repoRoot },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (lines.length === 0) throw new Error('the load generator sent no events to the capture endpoint');
  writeFileSync(options.file, `${lines.join('\n')}\n`);
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
  return { file: options.file, events: lines.length, meanBytes: bytes / lines.length };
}

async function collect(request: IncomingMessage, response: ServerResponse, lines: string[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const received = body.split('\n').filter((line) => line.trim() !== '');
  const accepted = received.map((line, index) => {
    lines.push(line);
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return { index, id: typeof id === 'string' ? id : `captured-${lines.length}` };
  });
  response.writeHead(202, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ accepted, rejected: [] }));
}
