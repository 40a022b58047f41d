#!/usr/bin/env python3
"""A scripted LSP client for `threat lsp` (doc/editors.md "The language
server"): a whole session against a model with a typo and an include, then
malformed and hostile input. Asserts exact values; prints `ok`/`FAIL` per
check and `lsp: N passed, N failed` last (tests/tools/run-tests.sh).

    tests/tools/lsp-client.py THREAT_BIN
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

passed = 0
failed = 0


def check(name, condition, detail=''):
    global passed, failed
    if condition:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name}')
        for line in str(detail).splitlines()[:14]:
            print(f'  | {line}')


class Server:
    def __init__(self, binary, cwd, args=()):
        self.proc = subprocess.Popen([binary, 'lsp', '--today', '2026-06-01', *args], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buffer = b''
        self.next_id = 0
        self.notifications = []

    def raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message):
        body = json.dumps(message).encode()
        self.raw(b'Content-Length: %d\r\n\r\n' % len(body) + body)

    def notify(self, method, params):
        self.send({'jsonrpc': '2.0', 'method': method, 'params': params})

    def _read(self, timeout):
        deadline = time.time() + timeout
        while b'\r\n\r\n' not in self.buffer or len(self.buffer) < self._frame_end():
            left = deadline - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        end = self._frame_end()
        head, body = self.buffer[:end].split(b'\r\n\r\n', 1)
        self.buffer = self.buffer[end:]
        return json.loads(body)

    def _frame_end(self):
        if b'\r\n\r\n' not in self.buffer:
            return 1 << 62
        head, rest = self.buffer.split(b'\r\n\r\n', 1)
        length = int(head.split(b':')[1])
        return len(head) + 4 + length

    def request(self, method, params=None, timeout=20):
        self.next_id += 1
        message = {'jsonrpc': '2.0', 'id': self.next_id, 'method': method}
        if params is not None:
            message['params'] = params
        self.send(message)
        return self.response(self.next_id, timeout)

    def response(self, id, timeout=20):
        while True:
            message = self._read(timeout)
            if message is None:
                return None
            if 'method' in message:
                self.notifications.append(message)
                continue
            if message.get('id') == id:
                return message

    def diagnostics(self, timeout=20):
        if self.notifications:
            return self.notifications.pop(0)
        while True:
            message = self._read(timeout)
            if message is None or message.get('method') == 'textDocument/publishDiagnostics':
                return message

    def finish(self, timeout=20):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = 'hung'
        return code, self.proc.stderr.read().decode()


MODEL = '''model "Shop" {
  date 2026-03-24
  next_review 2026-09-24
}

include "shared.threat"

external browser "Browser"   { zone internet }

process shop "Shop" {
  auth session_cookie
}

store db "Orders" { stores [A-01] }

flow browser -> shop "order" {
  protcol https
  tls true
  data [A-01]
}

flow shop -> db "insert" { protocol postgres  tls true }

threat T-01 "Bots flood the order form" {
  category denial_of_service
  on browser -> shop
  likelihood { skill 3  motive 2 }
  impact { availability 1  reputation 2 }
}

mitigation M-01 "CAPTCHA" {
  mitigates [T-01]
  status planned
}
# the end: external

asset A-02 "Notes" {
  description """
    process and store
    """
}
'''

SHARED = 'asset A-01 "orders" { sensitivity high }\n'


def position(text, needle, nth=0, delta=0):
    """The LSP position of the nth occurrence of needle, plus delta characters."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count('\n', 0, at)
    return {'line': line, 'character': at - (text.rfind('\n', 0, at) + 1)}


def rng(l1, c1, l2, c2):
    return {'start': {'line': l1, 'character': c1}, 'end': {'line': l2, 'character': c2}}


