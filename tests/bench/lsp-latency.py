#!/usr/bin/env python3
"""The latency of `threat lsp` on one model: the time from sending a
didChange (the whole text, an edited comment) to receiving the
publishDiagnostics of that version, which holds the syntax, reference and
vocabulary diagnostics; and the time until the rule packs' findings follow
(they run TM_LSP_RULES_DELAY_MS after the last edit). Prints one line for
each, best and median of RUNS edits, beside the target. `make bench`
(tests/bench/run.sh) calls it on the 1,000-element model.

    tests/bench/lsp-latency.py THREAT_BIN MODEL [RUNS]
"""
import json
import os
import select
import statistics
import subprocess
import sys
import time

TARGET_MS = 100


def main():
    if len(sys.argv) not in (3, 4):
        print('usage: tests/bench/lsp-latency.py THREAT_BIN MODEL [RUNS]', file=sys.stderr)
        sys.exit(2)
    binary, model = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) == 4 else 10
    text = open(model, encoding='utf-8').read()
    proc = subprocess.Popen([binary, 'lsp', '--today', '2026-06-01'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    buffer = b''

    def send(message):
        body = json.dumps(message).encode()
        proc.stdin.write(b'Content-Length: %d\r\n\r\n' % len(body) + body)
        proc.stdin.flush()

    def receive(timeout=60):
        nonlocal buffer
        deadline = time.time() + timeout
        while True:
            if b'\r\n\r\n' in buffer:
                head, rest = buffer.split(b'\r\n\r\n', 1)
                length = int(head.split(b':')[1])
                if len(rest) >= length:
                    buffer = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.time()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                raise SystemExit('lsp-latency: no answer from threat lsp')
            chunk = os.read(proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise SystemExit('lsp-latency: threat lsp ended')
            buffer += chunk

    def diagnostics_of(version):
        while True:
            message = receive()
            params = message.get('params') or {}
            if message.get('method') == 'textDocument/publishDiagnostics' and params.get('version') == version:
                return params['diagnostics']

    uri = 'file://' + model
    send({'jsonrpc': '2.0', 'id': 1, 'method': 'initialize', 'params': {'capabilities': {}}})
    receive()
    send({'jsonrpc': '2.0', 'method': 'textDocument/didOpen',
          'params': {'textDocument': {'uri': uri, 'languageId': 'threat', 'version': 1, 'text': text}}})
    diagnostics_of(1)
    quick, full = [], []
    for run in range(runs):
        version = run + 2
        edited = text + f'# edit {run}\n'
        start = time.perf_counter()
        send({'jsonrpc': '2.0', 'method': 'textDocument/didChange',
              'params': {'textDocument': {'uri': uri, 'version': version}, 'contentChanges': [{'text': edited}]}})
        diagnostics_of(version)
        quick.append((time.perf_counter() - start) * 1000)
        diagnostics_of(version)
        full.append((time.perf_counter() - start) * 1000)
    send({'jsonrpc': '2.0', 'id': 2, 'method': 'shutdown'})
    receive()
    send({'jsonrpc': '2.0', 'method': 'exit'})
    proc.stdin.close()
    status = proc.wait(30)
    elements = sum(1 for line in text.splitlines() if line.lstrip().startswith(('external ', 'process ', 'store ')))
    best, median = min(quick), statistics.median(quick)
    print(f'lsp: didChange -> diagnostics, {elements} elements: best {best:.1f} ms, median {median:.1f} ms '
          f'(< {TARGET_MS} ms: {"ok" if median < TARGET_MS else "MISSED"})')
    print(f'lsp: didChange -> findings (the packs run 300 ms after the last edit): best {min(full):.1f} ms, '
          f'median {statistics.median(full):.1f} ms')
    sys.exit(0 if status == 0 else 1)


main()
