import { SlackWebhook, type FetchLike } from './slack-webhook';

function answering(status: number, body = '', headers: Record<string, string> = {}): FetchLike {
  return async () => new Response(body, { status, headers });
}

describe('SlackWebhook', () => {
  const post = (fetchImpl: FetchLike) =>
    new SlackWebhook('http://slack.test/hook', 1_000, fetchImpl).post({ text: 'x' });

  it('classifies the answers', async () => {
    await expect(post(answering(200, 'ok'))).resolves.toEqual({ kind: 'ok' });
    await expect(post(answering(429, 'rate_limited', { 'retry-after': '2' }))).resolves.toEqual({
      kind: 'rate_limited',
      retryAfterMs: 2_000,
      reason: 'Slack answered 429: rate_limited',
    });
    await expect(post(answering(500, 'rollup_error'))).resolves.toMatchObject({ kind: 'transient' });
    await expect(post(answering(503))).resolves.toMatchObject({
      kind: 'transient',
      reason: 'Slack answered 503',
    });
    await expect(post(answering(404, 'no_service'))).resolves.toEqual({
      kind: 'permanent',
      status: 404,
      reason: 'Slack answered 404: no_service',
    });
    await expect(post(answering(400, 'invalid_blocks'))).resolves.toMatchObject({
      kind: 'permanent',
      status: 400,
    });
  });

  it('falls back to its own backoff for a Retry-After that is neither seconds nor a date', async () => {
    // Date.parse reads "1.5" as a day in 2001: that was a wait of 0 ms, a retry at once.
    await expect(post(answering(429, 'rate_limited', { 'retry-after': '1.5' }))).resolves.toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: undefined,
    });
  });

  it('treats no answer as transient', async () => {
    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    await expect(post(refused)).resolves.toEqual({
      kind: 'transient',
      reason: 'no answer from Slack: fetch failed (connect ECONNREFUSED 127.0.0.1:9)',
    });
  });

  it('sends JSON', async () => {
    const seen: RequestInit[] = [];
    await post(async (_url, init) => {
      seen.push(init);
      return new Response('ok');
    });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"text":"x"}' });
  });
});