def session(binary, folder):

    path = os.path.join(folder, 'shop.threat')
    with open(path, 'w') as f:
        f.write(MODEL)
    with open(os.path.join(folder, 'shared.threat'), 'w') as f:
        f.write(SHARED)
    uri = 'file://' + path
    shared_uri = 'file://' + os.path.join(folder, 'shared.threat')
    shared_path_note = os.path.join(folder, 'shared.threat')
    doc = {'uri': uri}
    s = Server(binary, folder)

    reply = s.request('initialize', {'processId': None, 'rootUri': 'file://' + folder, 'capabilities': {}})
    caps = reply['result']['capabilities'] if reply and 'result' in reply else {}
    check('initialize: capabilities', caps.get('hoverProvider') is True and caps.get('definitionProvider') is True
          and caps.get('referencesProvider') is True and caps.get('documentFormattingProvider') is True
          and caps.get('codeActionProvider') == {'codeActionKinds': ['quickfix']}
          and caps.get('textDocumentSync') == {'openClose': True, 'change': 2, 'save': {'includeText': True}}
          and caps.get('positionEncoding') == 'utf-16', reply)
    s.notify('initialized', {})

    s.notify('textDocument/didOpen', {'textDocument': {'uri': uri, 'languageId': 'threat', 'version': 1, 'text': MODEL}})
    published = s.diagnostics()
    diags = published['params']['diagnostics'] if published else []
    typo = [d for d in diags if d.get('severity') == 2]
    check('didOpen: the typo is a warning with its suggestion', typo == [{
        'range': rng(16, 2, 16, 9), 'severity': 2, 'source': 'threat',
        'message': "unknown attribute 'protcol' on flow browser->shop\ndid you mean 'protocol'?",
        'data': {'suggestion': 'protocol'}}], json.dumps(diags, indent=1))
    check('didOpen: version and uri', published and published['params']['uri'] == uri
          and published['params']['version'] == 1, published)
    findings = [d for d in diags if d.get('severity') == 3]
    e01 = [d for d in findings if d.get('code') == 'STRIDE-E-01']
    check('didOpen: findings follow, with the rule as code', e01 == [{
        'range': rng(9, 8, 9, 12), 'severity': 3, 'source': 'threat', 'code': 'STRIDE-E-01',
        'message': 'HIGH STRIDE-E-01@shop: Missing authorisation checks (shop states neither `authz` nor `rbac`)'}]
          and all(d['message'].split()[0] in ('CRITICAL', 'HIGH', 'MEDIUM') for d in findings),
          json.dumps(findings, indent=1))

    reply = s.request('textDocument/codeAction', {'textDocument': doc, 'range': rng(16, 4, 16, 4),
                                                   'context': {'diagnostics': typo}})
    actions = reply.get('result') if reply else None
    check('codeAction: the did-you-mean fix', actions is not None and len(actions) == 1
          and actions[0]['title'] == "Change to 'protocol'" and actions[0]['kind'] == 'quickfix'
          and actions[0]['isPreferred'] is True
          and actions[0]['edit'] == {'changes': {uri: [{'range': rng(16, 2, 16, 9), 'newText': 'protocol'}]}},
          json.dumps(reply, indent=1))
    reply = s.request('textDocument/codeAction', {'textDocument': doc, 'range': rng(0, 0, 0, 3),
                                                   'context': {'diagnostics': []}})
    check('codeAction: none elsewhere', reply and reply.get('result') == [], reply)

    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'protcol', 0, 3)})
    items = reply['result']['items'] if reply and reply.get('result') else []
    labels = [i['label'] for i in items]
    protocol = [i for i in items if i['label'] == 'protocol']
    check('completion: attributes of a flow, with their documentation',
          protocol and protocol[0]['kind'] == 10 and protocol[0]['detail'] == 'text'
          and protocol[0]['textEdit'] == {'range': rng(16, 2, 16, 5), 'newText': 'protocol'}
          and protocol[0]['documentation']['kind'] == 'markdown'
          and protocol[0]['documentation']['value'].startswith('the protocol: `https`')
          and 'tls' in labels and 'data' in labels and 'zone' not in labels and 'stores' not in labels,
          json.dumps(items[:3], indent=1))
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'internet', 0, 2)})
    items = reply['result']['items'] if reply and reply.get('result') else []
    check('completion: the values of an enum attribute',
          [(i['label'], i['kind']) for i in items] == [('internet', 20), ('partner', 20), ('internal', 20)], items)
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'T-01]', 0, 1)})
    labels = [i['label'] for i in (reply['result']['items'] if reply and reply.get('result') else [])]
    check('completion: finding ids in mitigates', labels[:1] == ['T-01'] and 'STRIDE-E-01@shop' in labels
          and 'browser' not in labels, labels[:8])
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'flow shop', 0, 7)})
    labels = [i['label'] for i in (reply['result']['items'] if reply and reply.get('result') else [])]
    check('completion: element ids at a flow end', labels == ['browser', 'shop', 'db'], labels)
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'store db', 0, 2)})
    labels = [i['label'] for i in (reply['result']['items'] if reply and reply.get('result') else [])]
    check('completion: statement keywords at the top level', labels == [
        'model', 'use', 'include', 'asset', 'actor', 'external', 'process', 'store', 'boundary', 'flow', 'threat',
        'mitigation', 'accept'], labels)

    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'Bots flood', 0, 4)})
    check('completion: nothing in a string', reply and reply.get('result') == {'isIncomplete': False, 'items': []}, reply)
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'order"', 0, 2)})
    check('completion: nothing in a label', reply and reply.get('result', {}).get('items') == [], reply)
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'the end: ext', 0, 12)})
    check('completion: nothing in a comment', reply and reply.get('result', {}).get('items') == [], reply)
    reply = s.request('textDocument/completion', {'textDocument': doc, 'position': position(MODEL, 'process and', 0, 4)})
    check('completion: nothing in a """ string', reply and reply.get('result', {}).get('items') == [], reply)

    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': position(MODEL, 'shop "order"')})
    value = reply['result']['contents']['value'] if reply and reply.get('result') else ''
    check('hover: an element: exposure with its reason, findings',
          value.startswith('```text\nshop  process  "Shop"\n')
          and '  exposure:    internet — takes requests from browser (zone internet)\n' in value
          and '    HIGH    STRIDE-E-01@shop' in value and reply['result']['range'] == rng(15, 16, 15, 20), value)
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': position(MODEL, 'shop -> db', 0, 10)})
    value = reply['result']['contents']['value'] if reply and reply.get('result') else ''
    check('hover: a store: its crossings-free flows in',
          value.startswith('```text\ndb  store  "Orders"\n') and '  flows in\n    shop -> db "insert"\n' in value, value)
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': position(MODEL, 'T-01]')})
    value = reply['result']['contents']['value'] if reply and reply.get('result') else ''
    check('hover: a finding: its score arithmetic',
          value.startswith('```text\nT-01: Bots flood the order form\n')
          and '  likelihood = (3+2)/2 = 2.5 → High\n' in value and '  impact = max(1, 2) = 2 → Medium\n' in value
          and '  High × Medium = HIGH\n' in value, value)
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': position(MODEL, 'tls true', 0, 1)})
    value = reply['result']['contents']['value'] if reply and reply.get('result') else ''
    check('hover: an attribute: its documentation', value == (
        '**tls** — encrypted in transit (on a store: its connections use TLS)\n\n*type* bool  \n'
        '*on* store, flow  \n*declared by* language\n'), value)

    reply = s.request('textDocument/definition', {'textDocument': doc, 'position': position(MODEL, 'A-01]', 0, 1)})
    check('definition: an id declared in an included file', reply and reply.get('result') == {
        'uri': shared_uri, 'range': rng(0, 6, 0, 10)}, reply)
    reply = s.request('textDocument/definition', {'textDocument': doc, 'position': position(MODEL, 'on browser', 0, 4)})
    check('definition: an element', reply and reply.get('result') == {'uri': uri, 'range': rng(7, 9, 7, 16)}, reply)
    reply = s.request('textDocument/references', {'textDocument': doc, 'position': position(MODEL, 'shop "Shop"'),
                                                   'context': {'includeDeclaration': True}})
    check('references: declaration and every use', reply and reply.get('result') == [
        {'uri': uri, 'range': rng(9, 8, 9, 12)}, {'uri': uri, 'range': rng(15, 16, 15, 20)},
        {'uri': uri, 'range': rng(21, 5, 21, 9)}, {'uri': uri, 'range': rng(25, 16, 25, 20)}], reply)
    reply = s.request('textDocument/references', {'textDocument': doc, 'position': position(MODEL, 'T-01 "'),
                                                   'context': {'includeDeclaration': False}})
    check('references: a threat named by a mitigation', reply and reply.get('result') == [
        {'uri': uri, 'range': rng(31, 13, 31, 17)}], reply)

    reply = s.request('textDocument/documentSymbol', {'textDocument': doc})
    symbols = reply.get('result') if reply else None
    check('documentSymbol: the statements', symbols is not None and [(x['name'], x['kind']) for x in symbols] == [
        ('model Shop', 2), ('browser', 11), ('shop', 12), ('db', 23), ('browser->shop', 24), ('shop->db', 24),
        ('T-01', 20), ('M-01', 5), ('A-02', 14)] and symbols[2]['range'] == rng(9, 0, 11, 1)
          and symbols[2]['selectionRange'] == rng(9, 8, 9, 12), json.dumps(symbols, indent=1)[:1500])

    reply = s.request('textDocument/formatting', {'textDocument': doc, 'options': {'tabSize': 2, 'insertSpaces': True}})
    expected = subprocess.run([binary, 'fmt', '-'], input=MODEL.encode(), capture_output=True).stdout.decode()
    check('formatting: the text of threat fmt', reply and reply.get('result') == [
        {'range': rng(0, 0, 41, 0), 'newText': expected}] and expected != MODEL, reply)

    with open(os.path.join(folder, 'shared.threat'), 'w') as f:
        f.write(SHARED.replace('high', 'hihg'))
    s.notify('workspace/didChangeWatchedFiles', {'changes': [{'uri': shared_uri, 'type': 2}]})
    published = s.diagnostics()
    diags = [d for d in published['params']['diagnostics'] if d['severity'] < 3] if published else []
    check('an included file changed on disk: its error on the include', diags == [{
        'range': rng(5, 8, 5, 23), 'severity': 1, 'source': 'threat',
        'message': shared_path_note + ":1:35: sensitivity must be low, medium, high or critical\n"
                   "did you mean 'high'?",
        'relatedInformation': [{'location': {'uri': shared_uri, 'range': rng(0, 34, 0, 38)},
                                'message': 'the place in the included file'}]}], json.dumps(diags, indent=1))
    with open(os.path.join(folder, 'shared.threat'), 'w') as f:
        f.write(SHARED)
    s.notify('workspace/didChangeWatchedFiles', {'changes': [{'uri': shared_uri, 'type': 2}]})
    s.diagnostics()

    fixed = MODEL.replace('protcol', 'protocol')
    s.notify('textDocument/didChange', {'textDocument': {'uri': uri, 'version': 2}, 'contentChanges': [{'text': fixed}]})
    quick = s.diagnostics()
    quick_diags = quick['params']['diagnostics'] if quick else None
    check('didChange: diagnostics at once, before the packs', quick and quick['params']['version'] == 2
          and quick_diags == [], quick)
    later = s.diagnostics(timeout=10)
    later_diags = later['params']['diagnostics'] if later else []
    check('didChange: the findings follow when typing pauses', later and later['params']['version'] == 2
          and later_diags and all(d.get('severity') == 3 and d.get('code') for d in later_diags), later)

    s.notify('textDocument/didChange', {'textDocument': {'uri': uri, 'version': 3},
                                        'contentChanges': [{'range': rng(16, 2, 16, 10), 'text': 'protcol'},
                                                           {'range': rng(13, 13, 13, 13), 'text': ' '}]})
    quick = s.diagnostics()
    diags = quick['params']['diagnostics'] if quick else []
    check('didChange: incremental edits, the typo is back at once', [d['range'] for d in diags] == [rng(16, 2, 16, 9)]
          and diags[0].get('data') == {'suggestion': 'protocol'}, diags)
    s.notify('textDocument/didChange', {'textDocument': {'uri': uri, 'version': 4},
                                        'contentChanges': [{'text': MODEL.replace('on browser', 'on browsr')}]})
    quick = s.diagnostics()
    diags = quick['params']['diagnostics'] if quick else []
    check('didChange: an unknown reference, its suggestion', [(d['range'], d['severity'], d.get('data')) for d in diags
                                                               if d['severity'] == 1] == [
        (rng(25, 5, 25, 11), 1, {'suggestion': 'browser'})], diags)
    s.notify('textDocument/didChange', {'textDocument': {'uri': uri, 'version': 5},
                                        'contentChanges': [{'text': MODEL.replace('process shop', 'process browser')}]})
    quick = s.diagnostics()
    diags = quick['params']['diagnostics'] if quick else []
    related = [d.get('relatedInformation') for d in diags if d['severity'] == 1]
    check('didChange: a duplicate id points at the first definition', related[:1] == [[{
        'location': {'uri': uri, 'range': rng(7, 9, 7, 16)}, 'message': 'first defined here'}]], diags)

    burst = b''
    for version in (10, 11, 12):
        body = json.dumps({'jsonrpc': '2.0', 'method': 'textDocument/didChange', 'params': {
            'textDocument': {'uri': uri, 'version': version},
            'contentChanges': [{'text': MODEL.replace('Shop', 'Shop %d' % version)}]}}).encode()
        burst += b'Content-Length: %d\r\n\r\n' % len(body) + body
    s.raw(burst)
    versions = []
    while not versions or versions[-1] < 10:
        published = s.diagnostics()
        versions.append(published['params'].get('version') if published else 99)
    check('a burst of changes: analysed once, the last', versions[-1] == 12, versions)

    reply = s.request('textDocument/rename', {'textDocument': doc, 'position': {'line': 0, 'character': 0}})
    check('an unknown method: MethodNotFound', reply and reply.get('error', {}).get('code') == -32601, reply)
    reply = s.request('textDocument/hover', {'textDocument': {'uri': 'file:///nowhere.threat'},
                                             'position': {'line': 0, 'character': 0}})
    check('a document that is not open: InvalidParams', reply and reply.get('error', {}).get('code') == -32602, reply)
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': 'here'})
    check('a position of the wrong type: null', reply and 'result' in reply and reply['result'] is None, reply)
    reply = s.request('textDocument/completion', [1, 2])
    check('params of the wrong type: InvalidParams', reply and reply.get('error', {}).get('code') == -32602, reply)
    s.raw(b'Content-Length: 8\r\n\r\n{"jsonrp')
    reply = s.response(None)
    check('a body that is not JSON: ParseError, and the server goes on',
          reply and reply.get('error', {}).get('code') == -32700, reply)
    s.raw(b'Content-Type: x\r\n\r\n')
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': position(MODEL, 'tls true')})
    check('a frame without Content-Length is skipped', reply and reply.get('result'), reply)
    s.send([1, 2, 3])
    reply = s.response(None)
    check('a message that is no object: InvalidRequest', reply and reply.get('error', {}).get('code') == -32600, reply)

    s.notify('textDocument/didClose', {'textDocument': doc})
    closed = s.diagnostics()
    while closed and 'version' in closed['params']:  # the analyses still on their way
        closed = s.diagnostics()
    check('didClose: its diagnostics are cleared', closed and closed['params'] == {'uri': uri, 'diagnostics': []},
          closed)
    reply = s.request('shutdown')
    check('shutdown: null', reply and 'result' in reply and reply['result'] is None, reply)
    reply = s.request('textDocument/hover', {'textDocument': doc, 'position': {'line': 0, 'character': 0}})
    check('a request after shutdown: InvalidRequest', reply and reply.get('error', {}).get('code') == -32600, reply)
    s.notify('exit', None)
    code, err = s.finish()
    check('exit after shutdown: status 0', code == 0, err)
    check('standard output holds only messages', s.buffer == b'' and s.proc.stdout.read() == b'', s.buffer)


