/**
 * The Jinja engine against Python Jinja2 (through render_ref.py's own render function) on a table
 * of small templates, one per language feature: whitespace control, literals, operators, tests,
 * filters, str/list/dict methods, Undefined, the sandbox, loops, macros, printing Python values,
 * tojson's keywords. Each must render byte-identically, or raise where Python raises.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { compileTemplate, parseRequestJson, renderChat, safeRenderChat } from "../../src/template/index.js";
import { chatRequest, requestLine } from "../helpers/chat-arbitraries.js";
import { renderReferenceCases, type OracleResult } from "../helpers/oracle.js";
import { runs } from "../helpers/shared.js";

/** [name, template, extra variables as JSON text (merged into {"messages": []})]. */
type Case = [string, string, string?];

const V = '"s": "héllo wörld", "n": 7, "f": 2.5, "one": 1.0, "big": 12345678901234567890, "l": [3, 1, 2], "d": {"b": 1, "a": [1, {"c": null}], "2": "two"}, "e": "", "z": 0, "t": true, "none": null, "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}, {"role": "user", "content": "bye"}]';

const CASES: Case[] = [
  // Whitespace control and lexing.
  ["lstrip and trim_blocks", "a\n    {% if true %}\nx\n    {% endif %}\nb"],
  ["lstrip not for variables", "a\n    {{ 'v' }}\n    b"],
  ["minus strips both sides", "a  \n  {%- if true -%}  \n  x  \n  {%- endif -%}  \n  b"],
  ["plus disables lstrip", "a\n    {%+ if true %}x{% endif +%}\nb"],
  ["comment whitespace", "a\n  {# c #}\nb {#- c -#} c\n{# multi\nline #}d"],
  ["raw block", "{% raw %}\n  {{ x }}{% if %}\n{% endraw %}\nq"],
  ["raw with minus", "a  {%- raw -%}  x  {%- endraw -%}  b"],
  ["CRLF and CR normalised", "a\r\nb\rc{% if true %}\r\nd{% endif %}\r\n"],
  ["one trailing newline dropped", "x\n\n"],
  ["unicode whitespace stripped by minus", "a\u00a0\u3000{%- if true -%}\u2028\u0085x{% endif %}"],
  ["lstrip at template start", "\u00a0 \t{% if true %}x{% endif %}"],
  ["variable end minus", "{{ 'a' -}}   \n  b"],
  ["dict literal braces inside expression", "{{ {'a': {'b': 1}}['a'] }}"],
  ["block end inside string", "{% set x = '%}' %}{{ x }}"],
  ["generation tag", "{% generation %}gen{% endgeneration %}\n  {%- generation -%} g2 {%- endgeneration %}"],
  // Literals.
  ["string escapes", "{{ 'a\\tb\\n\\\\c\\'d\"e' }}|{{ \"\\x41\\u00e9\\U0001F600\\101\\q\" }}"],
  ["adjacent string literals", "{{ 'a' 'b' \"c\" }}"],
  ["numbers", "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1e3 }} {{ 1.5e-3 }} {{ 2.50 }} {{ 007 if false else 0 }}"],
  ["constants", "{{ true }} {{ True }} {{ none }} {{ None }} {{ false }}"],
  ["tuples and lists", "{{ (1,) }} {{ () }} {{ (1, 'a') }} {{ [1, [2, 'x']] }} {{ (1) }}"],
  // Operators.
  ["arithmetic ints", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 10 / 4 }} {{ 4 / 2 }}"],
  ["arithmetic floats", "{{ 0.1 + 0.2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1e300 * 1e10 }} {{ 2.0 ** 3 }} {{ 0.5 ** 2 }} {{ 4.0 ** -1 }} {{ 2 ** -2 }} {{ (-2.0) ** 3 }} {{ f * 2 }} {{ one + 1 }}"],
  ["big integers", "{{ big }} {{ big + 1 }} {{ big * big }} {{ 2 ** 64 }} {{ big // 7 }} {{ big % 1000 }} {{ -big }}"],
  ["an int beyond 4300 digits cannot be printed (Python 3.11's int max str digits)", "{{ 2 ** 15000 }}"],
  ["an int beyond 4300 digits cannot go through tojson", "{{ {'a': 2 ** 15000}|tojson }}"],
  ["an int beyond 4300 digits cannot be formatted with %d", "{{ '%d' % 10 ** 4300 }}"],
  ["4300 digits print; hex has no limit", "{{ (10 ** 4299)|string|length }} {{ (-(10 ** 4299))|tojson|length }} {{ ('%x' % 10 ** 4300)|length }}"],
  ["|int of too many digits, inf or 1e400 gives the default", "{{ ('1' * 4301)|int }} {{ ('f' * 5000)|int(0, 16) > 0 }} {{ 'inf'|int(5) }} {{ '1e400'|int(7) }} {{ '-inf'|int }}"],
  ["|float of an int beyond the float range raises", "{{ (10 ** 400 + n)|float }}"],
  ["bool arithmetic", "{{ true + 1 }} {{ -true }} {{ true * 3 }}"],
  ["string and list operators", "{{ 'ab' * 3 }} {{ [1] * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 3 * 'x' }}"],
  ["concat precedence", "{{ 'a' ~ 1 ~ none ~ true ~ 1.0 }} {{ 1 ~ 2 + 3 if false else 'k' }}"],
  ["concat binds tighter than plus", "{{ 'x' + 'y' ~ 'z' }} {{ ('a' ~ 'b') + 'c' }}"],
  ["concat then plus raises", "{{ 'a' ~ 1 + 2 }}"],
  ["plus then concat raises", "{{ 1 + 2 ~ 'x' }}"],
  ["chained comparisons", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 != 2 }} {{ 'a' in 'abc' in ['abc'] }}"],
  ["comparisons across types", "{{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ (1,) == [1] }} {{ {'a': 1} == {'a': 1} }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }}"],
  ["unorderable comparison raises", "{{ 1 < 'a' }}"],
  ["membership", "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }} {{ 1 in {'1': 2} }} {{ 'x' not in 'abc' }} {{ 'x' in nothing }}"],
  ["membership on None raises", "{{ 'x' in none }}"],
  ["and or return operands", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ [] or none }} {{ '' and 1 }} {{ not 0 }} {{ not not 'a' }}"],
  ["ternary and inline if", "{{ 'a' if t else 'b' }}|{{ 'a' if z }}|{{ ('a' if z) is defined }}|{{ 1 if false else 2 if false else 3 }}"],
  ["unary minus binds before filters", "{{ -5.5|abs }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}"],
  ["division by zero raises", "{{ 1 / 0 }}"],
  ["float power overflow raises", "{{ 10.0 ** 400 }}"],
  ["string plus int raises", "{{ 'a' + 1 }}"],
  ["percent formatting", "{{ '%s-%d-%05.1f-%x-%r-%%' % ('a', 3, 3.14159, 255, 'q') }} {{ '%(a)s' % {'a': 1} }} {{ '%s' % [1, 2] }}"],
  ["percent formatting with a list, range or undefined right side and no conversion", "{{ 'abc' % l }} {{ 'abc' % [1] }} {{ 'abc' % range(3) }} {{ 'abc' % nothing }} {{ '%s' % l }}"],
  ["percent formatting a key from a list raises", "{{ 'a%(x)sc' % l }}"],
  ["percent formatting a key from undefined raises", "{{ '%(x)s' % nothing }}"],
  ["percent formatting errors", "{{ '%s %s' % ('a',) }}"],
  ["str.format", "{{ '{}-{}'.format(1, 'b') }} {{ '{0}{0}'.format('x') }} {{ '{a}!'.format(a=2.5) }} {{ '{:>6}|{:<4}|{:^5}'.format('ab', 1, 'c') }} {{ '{:.3f} {:08.2f} {:+d} {:,}'.format(2.5, -1.5, 3, 1234567) }} {{ '{!r}'.format('x') }}"],
  ["str.format errors", "{{ '{}{0}'.format(1) }}"],
  ["str.format zero padding with an explicit alignment, and on strings", "{{ '{:05}'.format('ab') }}|{{ '{:<05}'.format('ab') }}|{{ '{:<05}'.format(3) }}|{{ '{:^05}'.format(3) }}|{{ '{:>05}'.format(-3) }}|{{ '{:<05}'.format(-3) }}|{{ '{:=05}'.format(-3) }}|{{ '{:<05}'.format(1.5) }}|{{ '{:^07.2f}'.format(-1.5) }}|{{ '{:x<05}'.format(3) }}|{{ '{:0>5}'.format('a') }}"],
  ["str.format type not for the value raises", "{{ '{:s}'.format(1) }}"],
  ["str.format int type on a float raises", "{{ '{:d}'.format(1.0) }}"],
  ["percent literal with flags raises", "{{ '%5%' % (1,) }}"],
  ["percent literal with a width takes an argument", "{{ '%05%' % () }}"],
  ["percent literal bare", "{{ '%s%%%s' % (1, 2) }} {{ '%%' % () }}"],
  // Tests.
  ["tests on types", "{{ s is string }} {{ n is number }} {{ t is number }} {{ n is integer }} {{ f is float }} {{ one is float }} {{ t is boolean }} {{ d is mapping }} {{ l is sequence }} {{ d is sequence }} {{ nothing is sequence }} {{ l is iterable }} {{ none is iterable }} {{ none is none }} {{ nothing is defined }} {{ nothing is undefined }}"],
  ["tests with arguments", "{{ 6 is divisibleby(3) }} {{ 6 is divisibleby 4 }} {{ none is sameas none }} {{ 1 is sameas 1 }} {{ 'a' is in 'abc' }} {{ 2 is eq 2 }} {{ 3 is gt 2 }} {{ 3 is lessthan 2 }} {{ 3 is ge(3) }} {{ 'b' is equalto 'b' }}"],
  ["tests odd even lower upper", "{{ 3 is odd }} {{ 3 is even }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aB' is lower }} {{ t is true }} {{ t is false }}"],
  ["tests callable filter test", "{{ range is callable }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ 'nope' is filter }}"],
  ["undefined and the loop are callable", "{{ nothing is callable }} {{ l.b is callable }} {{ caller is callable }}{% for x in [1] %} {{ loop is callable }}{% endfor %} {{ cycler(1) is callable }} {{ joiner() is callable }} {{ namespace() is callable }} {{ range(2) is callable }} {{ none is callable }}"],
  ["negated and chained tests", "{{ n is not string }} {{ not n is string }} {{ [1, 2]|length is odd }} {{ 'x' is string|string }}"],
  ["test on string raises", "{{ 'a' is odd }}"],
  // Filters.
  ["length count first last", "{{ l|length }} {{ s|length }} {{ d|count }} {{ l|first }} {{ l|last }} {{ s|first }} {{ d|last }} {{ []|first }} {{ '😀é'|length }}"],
  ["join and map", "{{ l|join(', ') }} {{ l|map('string')|join('-') }} {{ msgs|map(attribute='role')|join(',') }} {{ msgs|map(attribute='missing', default='?')|list }} {{ ['a','b']|map('upper')|list }}"],
  ["select reject selectattr rejectattr", "{{ l|select('odd')|list }} {{ l|reject('odd')|list }} {{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }} {{ msgs|rejectattr('role', 'eq', 'user')|list|length }} {{ [0, 1, '', 'a']|select|list }}"],
  ["sort unique reverse", "{{ l|sort }} {{ l|sort(reverse=true) }} {{ ['b', 'A', 'a']|sort }} {{ ['b', 'A', 'a']|sort(case_sensitive=true) }} {{ msgs|sort(attribute='content')|map(attribute='content')|list }} {{ ['b', 'A', 'a', 'B']|unique|list }} {{ l|reverse|list }} {{ s|reverse }}"],
  ["sort mixed types raises", "{{ [3, 'a']|sort }}"],
  ["unique of tuples holding a list raises", "{{ d|items|list|unique|list }}"],
  ["membership of a tuple holding a list in a dict raises", "{{ (1, [2]) in {'a': 1} }}"],
  ["unique of hashable tuples", "{{ [(1, 2), (1, 2), (1, (3,))]|unique|list }} {{ (1, (2,)) in {'a': 1} }}"],
  ["min max sum", "{{ l|min }} {{ l|max }} {{ l|sum }} {{ [1, 2.5]|sum }} {{ msgs|map(attribute='content')|max }} {{ []|max }} {{ ['B', 'a']|min }}"],
  ["dictsort items", "{{ d|dictsort }} {{ d|dictsort(by='key', reverse=true) }} {% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}"],
  ["default", "{{ nothing|default('d') }} {{ e|default('d') }} {{ e|default('d', true) }} {{ none|default('d') }} {{ nothing|d }}"],
  ["string filters", "{{ s|upper }} {{ s|lower }} {{ s|capitalize }} {{ 'hello-world foo(bar'|title }} {{ 'ǆa'|title }} {{ '  x  '|trim }} {{ 'xxaxx'|trim('x') }} {{ s|replace('l', 'L') }} {{ s|replace('l', 'L', 1) }} {{ s|center(15) }} {{ 'a b  c'|wordcount }}"],
  ["indent", "{{ 'a\\nb\\r\\nc\\rd'|indent(2) }}|{{ 'a\\n\\nb'|indent(2, true, true) }}|{{ 'x'|indent('>>', first=true) }}"],
  ["truncate", "{{ 'aaa bbb ccc ddd'|truncate(9) }} {{ 'aaa bbb ccc ddd'|truncate(9, true) }} {{ 'short'|truncate(9) }} {{ 'aaa bbb ccc ddd'|truncate(9, false, '!', 0) }}"],
  ["int float round abs", "{{ '3'|int + 1 }} {{ ' 12 '|int }} {{ '1.9'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '0x1A'|int(0, 16) }} {{ '1_0'|int }} {{ 3.7|int }} {{ '1e3'|float }} {{ 'inf'|float }} {{ 'x'|float }} {{ 5|round }} {{ 5.0|round }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ -2.5|round }} {{ 2.1|round(method='ceil') }} {{ 2.9|round(0, 'floor') }} {{ -5|abs }} {{ true|abs }}"],
  ["round with precision none gives an int", "{{ 2.5|round(none) }} {{ 3.5|round(precision=none) }} {{ 3|round(none) }} {{ true|round(none) }} {{ 1e20|round(none) }}"],
  ["round with a float precision raises", "{{ 2.5|round(1.0) }}"],
  ["round floor with precision none raises", "{{ 2.5|round(none, 'floor') }}"],
  ["slice into zero slices raises", "{{ l|slice(0)|list }}"],
  ["slice with a float count raises", "{{ l|slice(2.0)|list }}"],
  ["indent of a number raises", "{{ 5|indent(2) }}"],
  ["indent of undefined raises", "{{ nothing|indent(2) }}"],
  ["truncate of a number raises", "{{ 123|truncate(5) }}"],
  ["truncate with a negative leeway raises", "{{ 'abc'|truncate(5, leeway=-1) }}"],
  ["truncate keeps a short list and undefined as they are", "{{ l|truncate(5) }}|{{ nothing|truncate(5) }}|{{ (1, 2)|truncate(3, leeway=0) }}"],
  ["string filter and list filter", "{{ n|string + 'a' }} {{ l|string }} {{ s|list }} {{ d|list }} {{ none|string }}"],
  ["batch and slice", "{{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }} {{ [1, 2, 3, 4, 5]|slice(2)|list }} {{ [1, 2, 3]|slice(2, 0)|list }}"],
  ["escape and safe", "{{ '<a href=\"x\">&</a>'|e }} {{ '<b>'|safe }} {{ ('<'|e) ~ '<' }} {{ ('<b>'|safe)|upper }} {{ ('<b>'|safe)|replace('b', '&') }} {{ (' x '|safe)|trim }} {{ ('<'|safe) is escaped }}"],
  ["Markup prints as Markup(...) inside a list", "{{ [2.5|forceescape, 'a'|e, ('x' ~ ('<'|e))] }} {{ ('a'|e,) }} {{ {'k': 'v'|e} }} {{ '%r' % ('<'|e) }} {{ [\"'\"|safe] }} {{ ['a'|safe]|string }} {{ l|map('e')|list }}"],
  ["Markup stays Markup through upper, lower, capitalize, trim, center, reverse, indent, last, [i], [a:b]", "{% set m = '<a b>'|safe %}{{ [m|upper, m|lower, m|capitalize, m|trim, m|center(9), m|reverse, m|indent(2, true), m|last, m[0], m[1:3], m[::-1]] }} {{ [m|first, m|title, m|replace('a', 'c'), m|join] }} {{ ['a', m]|map('upper')|list }} {{ [2 * m, m * 2, true * m, m * 0] }}"],
  ["format filter", "{{ '%s and %s'|format('a', 'b') }} {{ '%(x)s'|format(x=1) }}"],
  ["attr filter", "{{ d|attr('items') is callable }} {{ d|attr('b') }} {{ d|attr('keys')()|list }}"],
  ["generator filters are single use", "{% set y = l|map('string') %}{{ y|join(',') }}|{{ y|join(',') }}"],
  ["length of a generator raises", "{{ l|map('string')|length }}"],
  ["generators are lazy: an item never read never raises", "{{ ([{'a': {'b': 1}}, 5]|map(attribute='a.b'))|first }} {{ (l|select('odd'))|first }} {{ 2 in l|map('int') }}"],
  ["generators raise when the bad item is read", "{{ ([{'a': {'b': 1}}, 5]|map(attribute='a.b'))|list }}"],
  ["generator filters on falsy values are empty", "{{ none|map('upper')|list }} {{ 0|select|list }} {{ ''|reject('odd')|list }} {{ nothing|selectattr('x')|list }}"],
  ["attribute path through a missing step raises", "{{ msgs|map(attribute='nope.x')|list }}"],
  ["unknown filter in taken branch raises", "{% if true %}{{ 1|nosuchfilter }}{% endif %}"],
  ["unknown filter in skipped branch renders", "{% if false %}{{ 1|nosuchfilter }}{% endif %}ok"],
  // tojson.
  ["tojson default", "{{ d|tojson }} {{ s|tojson }} {{ [1.0, 1e16, 1e-7, 0.1, big, none, true]|tojson }}"],
  ["tojson keywords", "{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ s|tojson(ensure_ascii=true) }}|{{ d|tojson(separators=(',', ':')) }}|{{ l|tojson(indent='--') }}|{{ {}|tojson(indent=2) }}|{{ []|tojson(indent=0) }}"],
  ["tojson positional", "{{ s|tojson(true) }} {{ d|tojson(false, 1) }}"],
  ["tojson of undefined raises", "{{ nothing|tojson }}"],
  ["tojson separators unpack any pair, a string ignores them", "{{ {'a': 1}|tojson(separators='ab') }} {{ {'a': 1}|tojson(separators={'x': 1, 'y': 2}) }} {{ 'x'|tojson(separators=(1, 2)) }} {{ 'x'|tojson(indent=1.5) }} {{ 'é'|tojson(ensure_ascii=true, sort_keys=5) }} {{ ('<'|safe)|tojson }}"],
  ["tojson separators that are not strings raise", "{{ 1|tojson(separators=(1, 2)) }}"],
  ["tojson separators that do not unpack raise", "{{ 'x'|tojson(separators=5) }}"],
  ["tojson three separators raise", "{{ 1|tojson(separators=[1, 2, 3]) }}"],
  ["tojson float indent raises on a number", "{{ 1|tojson(indent=1.5) }}"],
  ["names that look like the recursive keyword", "{% for recursive in l %}{{ recursive }}{% endfor %}{% set recursive = true %}{% for x in l if recursive %}{{ x }}{% endfor %}"],
  // Printing Python values.
  ["printing values", "{{ l }} {{ d }} {{ (1, 'a', none) }} {{ none }} {{ t }} {{ f }} {{ one }} {{ nothing }} {{ 'it\\'s' }} {{ ['it\\'s', \"q\\\"\", '\\n'] }} {{ [1e16, 1e-5, -0.0] }}"],
  ["printing views and ranges", "{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ range(3) }} {{ range(1, 10, 3) }} {{ range(3)|list }}"],
  ["printing namespace and loop", "{% set ns = namespace(a=1, b='x') %}{{ ns }}{% for i in [1, 2] %}{{ loop }}{% endfor %}"],
  // Attribute and item lookup, Undefined, the sandbox.
  ["attribute versus item", "{{ d.b }} {{ d['b'] }} {{ d.items is callable }} {{ d['items'] is callable }} {{ msgs.0.role }} {{ msgs[-1].content }} {{ l.1 }} {{ s[0] }} {{ s[-1] }}"],
  ["missing lookups are undefined", "[{{ d.nope }}][{{ l[10] }}][{{ s[99] }}][{{ none.attr }}][{{ n.attr }}][{{ d['nope'] }}]"],
  ["attribute of undefined raises", "{{ nothing.attr }}"],
  ["item of undefined raises", "{{ nothing['x'] }}"],
  ["undefined arithmetic raises", "{{ nothing + 1 }}"],
  ["undefined in concat and loops", "{{ nothing ~ 'a' }}{% for x in nothing %}never{% endfor %}{{ nothing|length }}{{ nothing|upper }}{{ nothing == nothing }}"],
  ["int of undefined raises", "{{ nothing|int(5) }}"],
  ["float of a missing attribute raises", "{{ l.b|float }}"],
  ["iterating None raises", "{% for x in none %}{% endfor %}"],
  ["sandbox unsafe method access prints empty", "[{{ l.append }}][{{ d.update }}]"],
  ["sandbox append raises", "{{ l.append(4) }}"],
  ["sandbox pop raises", "{{ d.pop('b') }}"],
  ["sandbox dunder raises", "{{ s.__class__() }}"],
  ["range limit raises", "{{ range(100001)|length }}"],
  ["raise_exception", "{{ raise_exception('boom: ' ~ n) }}"],
  // Methods.
  ["str methods", "{{ 'A,B,,C'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(None, 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x\\ny\\r\\nz'.splitlines() }} {{ 'ab'.startswith('a') }} {{ 'ab'.endswith(('x', 'b')) }} {{ 'héllo'.find('l') }} {{ 'héllo'.rfind('l') }} {{ 'aaa'.count('a') }} {{ 'abc'.replace('', '-') }} {{ ','.join(['a', 'b']) }}"],
  ["str find count startswith with a start beyond the end", "{{ 'abc'.find('', 5) }} {{ 'abc'.rfind('', 5) }} {{ 'abc'.count('', 5) }} {{ 'abc'.count('', 3) }} {{ 'abc'.find('', 3) }} {{ 'abc'.startswith('', 5) }} {{ 'abc'.endswith('', 5) }} {{ 'abc'.startswith('', 3) }} {{ 'abc'.endswith('', 2, 1) }} {{ 'abc'.find('', 2, 1) }} {{ 'abc'.count('', -10, -5) }} {{ 'a😀c'.find('', 4) }} {{ 'a😀c'.count('', 2, 99) }}"],
  ["str index with a start beyond the end raises", "{{ 'abc'.index('', 5) }}"],
  ["str methods 2", "{{ '  x '.strip() }}|{{ 'xyx'.strip('x') }}|{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}|{{ 'ab'.center(6, '*') }}|{{ 'ab'.ljust(4, '.') }}|{{ 'ab'.rjust(4) }}|{{ '-42'.zfill(6) }}|{{ 'a=b=c'.partition('=') }}|{{ 'a=b=c'.rpartition('=') }}|{{ 'prefix_x'.removeprefix('prefix_') }}"],
  ["str case methods", "{{ 'hello WORLD'.title() }} {{ 'hELLO'.capitalize() }} {{ 'ß'.upper() }} {{ 'İ'.lower() }} {{ 'ΑΣ'.lower() }} {{ 'aB'.swapcase() }} {{ 'ǆemal'.title() }} {{ 'ﬁre'.capitalize() }}"],
  ["str predicates", "{{ 'abc'.isalpha() }} {{ '123'.isdigit() }} {{ '12a'.isalnum() }} {{ ' \\t'.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ 'Ab Cd'.istitle() }} {{ 'x_1'.isidentifier() }} {{ 'é'.isascii() }} {{ '١٢'.isdecimal() }}"],
  ["str index errors", "{{ 'abc'.index('z') }}"],
  ["list and dict methods", "{{ l.index(2) }} {{ l.count(3) }} {{ d.get('b') }} {{ d.get('nope') }} {{ d.get('nope', 'dflt') }} {{ d.keys()|list }} {{ d.values()|list|length }} {{ d.copy() == d }}"],
  ["slicing", "{{ l[1:] }} {{ l[::-1] }} {{ l[:-1] }} {{ s[1:4] }} {{ s[::2] }} {{ s[::-1] }} {{ '😀a😀b'[1:3] }} {{ l[5:] }} {{ (1, 2, 3)[1:] }}"],
  ["slice step zero raises", "{{ l[::0] }}"],
  // Loops.
  ["loop variables", "{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}[{{ loop.previtem }}|{{ loop.nextitem }}]{{ loop.cycle('a', 'b') }}{{ loop.depth }};{% endfor %}"],
  ["loop changed", "{% for x in [1, 1, 2, 2, 1] %}{{ loop.changed(x) }}{% endfor %}"],
  ["loop else and filter", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in l if x > 1 %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}|{% for x in l if x > 9 %}{% else %}none{% endfor %}"],
  ["break and continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}|{% for x in [1] %}{% continue %}{% else %}E{% endfor %}"],
  ["break outside a loop is a syntax error", "{% if true %}{% break %}{% endif %}"],
  ["break inside a macro inside a loop is a syntax error", "{% for x in l %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}"],
  ["nested loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}"],
  ["loop unpacking", "{% for k, v in d.items() %}{{ k }}:{{ v }};{% endfor %}{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}"],
  ["loop unpacking error", "{% for a, b in [(1, 2, 3)] %}{% endfor %}"],
  ["loop over dict and string", "{% for k in d %}{{ k }}{% endfor %}|{% for c in 'héy' %}[{{ c }}]{% endfor %}"],
  ["loop scoping", "{% set x = 'outer' %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}[{{ x }}]{% endfor %}{{ x }}|{% for i in [1, 2] %}{% if i == 1 %}{% set y = 'a' %}{% endif %}[{{ y }}]{% endfor %}"],
  ["set loop inside a for loop is a syntax error", "{% for x in l %}{% set loop = 1 %}{% endfor %}"],
  ["a for loop named loop is a syntax error", "{% for loop in l %}{% endfor %}"],
  ["set loop in a macro inside a for loop is a syntax error", "{% for x in l %}{% macro m() %}{% set a, loop = 1, 2 %}{% endmacro %}{% endfor %}"],
  ["set loop in a for loop's else block is a syntax error", "{% for x in l %}{% else %}{% set loop = 1 %}{% endfor %}"],
  ["loop as a namespace attribute or outside loops is fine", "{% set loop = 5 %}{{ loop }}{% for x in [1] %}{% set ns = namespace(loop=1) %}{% set ns.loop = 2 %}{{ ns.loop }}{% set y = loop.index %}{{ y }}{% endfor %}"],
  ["a macro parameter list ending in a comma is a syntax error", "{% macro m(a,) %}{{ a }}{% endmacro %}{{ m(1,) }}"],
  ["if scoping leaks", "{% if true %}{% set a = 5 %}{% endif %}{{ a }}"],
  ["namespace across loop", "{% set ns = namespace(total=0, items=[]) %}{% for x in l %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }} {{ ns.items }}"],
  ["set on non-namespace raises", "{% set d.x = 1 %}"],
  ["tuple assignment", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, e = [3, 4] %}{{ c }}{{ e }}"],
  // Macros and blocks.
  ["macro defaults", "{% macro m(a, b=a ~ '!') %}[{{ a }}|{{ b }}]{% endmacro %}{{ m('x') }}{{ m('x', 'y') }}{{ m(b='q', a='z') }}{{ m() }}"],
  ["macro varargs kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}"],
  ["macro too many args raises", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"],
  ["macro unknown kwarg raises", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, b=2) }}"],
  ["macro scoping", "{% set y = 1 %}{% macro m() %}{{ y }}{{ z }}{{ i }}{% endmacro %}{% set z = 2 %}{% for i in [9] %}{{ m() }}{% endfor %}{% set y = 3 %}{{ m() }}"],
  ["macro local set", "{% set x = 1 %}{% macro m() %}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}"],
  ["recursive macro", "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(4) }}"],
  ["call block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ n }}{% endcall %}"],
  ["call block with args", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}"],
  ["set block and filter block", "{% set body %}\n  x {{ n }}\n{% endset %}[{{ body }}]{% filter upper %}shout {{ s }}{% endfilter %}"],
  ["a set block's own sets stay inside it", "{% set y = 1 %}{% set out %}{{ y }}{% set y = 2 %}{{ y }}{% set q = 3 %}{% endset %}{{ out }}{{ y }}{{ q is defined }}{% if true %}{% set out2 %}{% set y = 4 %}{% endset %}{% endif %}{{ y }}"],
  ["a filter block's own sets stay inside it", "{% set y = 1 %}{% filter upper %}{% set y = 'b' %}{{ y }}{% set q = 2 %}{% endfilter %}{{ y }}{{ q is defined }}"],
  ["break and continue inside set and filter blocks leave the loop before the block is used", "{% for i in [1, 2, 3] %}{% set out %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endset %}{{ out }}{% endfor %}|{% for i in [1, 2, 3] %}{% filter upper %}{% if i == 2 %}{% continue %}{% endif %}x{{ i }}{% endfilter %}{% endfor %}"],
  ["set block with filter", "{% set b | upper %}abc{% endset %}{{ b }}"],
  // Globals.
  ["range dict cycler joiner", "{{ range(5)[1] }} {{ range(1, 10, 3)|list }} {{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }}{% set c = cycler('a', 'b') %} {{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}{% set j = joiner('|') %} {{ j() }}a{{ j() }}b{{ j() }}"],
  ["strftime_now literal", "{{ strftime_now('%%') }}"],
  // Kimi-style usage.
  ["message get or role", "{% for m in msgs %}{{ m.get('name') or m['role'] }}{{ m.content|trim }};{% endfor %}"],
  ["special token variables", "{{ bos_token }}{{ eos_token }}{{ additional_special_tokens|length }}{{ additional_special_tokens[0] }}{{ unk_token }}{{ pad_token }}"],
];

