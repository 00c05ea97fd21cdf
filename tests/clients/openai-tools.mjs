// Tool calls through the npm `openai` client, streaming and not. The server has "tooly" (a TEMPLATE with
// .Tools and <tool_call> markup); the top-level `grammar` field (llama-server's extension, which Corral
// accepts on this route) makes the tiny model emit exact markup.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.CORRAL_URL}/v1`, apiKey: 'corral', maxRetries: 0 });
const tools = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } } },
}];
const grammar = 'root ::= "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}</tool_call>"';
const messages = [{ role: 'user', content: 'Weather in Paris?' }];

// One object: the call is in message.tool_calls, arguments as a JSON string, no markup in content.
const one = await client.chat.completions.create({ model: 'tooly', messages, tools, temperature: 0, grammar });
const choice = one.choices[0];
assert.equal(choice.finish_reason, 'tool_calls');
assert.equal(choice.message.role, 'assistant');
assert.equal((choice.message.content ?? '').includes('<tool_call>'), false, `markup leaked: ${choice.message.content}`);
assert.equal(choice.message.tool_calls.length, 1);
const call = choice.message.tool_calls[0];
assert.equal(call.type, 'function');
assert.match(call.id, /^call_/);
assert.equal(call.function.name, 'get_weather');
assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

// Streamed: the SDK's chunks carry the call in delta.tool_calls; content stays free of markup.
const stream = await client.chat.completions.create({ model: 'tooly', messages, tools, temperature: 0, grammar, stream: true });
let content = '';
const calls = [];
let finish = null;
for await (const chunk of stream) {
  assert.equal(chunk.object, 'chat.completion.chunk');
  const c = chunk.choices[0];
  if (!c) continue;
  content += c.delta?.content ?? '';
  if (c.delta?.tool_calls) calls.push(...c.delta.tool_calls);
  if (c.finish_reason) finish = c.finish_reason;
}
assert.equal(content.includes('<tool_call>'), false, `markup leaked: ${content}`);
assert.equal(content.trim(), '');
assert.equal(finish, 'tool_calls');
assert.equal(calls.length, 1);
assert.equal(calls[0].index, 0);
assert.equal(calls[0].function.name, 'get_weather');
assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'Paris' });

// The tool's answer goes back as a `tool` message referring to the call, and the model replies.
const followUp = await client.chat.completions.create({
  model: 'tooly', tools, temperature: 0, max_tokens: 8,
  messages: [...messages, choice.message, { role: 'tool', tool_call_id: call.id, content: '18 C, cloudy' }],
});
assert.equal(followUp.choices[0].finish_reason, 'length');
assert.equal(followUp.usage.completion_tokens, 8);

console.log('ok');
