"""Generates ../resources/tokenizer/jinja_compat_cases.json: small templates exercising the Jinja2 features chat
templates use, rendered by Jinja2 with HF's environment (hf_render.py). Each case has the template, the variables
and either the expected output or, when the template raises, the expected error message.

    python3 gen_jinja_compat.py > ../resources/tokenizer/jinja_compat_cases.json
"""
import json
import sys

import hf_render

MESSAGES = [
    {"role": "system", "content": "  Be brief.  "},
    {"role": "user", "content": "Hi there, how are you?"},
    {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nFine, thanks."},
    {"role": "user", "content": "Tell me more"},
]
TOOLS = [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "number", "default": 0.5}}}}}]

CASES = [
    ("loop_controls",
     "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
     "{% if loop.index0 > 2 %}{% break %}{% endif %}[{{ m.role }}]{% endfor %}", {}),
    ("namespace",
     "{% set ns = namespace(last_user=-1, seen=false) %}{% for m in messages %}{% if m.role == 'user' %}"
     "{% set ns.last_user = loop.index0 %}{% set ns.seen = true %}{% endif %}{% endfor %}"
     "{{ ns.last_user }}{% if ns.seen %} seen{% endif %}", {}),
    ("string_methods",
     "{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|"
     "{{ messages[1].content.startswith('Hi') }}|{{ messages[1].content.endswith(('?', '!')) }}|"
     "{{ messages[1].content.split(',') | length }}|{{ messages[1].content.split()[1] }}|"
     "{{ messages[1].content.upper() }}|{{ messages[1].content.lower() }}|{{ 'hello world'.title() }}|"
     "{{ 'xxabcxx'.strip('x') }}|{{ 'a-b-c'.replace('-', '+', 1) }}|{{ ', '.join(['a', 'b']) }}|"
     "{{ 'a,b,,c'.split(',', 2) | join('/') }}|{{ '\\u00a0 nbsp \\u3000'.strip() }}|{{ 'abcabc'.count('bc') }}|"
     "{{ 'abc'.find('c') }}|{{ 'l1\\nl2\\r\\nl3\\n'.splitlines() | length }}", {}),
    ("reasoning_split",
     "{% for m in messages %}{% if m.role == 'assistant' and '</think>' in m.content %}"
     "{{ m.content.split('</think>')[-1].lstrip('\\n') }}{% endif %}{% endfor %}", {}),
    ("whitespace_control",
     "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- m.content }}\n    {%- endif %}\n"
     "  {{ '|' }}\n{% endfor -%}\n  tail  \n", {}),
    ("trim_and_lstrip_blocks",
     "<start>\n  {% if true %}\n    indented\n  {% endif %}\n<end>\n", {}),
    ("lstrip_trim_edge_cases",
     "a {% if true %} b{% endif %}|c {# note #} d|\n   {% if true %}\n  e\n   {% endif %}{%+ if true %}f{% endif +%}\n"
     "g {{ 'x' }}   {% if true %}h{% endif %}\n\t{# tab comment #}\ni\r\n  {%- if true -%}  j  {%- endif %}\r\n"
     "  {{ 'k' }}  \n{% for m in messages %}\n    {{ m.role }}\n{% endfor %}\nend\n\n", {}),
    ("printing_values",
     "{{ true }}|{{ false }}|{{ [1, 'a', none, true, 2.5, 1e20] }}|{{ {'k': 'it\\'s', 'q': 'say \"hi\"'} }}|"
     "{{ ctrl }}|{{ [ctrl, 'é', '\u200b'] }}|{{ missing }}|{{ 3 }}|{{ 0.1 + 0.2 }}", {"ctrl": "a\x07b\x01\n"}),
    ("tojson_variants",
     "{{ tools[0] | tojson }}\n{{ tools[0].function.parameters | tojson(indent=2) }}\n"
     "{{ {'b': 1, 'a': [1.0, 'é', none, true]} | tojson(sort_keys=true) }}\n"
     "{{ 'quote \" slash / tab \\t nl \\n uni ☃ ctrl \\u0001' | tojson }}\n{{ [] | tojson }} {{ {} | tojson }}", {}),
    ("dict_methods",
     "{% for k, v in tools[0].function.parameters.properties.items() %}{{ k }}={{ v.type }};{% endfor %}"
     "{{ tools[0].function.get('missing', 'dflt') }}|{{ tools[0].function.get('name') }}|"
     "{{ tools[0].function.parameters.properties.keys() | list | join(',') }}", {}),
    ("tests_and_filters",
     "{{ messages | length }}|{{ messages[-1].content }}|{{ messages[1:3] | map(attribute='role') | join(',') }}|"
     "{{ x is defined }}|{{ messages[0].missing is defined }}|{{ messages[0].content is string }}|"
     "{{ tools is iterable }}|{{ tools[0] is mapping }}|{{ (messages | selectattr('role', 'equalto', 'user') "
     "| list | length) }}|{{ messages[0].content | trim }}|{{ missing | default('d') }}|{{ 7 // 2 }}|{{ 7 % 3 }}|"
     "{{ 'a' ~ 1 }}|{{ 'ab' in 'cab' }}|{{ not false and (1 < 2 or 0) }}|"
     "{{ 'yes' if messages[0].role == 'system' else 'no' }}", {"x": 1}),
    ("macro_and_set",
     "{% macro render(m) %}<{{ m.role }}>{{ m.content | trim }}</{{ m.role }}>{% endmacro %}"
     "{% set first = messages[0] %}{{ render(first) }}{% set joined = [] %}"
     "{% for m in messages %}{{ render(m) if m.role == 'user' else '' }}{% endfor %}", {}),
    ("special_tokens_and_generation_prompt",
     "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}"
     "{% if add_generation_prompt %}<gen>{% endif %}", {"bos_token": "<s>", "eos_token": "</s>"}),
    ("string_literal_escapes",
     "{{ 'caf\\u00e9 \\x41 \\101 \\U0001F600 \\/ \\q \\a|' }}{{ \"it's \\\"q\\\" \\u0027\" }}"
     "{% raw %}{{ '\\u00e9' }}{% endraw %} text \\u00e9 {# '\\u00e9' #}", {}),
    ("loop_variables_and_generation_block",
     "{% for m in messages %}{{ loop.index }}/{{ loop.length }}/{{ loop.revindex0 }}{{ loop.cycle('a', 'b') }}"
     "{% if m.role == 'assistant' %}{% generation %}<{{ m.content | length }}>{% endgeneration %}{% endif %};"
     "{% endfor %}{% set block %}x{{ 1 + 1 }}{% endset %}{{ block }}", {}),
    ("raise_exception",
     "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}"
     "{{ raise_exception('Conversation roles must be user or assistant; got ' + m.role) }}{% endif %}"
     "{% endfor %}", {}),
]


def main():
    out = []
    for name, template, extra in CASES:
        variables = {"messages": MESSAGES, "tools": TOOLS, "add_generation_prompt": True, **extra}
        case = {"name": name, "template": template, "variables": variables}
        env = hf_render.environment()
        try:
            case["expected"] = env.from_string(template).render(**variables)
        except Exception as e:  # raise_exception
            case["error"] = str(e)
        out.append(case)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