// Two templates in the style of other model families (written for this test), combining the features
// above the way real chat templates do: a namespace scanning history backwards, tool-call JSON,
// startswith checks, role validation with raise_exception, trimmed content, strftime_now.
const STYLE_A = `{%- if tools %}<|sys|>{% if messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}# Tools\n{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}<|end|>\n
{%- elif messages[0].role == 'system' %}<|sys|>{{ messages[0].content }}<|end|>\n{% endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}{% set index = (messages|length - 1) - loop.index0 %}
{%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}{% set ns.multi_step_tool = false %}{% set ns.last_query_index = index %}{% endif %}{% endfor %}
{%- for message in messages %}{% set content = message.content if message.content is string else '' %}
{%- if message.role == "user" or (message.role == "system" and not loop.first) %}<|{{ message.role }}|>{{ content }}<|end|>\n
{%- elif message.role == "assistant" %}<|assistant|>{% if loop.index0 > ns.last_query_index %}[after query] {% endif %}{{ content | trim }}
{%- if message.tool_calls %}{% for tool_call in message.tool_calls %}{% if tool_call.function %}{% set tool_call = tool_call.function %}{% endif %}
<call>{"name": "{{ tool_call.name }}", "arguments": {% if tool_call.arguments is string %}{{ tool_call.arguments }}{% else %}{{ tool_call.arguments | tojson }}{% endif %}}</call>{% endfor %}{% endif %}<|end|>\n
{%- elif message.role == "tool" %}{% if loop.first or (messages[loop.index0 - 1].role != "tool") %}<|user|>{% endif %}<response>{{ content }}</response>{% if loop.last or (messages[loop.index0 + 1].role != "tool") %}<|end|>\n{% endif %}
{%- endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}`;