def hostile(binary, folder):
    s = Server(binary, folder)
    reply = s.request('textDocument/hover', {'textDocument': {'uri': 'file:///a.threat'},
                                             'position': {'line': 0, 'character': 0}})
    check('a request before initialize: ServerNotInitialized', reply and reply.get('error', {}).get('code') == -32002,
          reply)
    s.request('initialize', {'capabilities': {'general': {'positionEncodings': ['utf-8', 'utf-16']}}})
    s.notify('exit', None)
    code, err = s.finish()
    check('exit without shutdown: status 1', code == 1, err)

    s = Server(binary, folder)
    reply = s.request('initialize', {'capabilities': {'general': {'positionEncodings': ['utf-8', 'utf-16']}}})
    check('initialize: utf-8 positions when the client offers them',
          reply and reply['result']['capabilities']['positionEncoding'] == 'utf-8', reply)
    text = 'external é "É" { zone internt }\n'
    s.notify('textDocument/didOpen', {'textDocument': {'uri': 'untitled:Untitled-1', 'version': 1, 'text': text}})
    published = s.diagnostics()
    diags = published['params']['diagnostics'] if published else []
    check('an unsaved document with non-ASCII text: byte positions',
          published and published['params']['uri'] == 'untitled:Untitled-1' and any(
              d['range'] == rng(0, 9, 0, 11) for d in diags), diags)
    s.raw(b'Content-Length: 99999999999\r\n\r\n{}')
    code, err = s.finish()
    check('a huge Content-Length: refused unread, no crash', code == 1 and 'over the limit' in err, err)

    s = Server(binary, folder)
    s.raw(b'Content-Length: x\r\n\r\n' + b'X' * 10000 + b'\r\n' * 3)
    s.raw(b'\x00\xff garbage without a header end')
    code, err = s.finish()
    check('garbage on the input: no crash, status 1', code == 1, err)


