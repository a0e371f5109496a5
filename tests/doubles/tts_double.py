#!/usr/bin/python3
"""A local stand-in for Coqui TTS's tts-server /api/tts, scriptable by tests.

Uses Debian's python3-aiohttp 3.8, so run it with /usr/bin/python3:

    /usr/bin/python3 tests/doubles/tts_double.py [--port N] [--host ADDR]
        [--sample-rate HZ] [--ms-per-char MS]

Prints "listening on port N" once the socket is bound (port 0 = any free), and
nothing after that. Point the server at it with TTS_URL=http://127.0.0.1:N.

GET or POST /api/tts, as TTS/server/server.py of coqui-tts (idiap/coqui-ai-TTS,
the maintained continuation of coqui-ai/TTS): the parameters text, speaker_id,
language_id, style_wav and speaker_wav come from the query string or a
form-encoded body (Flask's request.values), each overridden by a request header
text, speaker-id, language-id, style-wav or speaker-wav. Blank text is a 400
{"error": "Text parameter is required"}. Otherwise the answer is audio/wav:
16-bit mono PCM at --sample-rate (24000 Hz, XTTS v2's rate) holding a 200 Hz
tone of --ms-per-char (60) ms per character of text. Every answer is
deterministic.

Test control (not Coqui's): the endpoints of scripted_double.py. A script with
a status other than 200 and no "body" answers {"error": its "message"} when it
has one (coqui-tts's shape), else the HTML page Flask sends for that status
(what coqui-ai/TTS 0.22 answers when synthesis raises); status 200 synthesizes
as usual. A scripted "body" is sent as audio/wav unless it says otherwise.
/_last holds {"method", "content_type", "user_agent", "params"}, params being
the parameters above that the request carried.
"""

import io
import math
import struct
import wave
from http import HTTPStatus

from aiohttp import web

import scripted_double

PARAMETERS = ('text', 'speaker_id', 'language_id', 'style_wav', 'speaker_wav')
TONE_HZ = 200


def flask_error_page(status):
    """Werkzeug's HTML for an HTTP error, as Flask answers an unhandled one."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = 'Unknown Error'
    if status == 500:
        description = ('The server encountered an internal error and was unable to complete your request. '
                       'Either the server is overloaded or there is an error in the application.')
    else:
        description = phrase + '.'
    return (f'<!doctype html>\n<html lang=en>\n<title>{status} {phrase}</title>\n'
            f'<h1>{phrase}</h1>\n<p>{description}</p>\n')


class Double(scripted_double.ScriptedDouble):
    body_content_type = 'audio/wav'

    def __init__(self, sample_rate, ms_per_char):
        super().__init__()
        self.sample_rate = sample_rate
        self.ms_per_char = ms_per_char
        # One whole period when the rate allows it (24000 / 200), so tiling it is seamless.
        period = max(1, round(sample_rate / TONE_HZ))
        self.period = b''.join(struct.pack('<h', round(9830 * math.sin(2 * math.pi * i / period)))
                               for i in range(period))

    async def read_params(self, request):
        """Flask's request.values (query, then form), with headers taking precedence."""
        values = dict(request.query)
        if request.method == 'POST':
            form = await request.post()
            values.update({key: form.get(key) for key in form.keys()})
        params = {}
        for name in PARAMETERS:
            value = request.headers.get(name.replace('_', '-')) or values.get(name)
            if value is not None:
                params[name] = value
        return params

    async def tts(self, request):
        params = await self.read_params(request)
        self.record(request, {
            'method': request.method,
            'content_type': request.content_type,
            'user_agent': request.headers.get('User-Agent', ''),
            'params': params,
        })
        scripted = await self.scripted(request, lambda status, script: self.scripted_answer(status, script, params))
        if scripted is not None:
            return scripted
        return self.answer(params)

    def scripted_answer(self, status, script, params):
        if status == 200:
            return self.answer(params)
        if 'message' in script:
            return web.json_response({'error': script['message']}, status=status)
        return web.Response(status=status, text=flask_error_page(status), content_type='text/html')

    def answer(self, params):
        text = params.get('text', '')
        if not text.strip():
            return web.json_response({'error': 'Text parameter is required'}, status=400)
        return web.Response(body=self.wav(len(text) * self.ms_per_char), content_type='audio/wav')

    def wav(self, duration_ms):
        frames = self.sample_rate * duration_ms // 1000
        periods, rest = divmod(frames, len(self.period) // 2)
        out = io.BytesIO()
        with wave.open(out, 'wb') as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.sample_rate)
            writer.writeframes(self.period * periods + self.period[:rest * 2])
        return out.getvalue()


def build_app(args):
    double = Double(args.sample_rate, args.ms_per_char)
    app = web.Application()
    app.router.add_get('/api/tts', double.tts)
    app.router.add_post('/api/tts', double.tts)
    double.add_control_routes(app)
    return app


def add_arguments(parser):
    parser.add_argument('--sample-rate', type=int, default=24000)
    parser.add_argument('--ms-per-char', type=int, default=60)


if __name__ == '__main__':
    scripted_double.run(__doc__, build_app, add_arguments)