const STYLE_B = `{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] if messages[0]['content'] is string else messages[0]['content']|map(attribute='text')|select('string')|join('') %}{%- set loop_messages = messages[1:] %}
{%- else %}{%- set system_message = "" %}{%- set loop_messages = messages %}{%- endif %}
{{- "[SYS]Today: " + date_string + "\\n" }}{%- if tools is not none and tools|length > 0 %}{{- "Tools: " ~ tools|map(attribute='function')|map(attribute='name')|join(', ') ~ "\\n" }}{%- endif %}{{- system_message|trim|indent(2) }}{{- "[/SYS]" }}
{%- for message in loop_messages %}
{%- if message['role'] not in ['user', 'assistant', 'tool', 'system', '_input', 'developer', 'function', 'observation', 'ipython', '工具', ''] %}{{- raise_exception('unknown role ' ~ message['role']) }}{% endif %}
{%- if message.tool_calls %}{%- for tc in message.tool_calls %}{{- '[CALL ' ~ loop.index ~ '/' ~ loop.length ~ ']' ~ tc.function.name|upper ~ '(' ~ (tc.function.arguments if tc.function.arguments is string else tc.function.arguments|tojson(sort_keys=true)) ~ ')' }}{%- endfor %}
{%- else %}{{- '[' + message['role']|capitalize + ']' + (message['content'] if message['content'] is string else (message['content']|selectattr('type', 'equalto', 'text')|map(attribute='text')|join(' ') if message['content'] else '')) + '\\n' }}{%- endif %}
{%- endfor %}{%- if add_generation_prompt %}{{- '[Assistant]' }}{%- endif %}`;

