// Drives POST /v1/messages through the npm `@anthropic-ai/sdk` package, streaming and not.
// Env: CORRAL_URL (server), CORRAL_MODEL (an imported stories260K).
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ baseURL: process.env.CORRAL_URL, apiKey: 'corral', maxRetries: 0 });
const model = process.env.CORRAL_MODEL ?? 'stories';
const request = { model, max_tokens: 12, temperature: 0, messages: [{ role: 'user', content: 'Once upon a time' }] };
const out = {};

const message = await client.messages.create(request);
assert.match(message.id, /^msg_[0-9a-f]{24}$/);
assert.equal(message.type, 'message');
assert.equal(message.role, 'assistant');
assert.equal(message.model, model);
assert.equal(message.stop_reason, 'max_tokens');
assert.equal(message.content.length, 1);
assert.equal(message.content[0].type, 'text');
assert.equal(message.usage.output_tokens, 12);
out.text = message.content[0].text;
out.usage = message.usage;

// raw event stream
const events = [];
let text = '';
for await (const event of await client.messages.create({ ...request, stream: true })) {
  events.push(event.type);
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
}
assert.equal(text, out.text);
assert.equal(events[0], 'message_start');
assert.deepEqual(events.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
out.events = [...new Set(events)];

// the SDK's stream helper assembles the same message
const final = await client.messages.stream(request).finalMessage();
assert.equal(final.content[0].text, out.text);
assert.equal(final.stop_reason, 'max_tokens');
assert.equal(final.usage.output_tokens, 12);

// system prompt as blocks and a stop sequence are accepted
const withSystem = await client.messages.create({ ...request, system: [{ type: 'text', text: 'Tell a story.' }], stop_sequences: ['zzz'] });
assert.equal(withSystem.content[0].type, 'text');

await assert.rejects(client.messages.create({ ...request, model: 'claude-3-5-sonnet' }),
  (e) => e instanceof Anthropic.NotFoundError && e.status === 404 && e.message.includes("model 'claude-3-5-sonnet' not found"));
await assert.rejects(client.messages.create({ ...request, max_tokens: 0 }),
  (e) => e instanceof Anthropic.BadRequestError && e.message.includes('max_tokens is required and must be positive'));

console.log(JSON.stringify(out));
