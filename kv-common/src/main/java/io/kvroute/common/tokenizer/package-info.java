/**
 * The model's tokenizer and chat template, reproducing HuggingFace {@code transformers} byte for byte:
 * {@link io.kvroute.common.tokenizer.ModelTokenizer} (encode, decode, {@code applyChatTemplate},
 * {@code encodeChat}) and {@link io.kvroute.common.tokenizer.IncrementalDecoder} (streaming detokenisation).
 *
 * <h2>Tokenizer</h2>
 * HF's Rust {@code tokenizers} through DJL ({@code ai.djl.huggingface:tokenizers}); the native library ships in
 * the DJL jar and is extracted to DJL's cache dir on first use. DJL defaults that differ from HF and are switched
 * off: truncation to 512 tokens, padding, and the call-home/EC2 probe in its factory. Encoding never adds special
 * tokens ({@code add_special_tokens=False}, as {@code apply_chat_template(tokenize=True)} does), and special-token
 * text in the input ({@code <|im_start|>} typed by a user) becomes the special token, as in HF. Decoding keeps
 * special tokens unless asked (HF default); the incremental decoder skips them (OpenAI-server default).
 *
 * <h2>Chat template: Jinja2 behaviour bridged on jinjava</h2>
 * HF renders with {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
 * extensions=[AssistantTracker, loopcontrols])} plus {@code raise_exception}, {@code strftime_now} and its own
 * {@code tojson}. Differences between jinjava 2.8 and Jinja2 3.x that we bridge, each covered by a case in
 * {@code jinja_compat_cases.json} (expected outputs produced by Jinja2 itself):
 * <ul>
 *   <li>{@code tojson}: jinjava's is Jackson ({@code {"a":1}}, HTML-escaped); HF's is
 *       {@code json.dumps(ensure_ascii=False)} ({@code {"a": 1}}, Python float repr, {@code indent},
 *       {@code separators}, {@code sort_keys}) — {@code PyJson}.
 *   <li>{@code {{- x }}}/{@code {{ x -}}} whitespace control and Jinja2 operator precedence need jinjava legacy
 *       overrides.
 *   <li>{@code lstrip_blocks}: jinjava also strips spaces before a tag in the middle of a line; trim/lstrip are
 *       applied by {@code TemplateSource} following Jinja2's lexer (including {@code +} modifiers, comments, raw
 *       blocks, CRLF sources and the dropped trailing newline).
 *   <li>String literals: jinjava rejects Python escapes such as {@code \\u00e9}, {@code \\x41}, octal; unknown
 *       escapes keep their backslash in Python — {@code TemplateSource}.
 *   <li>Python methods on strings and dicts ({@code startswith}, {@code strip}, {@code split}, {@code title},
 *       {@code dict.get(k, d)}, ...) — {@code PyMethodResolver}.
 *   <li>Printing values: booleans print {@code True}/{@code False}, lists and dicts as Python reprs, strings
 *       verbatim (jinjava's "Pyish" mapper would escape control characters inside message text) —
 *       {@code PyInterpreter}.
 *   <li>{@code raise_exception(msg)} → {@link io.kvroute.common.tokenizer.ChatTemplateException} with the
 *       template's message; {@code {% generation %}} blocks render their body.
 * </ul>
 * Known remaining differences (none reachable with the Qwen2.5 template): jinjava cannot tell {@code None} from
 * undefined (a {@code None} prints as "" and {@code none | default(x)} gives x); Python type errors such as
 * {@code 'a' + none} are not raised by jinjava, so {@code ModelTokenizer} validates message shapes up front
 * (role is a string; content is a string, absent only on an assistant message with {@code tool_calls}).
 */
package io.kvroute.common.tokenizer;