describe("templates in other families' style on generated requests", () => {
  const lines = fc.sample(chatRequest, { seed: 999, numRuns: runs(150) }).map(requestLine);
  const templates: [string, string][] = [["style A (namespace, reverse scan, tools)", STYLE_A], ["style B (filters chain, raise_exception)", STYLE_B]];
  let expected: OracleResult[];
  beforeAll(async () => {
    expected = await renderReferenceCases(templates.flatMap(([, template]) => lines.map((requestLine) => ({ template, requestLine, kimi: true }))));
  });
  templates.forEach(([name, template], t) => {
    it(name, () => {
      const compiled = compileTemplate(template, { probe: false });
      let raised = 0;
      lines.forEach((line, i) => {
        const exp = expected[t * lines.length + i] as OracleResult;
        const got = safeRenderChat(parseRequestJson(line), { template: compiled, engine: "jinja" });
        if (!exp.ok) raised++;
        if (exp.ok) expect(got, `request ${i}: ${line}`).toEqual({ ok: true, text: exp.text });
        else expect(got.ok, `request ${i}: Python raised ${exp.error}`).toBe(false);
      });
      expect(raised).toBeLessThan(lines.length / 2);
    });
  });
});

/** Constructs Python renders but this engine refuses (template_unsupported) rather than render differently. */
const REFUSED: Case[] = [
  ["wordwrap filter", "{{ 'abc def'|wordwrap(3) }}"],
  ["random filter", "{{ [1, 2]|random }}"],
  ["groupby filter", "{{ msgs|groupby('role')|list|length }}"],
  ["lipsum global", "{{ lipsum(1)|length > 0 }}"],
  ["with statement", "{% with a = 1 %}{{ a }}{% endwith %}"],
  ["block statement", "{% block b %}x{% endblock %}"],
  ["printing a macro", "{% macro m() %}{% endmacro %}{{ m }}"],
  ["printing a generator", "{{ l|map('string') }}"],
  ["dict literal with an int key", "{{ {1: 'a'}[1] }}"],
  ["sameas on a large int", "{{ 1000 is sameas 1000 }}"],
  ["str.encode", "{{ 'a'.encode() }}"],
  ["isdigit on a superscript", "{{ '²'.isdigit() }}"],
  ["locale number format", "{{ '{:n}'.format(1234) }}"],
  ["slicing a range", "{{ range(5)[1:]|list }}"],
  ["negative base fractional power", "{{ (-8) ** 0.5 }}"],
  ["float power with an inexact result", "{{ 2.0 ** 0.5 }}"],
  ["int to a negative power with an inexact result", "{{ 10 ** -2 }}"],
  ["Markup plus str", "{{ ('<'|safe) + '<' }}"],
  ["Markup from |upper plus str", "{{ ('x'|e|upper) + '<' }}"],
  ["a slice of a Markup string plus str", "{{ ('<b>'|safe)[0:1] + '<' }}"],
  ["a method of a Markup string", "{{ ('<b>'|safe).replace('b', '&') }}"],
  ["percent formatting of a Markup string", "{{ ('%s'|safe) % '<' }}"],
  ["a chain of filters in a filter block", "{% filter upper|replace('A', 'b') %}aaa{% endfilter %}"],
  ["recursive for loop", "{% for x in [[1, [2]], [3]] recursive %}{{ x }}{% endfor %}"],
  ["recursive for loop with a filter", "{% for x in l if x > 1 recursive %}{{ x }}{% endfor %}"],
  ["a float literal that overflows (Python folds it to inf, or raises NameError)", "{{ 1e400 }}"],
  ["tojson separators that are not strings with an indent", "{{ []|tojson(separators=(1, 2), indent=1) }}"],
];

