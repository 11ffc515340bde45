"""Drive QEMU's serial console the way a person at a terminal would.

A Console starts QEMU with COM1 on a pair of pipes (`-serial stdio`, stdin
a pipe) and offers expect(regex, timeout) / send_line(text). Everything the
guest prints is accumulated; matching is done on a cleaned copy (ANSI escape
sequences and carriage returns removed, which is also what is written to the
log), and each expect() searches only the text after the previous match, so
a list of expects checks order as well as presence.

No third-party modules: subprocess + select.
"""

import os
import re
import select
import subprocess
import time

ANSI_RE = re.compile(r'\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78cDEHM])')


def clean(raw):
    text = raw.decode('utf-8', 'replace')
    text = ANSI_RE.sub('', text)
    return text.replace('\r\n', '\n').replace('\r', '\n') if '\r' in text else text


def whole_lines(pattern):
    """A pattern ending in `$` would also match a line still being printed
    (`$` matches at the end of the text so far: `status 1` of `status 12`,
    half an address), so it waits for the newline instead."""
    if pattern.endswith('$') and not pattern.endswith('\\$'):
        return pattern[:-1] + r'(?=\n)'
    return pattern


class ExpectError(Exception):
    """An expectation was not met; `reason` says why in one phrase."""

    def __init__(self, pattern, timeout, reason):
        self.pattern = pattern
        self.timeout = timeout
        self.reason = reason
        super().__init__(f'expected /{pattern}/ within {timeout:g}s: {reason}')


class Console:
    def __init__(self, argv, log_path=None, forbid=(), stdin_newline='\r'):
        """Start `argv` (a QEMU command line with -serial stdio).

        forbid: regexes that must never appear on the console; if one does,
        the pending expect() fails at once instead of waiting for its timeout.
        stdin_newline: what send_line() sends for Enter ('\\r', like a terminal).
        """
        self.argv = list(argv)
        self.log_path = log_path
        self.forbid = [re.compile(p, re.M) for p in forbid]
        self.newline = stdin_newline
        self.raw = bytearray()
        self.stderr = bytearray()
        self._text = ''
        self._text_len = -1
        self.pos = 0            # expect() searches self.text[self.pos:]
        self.returncode = None
        self.killed = False     # True if kill() had to stop a running QEMU
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._open = {self.proc.stdout.fileno(): self.raw,
                      self.proc.stderr.fileno(): self.stderr}

    # -- output -------------------------------------------------------------
    @property
    def text(self):
        """Everything printed so far, cleaned."""
        if self._text_len != len(self.raw):
            self._text = clean(bytes(self.raw))
            self._text_len = len(self.raw)
        return self._text

    def _pump(self, timeout):
        """Read whatever arrives within `timeout` seconds. False at EOF."""
        if not self._open:
            return False
        ready, _, _ = select.select(list(self._open), [], [], max(timeout, 0))
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b''
            if data:
                self._open[fd].extend(data)
            else:
                del self._open[fd]
        return bool(self._open)

    def _check_forbidden(self, pattern, timeout):
        for f in self.forbid:
            m = f.search(self.text)
            if m:
                line = self.text[m.start():].split('\n', 1)[0]
                raise ExpectError(pattern, timeout,
                                  f'forbidden output /{f.pattern}/ appeared: {line!r}')

    def expect(self, pattern, timeout=30.0):
        """Wait for `pattern` (a regex, re.MULTILINE) after the last match.

        Returns the re.Match (positions index self.text); raises ExpectError
        on timeout, on QEMU exiting first, or on forbidden output.
        """
        rx = re.compile(whole_lines(pattern), re.M)
        deadline = time.monotonic() + timeout
        while True:
            self._check_forbidden(pattern, timeout)
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise ExpectError(pattern, timeout, 'timed out')
            if not self._pump(min(left, 0.5)):
                # EOF on QEMU's output: it has exited (or is about to).
                rc = self.wait_exit(5)
                self._check_forbidden(pattern, timeout)
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise ExpectError(pattern, timeout, f'QEMU exited first (exit code {rc})')

    # -- input --------------------------------------------------------------
    def send(self, text, char_delay=0.0):
        """Type `text` on the serial console (optionally one key at a time)."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        if char_delay <= 0:
            self._write(data)
            return
        for i in range(len(data)):
            self._write(data[i:i + 1])
            self._pump(char_delay)

    def send_line(self, text, char_delay=0.0):
        """Type `text` and press Enter."""
        self.send(text + self.newline, char_delay)

    def _write(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    # -- lifetime -----------------------------------------------------------
    def wait_exit(self, timeout=30.0):
        """Keep reading until QEMU exits; return its exit code or None on timeout."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not self._pump(min(left, 0.2)):
                try:
                    self.proc.wait(timeout=max(deadline - time.monotonic(), 0))
                except subprocess.TimeoutExpired:
                    return None
        while self._pump(0):    # drain what is still buffered in the pipes
            pass
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.killed = True
            self.proc.kill()
            self.proc.wait()
        self.returncode = self.proc.returncode
        while self._pump(0):
            pass

    def close(self):
        """Kill QEMU if still running, then write the log."""
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except (OSError, BrokenPipeError):
                pass
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            with open(self.log_path, 'w') as f:
                f.write(self.text)
                if self.stderr:
                    f.write('\n--- QEMU stderr ---\n')
                    f.write(self.stderr.decode('utf-8', 'replace'))

    def tail(self, n=40):
        lines = self.text.rstrip('\n').split('\n')
        return lines[-n:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
