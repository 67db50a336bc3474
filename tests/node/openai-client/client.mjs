// A chat, a streamed chat and a completion through the official OpenAI client; prints one JSON
// object with what came back, for the Java test to check.
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const chat = await client.chat.completions.create({
  model,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello!" },
  ],
  max_tokens: 5,
  temperature: 0,
});

const stream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: "Hello!" }],
  max_tokens: 5,
  temperature: 0,
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let streamFinish = null;
let streamUsage = null;
for await (const chunk of stream) {
  if (chunk.usage) streamUsage = chunk.usage;
  for (const choice of chunk.choices) {
    streamed += choice.delta?.content ?? "";
    if (choice.finish_reason) streamFinish = choice.finish_reason;
  }
}

const completion = await client.completions.create({ model, prompt: "The sea", max_tokens: 4, temperature: 0 });

let refused = null;
try {
  await client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }], tools: [] });
} catch (e) {
  refused = { status: e.status, param: e.param ?? e.error?.param ?? null };
}

console.log(JSON.stringify({
  chat: { text: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage },
  stream: { text: streamed, finish: streamFinish, usage: streamUsage },
  completion: { text: completion.choices[0].text, usage: completion.usage },
  refused,
}));
