#!/usr/bin/python3
"""A local stand-in for DeepL API v2 /translate, scriptable by tests.

Uses Debian's python3-aiohttp 3.8, so run it with /usr/bin/python3:

    /usr/bin/python3 tests/doubles/deepl_double.py [--port N] [--host ADDR]
        [--auth-key KEY]

Prints "listening on port N" once the socket is bound (port 0 = any free), and
nothing after that. Point the server at it with DEEPL_API_URL=http://127.0.0.1:N.

POST /v2/translate, as DeepL: a JSON or form-encoded body with "text" (one or
more), "target_lang", optional "source_lang", "formality", "glossary_id";
"Authorization: DeepL-Auth-Key KEY" or 403 {"message": ...}; an unknown
language or formality is a 400 {"message": ...}. EN->ES is translated word by
word from a small dictionary (unknown words stay as they are); any other pair
becomes "[TARGET] text". Every answer is deterministic.

Test control (not DeepL's): the endpoints of scripted_double.py. A script
with a status other than 200 and no "body" answers DeepL's error shape
{"message": its "message" or the reason phrase}; status 200 translates as usual.
/_last holds {"content_type", "user_agent", "authorization", "params"}.
"""

import functools
import json
import re
from http import HTTPStatus

from aiohttp import web

import scripted_double

TARGETS = {
    'AR', 'BG', 'CS', 'DA', 'DE', 'EL', 'EN', 'EN-GB', 'EN-US', 'ES', 'ET', 'FI', 'FR', 'HU', 'ID', 'IT',
    'JA', 'KO', 'LT', 'LV', 'NB', 'NL', 'PL', 'PT', 'PT-BR', 'PT-PT', 'RO', 'RU', 'SK', 'SL', 'SV', 'TR',
    'UK', 'ZH', 'ZH-HANS', 'ZH-HANT'}
SOURCES = {t for t in TARGETS if '-' not in t}
FORMALITIES = {'default', 'more', 'less', 'prefer_more', 'prefer_less'}

EN_ES = {
    'hello': 'hola', 'world': 'mundo', 'good': 'buenos', 'morning': 'días', 'night': 'noche',
    'the': 'el', 'a': 'un', 'is': 'es', 'are': 'son', 'and': 'y', 'or': 'o', 'not': 'no',
    'yes': 'sí', 'no': 'no', 'thank': 'gracias', 'you': 'tú', 'i': 'yo', 'we': 'nosotros',
    'it': 'eso', 'this': 'esto', 'that': 'eso', 'today': 'hoy', 'tomorrow': 'mañana',
    'game': 'partido', 'team': 'equipo', 'goal': 'gol', 'ball': 'balón', 'wins': 'gana',
    'score': 'marcador', 'time': 'tiempo', 'very': 'muy', 'fast': 'rápido', 'now': 'ahora',
    'what': 'qué', 'great': 'genial', 'play': 'jugada', 'friend': 'amigo', 'house': 'casa'}

WORD = re.compile(r"[A-Za-z']+")


def translate_text(text, source, target):
    if source in ('', 'EN') and target == 'ES':
        def word(match):
            original = match.group(0)
            spanish = EN_ES.get(original.lower())
            if spanish is None:
                return original
            return spanish[0].upper() + spanish[1:] if original[0].isupper() else spanish
        return WORD.sub(word, text)
    return f'[{target}] {text}'


# UTF-8 as it is, like DeepL, rather than \u escapes.
json_response = functools.partial(web.json_response, dumps=functools.partial(json.dumps, ensure_ascii=False))


def deepl_error(status, message):
    return json_response({'message': message}, status=status)


class Double(scripted_double.ScriptedDouble):
    def __init__(self, auth_key):
        super().__init__()
        self.auth_key = auth_key

    async def read_params(self, request):
        """DeepL's parameters from a JSON or a form-encoded body, or None."""
        if request.content_type == 'application/json':
            try:
                params = await request.json()
            except ValueError:
                return None
            if not isinstance(params, dict):
                return None
            text = params.get('text')
            if isinstance(text, str):
                params['text'] = [text]
            return params
        form = await request.post()
        params = {key: form.get(key) for key in form.keys()}
        params['text'] = form.getall('text', [])
        return params

    async def translate(self, request):
        params = await self.read_params(request)
        self.record(request, {
            'content_type': request.content_type,
            'user_agent': request.headers.get('User-Agent', ''),
            'authorization': request.headers.get('Authorization', ''),
            'params': params,
        })
        scripted = await self.scripted(request, lambda status, script: self.scripted_answer(status, script, params))
        if scripted is not None:
            return scripted
        if request.headers.get('Authorization') != f'DeepL-Auth-Key {self.auth_key}':
            return deepl_error(403, 'Authorization failure, check auth_key')
        return self.answer(params)

    def scripted_answer(self, status, script, params):
        if status == 200:
            return self.answer(params)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:  # DeepL's own 456
            reason = 'Quota exceeded'
        return deepl_error(status, script.get('message', reason))

    def answer(self, params):
        if params is None:
            return deepl_error(400, 'Invalid request body')
        texts = params.get('text')
        if not texts or not all(isinstance(t, str) for t in texts):
            return deepl_error(400, "Parameter 'text' not specified.")
        target = str(params.get('target_lang', '')).upper()
        source = str(params.get('source_lang', '') or '').upper()
        if target not in TARGETS:
            return deepl_error(400, "Value for 'target_lang' not supported.")
        if source and source not in SOURCES:
            return deepl_error(400, "Value for 'source_lang' not supported.")
        formality = params.get('formality')
        if formality is not None and formality not in FORMALITIES:
            return deepl_error(400, "Value for 'formality' not supported.")
        return json_response({'translations': [
            {'detected_source_language': source or 'EN', 'text': translate_text(t, source, target.split('-')[0])}
            for t in texts]})


def build_app(auth_key):
    double = Double(auth_key)
    app = web.Application()
    app.router.add_post('/v2/translate', double.translate)
    double.add_control_routes(app)
    return app


if __name__ == '__main__':
    scripted_double.run(__doc__, lambda args: build_app(args.auth_key),
                        lambda parser: parser.add_argument('--auth-key', default='double-key:fx'))
