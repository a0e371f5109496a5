"""What every local service double shares: per-test scripts, counters and the
last request, behind the same control endpoints, and the start-up line.

Uses Debian's python3-aiohttp 3.8 (run the doubles with /usr/bin/python3).

Test control (not the service's API):
  POST /_control {"status": 500, "delay_ms": 0, "body": "raw", "content_type": "...",
                  "close": false, "times": 1, ...}
      queues a script for the next `times` service requests (scripts run in
      order). Every field is optional: "delay_ms" waits first (past a client's
      timeout: an answer that never comes); "close" drops the connection without
      answering; "body" replaces the whole answer verbatim, with `status` ("body_base64"
      likewise, for bytes that are not UTF-8); else the
      double answers `status` in the service's own way (a double may read more
      fields, such as "message").
  POST /_reset        forgets scripts, counters and the last request.
  GET  /_stats        {"connections": n, "requests": m}: TCP connections that
                      carried service requests, and those requests.
  GET  /_last         what the double recorded of the last service request ({}
                      before one).
"""

import argparse
import asyncio
import base64
import collections
import os
import sys

from aiohttp import web

# The benchmark yardsticks already serve an aiohttp app on a port of the kernel's
# choosing and report it; the doubles do exactly that too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "yardsticks"))
from aiohttp_serve import serve_forever  # noqa: E402


class ScriptedDouble:
    # The Content-Type of a scripted "body" that does not name its own.
    body_content_type = 'application/json'

    def __init__(self):
        self.scripts = collections.deque()
        self.reset()

    def reset(self):
        self.scripts.clear()
        self.requests = 0
        self.transports = set()  # held, so no two connections share an identity
        self.last = {}

    def record(self, request, last):
        """Counts a service request and keeps `last` for GET /_last."""
        self.requests += 1
        self.transports.add(request.transport)
        self.last = last

    async def scripted(self, request, answer):
        """The answer the next script makes, or None when no script is queued.

        `answer(status, script)` is the double's own answer with that status, for a
        script without a "body"."""
        if not self.scripts:
            return None
        script = self.scripts[0]
        script['times'] -= 1
        if script['times'] <= 0:
            self.scripts.popleft()
        if script.get('delay_ms', 0) > 0:
            await asyncio.sleep(script['delay_ms'] / 1000)
        if script.get('close'):
            request.transport.close()
            return web.Response()  # never sent: the connection is gone
        status = script.get('status', 200)
        if 'body' in script or 'body_base64' in script:
            body = (base64.b64decode(script['body_base64']) if 'body_base64' in script
                    else script['body'].encode())
            return web.Response(status=status, body=body,
                                content_type=script.get('content_type', self.body_content_type))
        return answer(status, script)

    async def control(self, request):
        script = await request.json()
        script['times'] = int(script.get('times', 1))
        if script['times'] > 0:
            self.scripts.append(script)
        return web.json_response({'queued': len(self.scripts)})

    async def reset_all(self, request):
        self.reset()
        return web.json_response({})

    async def stats(self, request):
        return web.json_response({'connections': len(self.transports), 'requests': self.requests})

    async def last_request(self, request):
        return web.json_response(self.last)

    def add_control_routes(self, app):
        app.router.add_post('/_control', self.control)
        app.router.add_post('/_reset', self.reset_all)
        app.router.add_get('/_stats', self.stats)
        app.router.add_get('/_last', self.last_request)


def run(doc, build_app, add_arguments=lambda parser: None):
    """Parses --port, --host and the double's own arguments, then serves
    build_app(args) until killed."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--host', default='127.0.0.1')
    add_arguments(parser)
    args = parser.parse_args()
    serve_forever(build_app(args), args.host, args.port)