describe("constructs the Jinja engine refuses instead of rendering differently", () => {
  let expected: OracleResult[];
  const line = `{"messages": [], ${V}}`;
  beforeAll(async () => {
    expected = await renderReferenceCases(REFUSED.map(([, template]) => ({ template, requestLine: line })));
  });
  REFUSED.forEach(([name, template], i) => {
    it(name, () => {
      expect((expected[i] as OracleResult).ok, "Python renders it").toBe(true);
      const run = (): string => renderChat(parseRequestJson(line), { template: compileTemplate(template, { probe: false }), engine: "jinja", validate: false });
      expect(run).toThrow(expect.objectContaining({ code: "template_unsupported" }));
    });
  });
});

describe("Jinja engine features against Python Jinja2", () => {
  let expected: OracleResult[];
  const requestLines = CASES.map(([, , vars]) => `{"messages": []${vars ? ", " + vars : ", " + V}}`);
  beforeAll(async () => {
    expected = await renderReferenceCases(CASES.map(([, template], i) => ({ template, requestLine: requestLines[i] as string })));
  });

  CASES.forEach(([name, template], i) => {
    it(name, () => {
      const exp = expected[i] as OracleResult;
      const request = parseRequestJson(requestLines[i] as string);
      let ours: string | KimiK2Error;
      try {
        ours = renderChat(request, { template: compileTemplate(template, { probe: false }), engine: "jinja", validate: false, semantics: "raw", now: () => new Date(2025, 0, 2, 3, 4, 5) });
      } catch (e) {
        if (!KimiK2Error.isInstance(e)) throw e;
        ours = e;
      }
      if (exp.ok) {
        expect(ours instanceof KimiK2Error ? `raised: ${ours.message}` : ours).toBe(exp.text);
      } else {
        expect(ours instanceof KimiK2Error ? ours.code : `rendered ${JSON.stringify(ours)}`, `Python raised ${exp.error}`).toMatch(/^template_error$|^invalid_request$/);
      }
    });
  });
});
