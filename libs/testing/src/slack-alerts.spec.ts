import type { SlackMessage } from '@pulse/fleet';
import { repeated, transitionsIn } from './slack-alerts';

const message = (payload: Record<string, unknown>): SlackMessage => ({
  receivedAt: new Date(),
  path: '/services/local',
  text: 'x',
  payload,
});

describe('transitionsIn', () => {
  it('finds every alert of a grouped message in its context blocks, not in the fallback text', () => {
    const payload = {
      text: 'FIRING 2 firing · stock-out: …',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '2 firing · stock-out' } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: '<http://r|Reporting query> · fingerprint `ab12` · #0' }],
        },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'fingerprint `cd34` · #3' }] },
      ],
    };
    expect(transitionsIn(message(payload))).toEqual(['ab12#0', 'cd34#3']);
  });

  it('finds nothing in a message about no alert', () => {
    expect(transitionsIn(message({ text: 'hello' }))).toEqual([]);
  });
});

describe('repeated', () => {
  it('lists each key seen more than once, once', () => {
    expect(repeated(['a', 'b', 'a', 'c', 'a', 'b'])).toEqual(['a', 'b']);
    expect(repeated(['a', 'b'])).toEqual([]);
  });
});
