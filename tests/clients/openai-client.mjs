// Drives the OpenAI-compatible routes through the npm `openai` package (models, chat, completions,
// embeddings; streaming and not). Asserts what the SDK sees and prints a JSON summary for the xunit test.
// Env: CORRAL_URL (server), CORRAL_MODEL (an imported stories260K).
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.CORRAL_URL}/v1`, apiKey: 'corral', maxRetries: 0 });
const model = process.env.CORRAL_MODEL ?? 'stories';
const out = {};

// models
const ids = [];
for await (const m of client.models.list()) {
  assert.equal(m.object, 'model');
  assert.equal(m.owned_by, 'library');
  assert.ok(m.created > 1_600_000_000);
  ids.push(m.id);
}
assert.ok(ids.includes(`${model}:latest`));
const retrieved = await client.models.retrieve(model);
assert.equal(retrieved.id, model);
out.models = ids;

// chat completions, one object
const messages = [{ role: 'user', content: 'Once upon a time' }];
const chat = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 });
assert.match(chat.id, /^chatcmpl-\d+$/);
assert.equal(chat.object, 'chat.completion');
assert.equal(chat.model, model);
assert.equal(chat.system_fingerprint, 'fp_ollama');
assert.equal(chat.choices.length, 1);
assert.equal(chat.choices[0].message.role, 'assistant');
assert.equal(chat.choices[0].finish_reason, 'length');
assert.equal(chat.usage.completion_tokens, 16);
assert.equal(chat.usage.total_tokens, chat.usage.prompt_tokens + 16);
out.chat = { text: chat.choices[0].message.content, usage: chat.usage };

// chat completions, streamed with usage
const stream = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true } });
let text = '';
let roles = 0;
let finish = null;
let usage = null;
const streamIds = new Set();
for await (const chunk of stream) {
  streamIds.add(chunk.id);
  assert.equal(chunk.object, 'chat.completion.chunk');
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    if (choice.delta.role) roles++;
    text += choice.delta.content ?? '';
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
assert.equal(text, out.chat.text);
assert.equal(roles, 1);
assert.equal(finish, 'length');
assert.deepEqual(usage, chat.usage);
assert.equal(streamIds.size, 1);

// the SDK's stream helper assembles the same message
const runner = client.chat.completions.stream({ model, messages, max_tokens: 16, temperature: 0 });
const assembled = await runner.finalChatCompletion();
assert.equal(assembled.choices[0].message.content, out.chat.text);

// legacy completions
const completion = await client.completions.create({ model, prompt: 'Lily and Tom', max_tokens: 10, temperature: 0 });
assert.equal(completion.object, 'text_completion');
assert.equal(completion.choices[0].finish_reason, 'length');
let completionStreamed = '';
let completionUsage = null;
for await (const chunk of await client.completions.create({ model, prompt: 'Lily and Tom', max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true } })) {
  for (const c of chunk.choices) completionStreamed += c.text;
  if (chunk.choices.length === 0) completionUsage = chunk.usage;
}
assert.equal(completionStreamed, completion.choices[0].text);
assert.deepEqual(completionUsage, completion.usage);
out.completion = { text: completion.choices[0].text, usage: completion.usage };

// embeddings: the SDK asks for base64 by default and decodes it; explicit float must agree
const b64 = await client.embeddings.create({ model, input: ['red', 'blue'] });
const floats = await client.embeddings.create({ model, input: ['red', 'blue'], encoding_format: 'float' });
assert.equal(b64.data.length, 2);
for (let i = 0; i < 2; i++) {
  assert.equal(b64.data[i].index, i);
  // base64 carries the float32 bits; the float form prints them in shortest form, which rounds back to the same float32
  assert.deepEqual(Array.from(b64.data[i].embedding), floats.data[i].embedding.map(Math.fround));
}
assert.equal(b64.usage.prompt_tokens, b64.usage.total_tokens);
const short = await client.embeddings.create({ model, input: 'red', dimensions: 4, encoding_format: 'float' });
assert.equal(short.data[0].embedding.length, 4);
out.embeddings = { first: floats.data[0].embedding, promptTokens: floats.usage.prompt_tokens };

// errors surface as the SDK's typed errors with the server's message
await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages }),
  (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.message.includes("model 'gpt-4o' not found"));
await assert.rejects(client.chat.completions.create({ model, messages: [] }),
  (e) => e instanceof OpenAI.BadRequestError && e.message.includes("[] is too short - 'messages'"));
await assert.rejects(client.models.retrieve('nope'), (e) => e instanceof OpenAI.NotFoundError);

console.log(JSON.stringify(out));
