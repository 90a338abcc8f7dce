import { SlackReceiver, textOf, type SlackMessage } from './slack-receiver';

async function post(url: string, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return {
    status: response.status,
    text: await response.text(),
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('SlackReceiver', () => {
  let receiver: SlackReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('answers ok like Slack and keeps the message, telling listeners', async () => {
    receiver = await SlackReceiver.start();
    const heard: SlackMessage[] = [];
    receiver.onMessage((message) => heard.push(message));
    const answer = await post(receiver.url, JSON.stringify({ text: 'fraud velocity for cust-1' }));
    expect(answer).toMatchObject({ status: 200, text: 'ok' });
    expect(receiver.messages.map((message) => message.text)).toEqual(['fraud velocity for cust-1']);
    expect(heard).toHaveLength(1);
    expect(heard[0]!.path).toBe('/services/local');
  });

  it('refuses what Slack refuses: no JSON, no text', async () => {
    receiver = await SlackReceiver.start();
    expect(await post(receiver.url, '{nope')).toMatchObject({ status: 400, text: 'invalid_payload' });
    expect(await post(receiver.url, JSON.stringify({ blocks: [] }))).toMatchObject({
      status: 400,
      text: 'no_text',
    });
    expect(receiver.messages).toHaveLength(0);
  });

  it('answers 429 with Retry-After above the configured rate and does not keep those', async () => {
    receiver = await SlackReceiver.start({ rateLimitPerSecond: 2 });
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await post(receiver.url, JSON.stringify({ text: `m${i}` })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.retryAfter).toBe('1');
    expect(receiver.messages).toHaveLength(2);
    expect(receiver.rateLimited).toBe(1);
  });

  it('plays an outage: answers the 5xx for the given time without keeping anything, then recovers', async () => {
    receiver = await SlackReceiver.start();
    receiver.failFor(300, 500);
    expect(await post(receiver.url, JSON.stringify({ text: 'during' }))).toMatchObject({ status: 500 });
    expect(await post(receiver.url, JSON.stringify({ text: 'during again' }))).toMatchObject({ status: 500 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await post(receiver.url, JSON.stringify({ text: 'after' }))).toMatchObject({ status: 200 });
    expect(receiver.messages.map((message) => message.text)).toEqual(['after']);
    expect(receiver.refusedDuringOutage).toBe(2);
    expect(() => receiver!.failFor(1_000, 404)).toThrow(RangeError);
  });

  it('plays a webhook refused for good: answers the 4xx with its error for the given time, keeps nothing', async () => {
    receiver = await SlackReceiver.start();
    receiver.refuseFor(60_000);
    expect(await post(receiver.url, JSON.stringify({ text: 'during' }))).toMatchObject({
      status: 404,
      text: 'channel_not_found',
    });
    receiver.refuseFor(60_000, 410, 'channel_is_archived');
    expect(await post(receiver.url, JSON.stringify({ text: 'archived' }))).toMatchObject({
      status: 410,
      text: 'channel_is_archived',
    });
    // Ended early, as when the operator fixed the webhook.
    receiver.refuseFor(0);
    expect(await post(receiver.url, JSON.stringify({ text: 'after' }))).toMatchObject({ status: 200 });
    expect(receiver.messages.map((message) => message.text)).toEqual(['after']);
    expect(receiver.refusedForGood).toBe(2);
    expect(receiver.refusedDuringOutage).toBe(0);
  });

  it('ends a refusal by itself after its time', async () => {
    receiver = await SlackReceiver.start();
    receiver.refuseFor(300, 403, 'invalid_token');
    expect(await post(receiver.url, JSON.stringify({ text: 'during' }))).toMatchObject({
      status: 403,
      text: 'invalid_token',
    });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await post(receiver.url, JSON.stringify({ text: 'after' }))).toMatchObject({ status: 200 });
    expect(receiver.refusedForGood).toBe(1);
  });

  it('refuses to play a permanent refusal with an answer clients retry', async () => {
    receiver = await SlackReceiver.start();
    for (const status of [200, 399, 408, 429, 500, 503]) {
      expect(() => receiver!.refuseFor(1_000, status)).toThrow(RangeError);
    }
    expect(await post(receiver.url, JSON.stringify({ text: 'accepted' }))).toMatchObject({ status: 200 });
  });

  it('plays a hang: reads deliveries and never answers, keeps none, then drops them and recovers', async () => {
    receiver = await SlackReceiver.start();
    receiver.hangFor(600);
    const timedOut = fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'times out' }),
      signal: AbortSignal.timeout(150),
    });
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    // Still waiting when the hang ends: its connection is destroyed, no answer ever came.
    const dropped = post(receiver.url, JSON.stringify({ text: 'dropped' }));
    await expect(dropped).rejects.toThrow('fetch failed');
    expect(await post(receiver.url, JSON.stringify({ text: 'after' }))).toMatchObject({ status: 200 });
    expect(receiver.messages.map((message) => message.text)).toEqual(['after']);
    expect(receiver.unansweredDuringHang).toHaveLength(2);
  });

  it('drops the connections it left unanswered when closed during a hang', async () => {
    receiver = await SlackReceiver.start();
    receiver.hangFor(60_000);
    const pending = post(receiver.url, JSON.stringify({ text: 'never answered' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.unansweredDuringHang).toHaveLength(1);
    const closing = receiver.close();
    receiver = undefined;
    await expect(pending).rejects.toThrow('fetch failed');
    await closing;
  });

  it('lists what it received on GET /messages', async () => {
    receiver = await SlackReceiver.start();
    await post(receiver.url, JSON.stringify({ text: 'hello' }));
    const listed = (await (await fetch(new URL('/messages', receiver.url))).json()) as { text: string }[];
    expect(listed.map((message) => message.text)).toEqual(['hello']);
  });
  it('answers scripted deliveries first, in order, and records every attempt with its answer', async () => {
    receiver = await SlackReceiver.start();
    receiver.answerNext(
      { status: 500 },
      { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' },
    );
    const first = await post(receiver.url, JSON.stringify({ text: 'alert a' }));
    const second = await post(receiver.url, JSON.stringify({ text: 'alert a' }));
    const third = await post(receiver.url, JSON.stringify({ text: 'alert a' }));
    expect([first.status, second.status, third.status]).toEqual([500, 429, 200]);
    expect(second).toMatchObject({ text: 'rate_limited', retryAfter: '2' });
    expect(receiver.messages.map((message) => message.text)).toEqual(['alert a']);
    expect(receiver.attemptsMentioning('alert a').map((attempt) => attempt.status)).toEqual([500, 429, 200]);
    await post(receiver.url, JSON.stringify({ text: 'alert b' }));
    expect(receiver.attemptsMentioning('alert b')).toHaveLength(1);
    expect(receiver.attempts).toHaveLength(4);
  });

  it('records the deliveries refused during an outage, with their bodies', async () => {
    receiver = await SlackReceiver.start();
    receiver.failFor(60_000, 503);
    await post(receiver.url, JSON.stringify({ text: 'during the outage' }));
    receiver.failFor(0);
    await post(receiver.url, JSON.stringify({ text: 'after the outage' }));
    expect(receiver.attempts.map((attempt) => [attempt.status, JSON.parse(attempt.body) as unknown])).toEqual(
      [
        [503, { text: 'during the outage' }],
        [200, { text: 'after the outage' }],
      ],
    );
    expect(receiver.messages.map((message) => message.text)).toEqual(['after the outage']);
  });
});

describe('textOf', () => {
  it('prefers text, else gathers the text of blocks', () => {
    expect(textOf({ text: 'top', blocks: [{ text: { text: 'inner' } }] })).toBe('top');
    expect(
      textOf({
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Fraud velocity' } },
          { type: 'section', fields: [{ type: 'mrkdwn', text: '*customer* cust-1' }] },
        ],
      }),
    ).toBe('Fraud velocity\n*customer* cust-1');
  });
});