def options_and_includes(binary, folder):
    outside = tempfile.mkdtemp()
    try:
        with open(os.path.join(outside, 'outside.threat'), 'w') as f:
            f.write(SHARED)
        text = ('model "M" { date 2026-03-24 }\ninclude "%s/outside.threat"\nstore db "D" { stores [A-01] }\n'
                'external web\nflow web -> db\n' % outside)
        uri = 'file://' + os.path.join(folder, 'includes.threat')
        for args, findings, want in [((), 'none', 'refused'), (('--include-root', outside), 'high', 'read')]:
            s = Server(binary, folder, args)
            s.request('initialize', {'capabilities': {}, 'initializationOptions': {'findings': findings}})
            s.notify('textDocument/didOpen', {'textDocument': {'uri': uri, 'version': 1, 'text': text}})
            published = s.diagnostics()
            diags = published['params']['diagnostics'] if published else []
            errors = [d['message'] for d in diags if d['severity'] == 1]
            if want == 'refused':
                check('an include outside the folders: refused as check refuses it', errors == [
                    'cannot include %s/outside.threat: it is outside the folder of the model and the current '
                    'folder (--include-root DIR allows another)' % outside, "unknown asset 'A-01'"], diags)
                check('findings none: no finding diagnostics', all(d['severity'] != 3 for d in diags), diags)
            else:
                check('--include-root: the include is read', errors == [], diags)
                check('findings high: only HIGH and CRITICAL ones', diags and all(
                    d['message'].split()[0] in ('HIGH', 'CRITICAL') for d in diags if d['severity'] == 3)
                      and any(d['severity'] == 3 for d in diags), diags)
            s.request('shutdown')
            s.notify('exit', None)
            s.finish()
    finally:
        for name in os.listdir(outside):
            os.unlink(os.path.join(outside, name))
        os.rmdir(outside)


def main():
    if len(sys.argv) != 2:
        print('usage: tests/tools/lsp-client.py THREAT_BIN', file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder:
        folder = os.path.realpath(folder)
        session(binary, folder)
        hostile(binary, folder)
        options_and_includes(binary, folder)
    print(f'lsp: {passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


main()
