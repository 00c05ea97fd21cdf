// Tool calls and thinking through the npm `ollama` client, streaming and not.
// The server has models "tooly" (a TEMPLATE with .Tools and <tool_call> markup) and "thinker" (a TEMPLATE
// with <think> tags); options.grammar (Corral's GBNF extension) makes the tiny model emit exact markup.
import assert from "node:assert/strict";
import { Ollama } from "ollama";

const ollama = new Ollama({ host: process.env.CORRAL_URL });
const tools = [{
  type: "function",
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", required: ["city"], properties: { city: { type: "string" } } } },
}];
const toolGrammar = 'root ::= "<tool_call>{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}</tool_call>"';
const messages = [{ role: "user", content: "Weather in Paris?" }];

// Streaming: the call arrives whole in tool_calls; no markup leaks into content.
let content = "";
const calls = [];
for await (const part of await ollama.chat({ model: "tooly", messages, tools, stream: true, options: { grammar: toolGrammar, temperature: 0 } })) {
  content += part.message.content;
  if (part.message.tool_calls) calls.push(...part.message.tool_calls);
  if (part.done) assert.equal(part.done_reason, "stop");
}
assert.equal(content.includes("<tool_call>"), false, `markup leaked into content: ${content}`);
assert.equal(content.trim(), "");
assert.equal(calls.length, 1);
assert.equal(calls[0].function.name, "get_weather");
assert.deepEqual(calls[0].function.arguments, { city: "Paris" });

// Non-streaming: same result in one object.
const one = await ollama.chat({ model: "tooly", messages, tools, stream: false, options: { grammar: toolGrammar, temperature: 0 } });
assert.equal(one.message.tool_calls?.length, 1);
assert.deepEqual(one.message.tool_calls[0].function.arguments, { city: "Paris" });
assert.equal(one.message.content.includes("<tool_call>"), false);

// The tool result goes back into the conversation and the model answers.
const followUp = await ollama.chat({
  model: "tooly", stream: false, tools, options: { temperature: 0, num_predict: 8 },
  messages: [...messages, one.message, { role: "tool", tool_name: "get_weather", content: "18 C, cloudy" }],
});
assert.equal(followUp.done, true);

// Thinking: separated from content, streaming and not.
const thinkGrammar = 'root ::= "Let me think" "</think>" "Paris is sunny."';
const answer = await ollama.chat({ model: "thinker", messages, think: true, stream: false, options: { grammar: thinkGrammar, temperature: 0 } });
assert.equal(answer.message.thinking, "Let me think");
assert.equal(answer.message.content, "Paris is sunny.");

let thinking = "";
content = "";
for await (const part of await ollama.chat({ model: "thinker", messages, think: true, stream: true, options: { grammar: thinkGrammar, temperature: 0 } })) {
  thinking += part.message.thinking ?? "";
  content += part.message.content;
}
assert.equal(thinking, "Let me think");
assert.equal(content, "Paris is sunny.");

// think:false renders no opening tag, so everything is content.
const plain = await ollama.chat({ model: "thinker", messages, think: false, stream: false, options: { grammar: 'root ::= "No thoughts."', temperature: 0 } });
assert.equal(plain.message.thinking ?? "", "");
assert.equal(plain.message.content, "No thoughts.");

// generate with a thinking model also separates thinking.
const gen = await ollama.generate({ model: "thinker", prompt: "Weather?", think: true, stream: false, options: { grammar: thinkGrammar, temperature: 0 } });
assert.equal(gen.thinking, "Let me think");
assert.equal(gen.response, "Paris is sunny.");

console.log("ok");
