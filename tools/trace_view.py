#!/usr/bin/python3
"""Turn a pager trace (JSON Lines from COM2) into a picture and a Perfetto trace.

    tools/trace_view.py [--out-dir DIR] TRACE.jsonl

`make run` writes every traced fault hop of the session to build/trace.jsonl
(see docs/tracing.md for the records). This writes, next to the input or in
DIR, with the input's base name:

  NAME.png            faults over time by virtual address: one lane per
                      process, one colour per decision, one marker per access
  NAME.perfetto.json  Chrome trace-event JSON for ui.perfetto.dev: one track
                      per process, one slice per hop (1 ns shown = 1 tsc)

and prints the two paths. A missing, empty or malformed file (a line that is
not a complete record, including a last line cut off because QEMU stopped
while the pager was writing it) is refused: one line on stderr naming the
file and line, exit status 1. Nothing is written then.

Needs matplotlib for the picture: Debian's python3-matplotlib, which serves
Debian's /usr/bin/python3 (hence the first line of this file; a python3
found first on PATH, such as a pyenv one, may not have it). `make
trace-view` installs the package and runs this with /usr/bin/python3. The
input is checked before matplotlib is imported.
"""

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

HOPS = ('kernel->pager', 'pager->fs', 'fs->pager', 'pager->kernel')
ACCESSES = ('read', 'write', 'exec')
HEX_RE = re.compile(r'0x[0-9a-f]+')

# Rows of one lane: faulting pages in address order; a jump of more than
# this many pages between neighbours starts a new band (the gap is cut).
BAND_GAP_PAGES = 16
PAGE = 4096

# Decision categories, in legend order: (label, colour).
DECISIONS = {
    'MAP': ('MAP (page cache hit, zero fill, rights)', '#1f77b4'),
    'MAP new': ('MAP new (fresh zeroed frame)', '#2ca02c'),
    'fs fill': ('MAP after a file-server fill', '#ff7f0e'),
    'KILL': ('KILL', '#d62728'),
    'unanswered': ('no answer in the trace', '#7f7f7f'),
}
ACCESS_MARKERS = {'read': ('o', 'read'), 'write': ('^', 'write'), 'exec': ('s', 'exec')}


class TraceError(Exception):
    """A problem with the input, said in one line."""


@dataclass
class Record:
    line: int
    id: int
    pid: int
    hop: str
    addr: int
    access: str
    ip: int
    tsc: Optional[int]
    t: int
    raw: dict


@dataclass
class Fault:
    id: int
    pid: int
    addr: int
    access: str
    records: List[Record] = field(default_factory=list)

    @property
    def start(self):
        return min(r.t for r in self.records)

    @property
    def decision(self):
        answers = [r for r in self.records if r.hop == 'pager->kernel']
        if not answers:
            return 'unanswered'
        answer = answers[-1].raw
        if answer['decision'] == 'KILL':
            return 'KILL'
        if answer['new']:
            return 'MAP new'
        if any(r.hop == 'fs->pager' for r in self.records):
            return 'fs fill'
        return 'MAP'


# -- reading ------------------------------------------------------------------
def _field(obj, name, kind, where):
    if name not in obj:
        raise TraceError(f'{where}: the record has no "{name}"')
    value = obj[name]
    if kind == 'count':
        if type(value) is not int or value < 0:
            raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not a whole number')
    elif kind == 'count or null':
        if value is not None and (type(value) is not int or value < 0):
            raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not a whole number or null')
    elif kind == 'hex':
        if not isinstance(value, str) or not HEX_RE.fullmatch(value):
            raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not an address "0x..."')
        value = int(value, 16)
    elif kind == 'text':
        if not isinstance(value, str):
            raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not a string')
    elif kind == 'bool':
        if not isinstance(value, bool):
            raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not true or false')
    return value


def _one_of(obj, name, allowed, where):
    value = _field(obj, name, 'text', where)
    if value not in allowed:
        raise TraceError(f'{where}: "{name}" is {json.dumps(value)}, not one of {", ".join(allowed)}')
    return value


def parse_record(text, where):
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise TraceError(f'{where}: not a complete JSON record ({e.msg} at column {e.colno})')
    if not isinstance(obj, dict):
        raise TraceError(f'{where}: not a JSON object')
    hop = _one_of(obj, 'hop', HOPS, where)
    record = Record(line=0, id=_field(obj, 'id', 'count', where), pid=_field(obj, 'pid', 'count', where), hop=hop,
                    addr=_field(obj, 'addr', 'hex', where), access=_one_of(obj, 'access', ACCESSES, where),
                    ip=_field(obj, 'ip', 'hex', where), tsc=_field(obj, 'tsc', 'count or null', where),
                    t=_field(obj, 't', 'count', where), raw=obj)
    if hop == 'pager->fs':
        _one_of(obj, 'decision', ('fill',), where)
        _field(obj, 'file', 'count', where)
        _field(obj, 'page', 'count', where)
    elif hop == 'fs->pager':
        _one_of(obj, 'reply', ('filled',), where)
        _field(obj, 'bytes', 'count', where)
        if record.tsc is None:
            raise TraceError(f'{where}: an fs->pager record without its "tsc"')
    elif hop == 'pager->kernel':
        decision = _one_of(obj, 'decision', ('MAP', 'KILL'), where)
        if decision == 'MAP':
            _field(obj, 'mapped', 'hex', where)
            _field(obj, 'rights', 'text', where)
            _field(obj, 'new', 'bool', where)
        else:
            _field(obj, 'reason', 'text', where)
            _field(obj, 'at', 'hex', where)
        if record.tsc is None:
            raise TraceError(f'{where}: a pager->kernel record without its "tsc"')
    return record


def load(path):
    """The records of `path`, checked; TraceError for anything that is not a whole, valid trace."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise TraceError(f'{path}: no such file (`make run` writes it; was the session run with a second -serial?)')
    except IsADirectoryError:
        raise TraceError(f'{path}: a directory, not a trace file')
    except OSError as e:
        raise TraceError(f'{path}: cannot read: {e.strerror}')
    if not data:
        raise TraceError(f'{path}: empty: no trace records (was `trace on` used during the session?)')
    lines = data.split(b'\n')
    complete = lines[:-1]  # data ends with '\n' exactly when the last element is b''
    if lines[-1]:
        raise TraceError(f'{path}:{len(lines)}: the last line is cut off (no newline at its end; QEMU stopped '
                         f'while the pager was writing it): refusing the file; delete that line to view the rest')
    records = []
    pids = {}
    for number, raw in enumerate(complete, 1):
        where = f'{path}:{number}'
        if not raw.strip():
            raise TraceError(f'{where}: an empty line, not a record')
        try:
            text = raw.decode('ascii')
        except UnicodeDecodeError:
            raise TraceError(f'{where}: not a record: bytes that are not ASCII (garbled output?)')
        record = parse_record(text, where)
        record.line = number
        if pids.setdefault(record.id, (record.pid, number))[0] != record.pid:
            first_pid, first_line = pids[record.id]
            raise TraceError(f'{where}: fault #{record.id} is pid {record.pid} here but pid {first_pid} '
                             f'on line {first_line}')
        records.append(record)
    return records


def faults_of(records):
    faults: Dict[int, Fault] = {}
    for r in records:
        fault = faults.setdefault(r.id, Fault(r.id, r.pid, r.addr, r.access))
        fault.records.append(r)
    return sorted(faults.values(), key=lambda f: (f.start, f.id))


# -- Perfetto -------------------------------------------------------------------
def slice_name(r):
    if r.hop == 'pager->kernel':
        if r.raw['decision'] == 'KILL':
            return 'pager->kernel KILL'
        return 'pager->kernel MAP new' if r.raw['new'] else 'pager->kernel MAP'
    return r.hop


def perfetto_trace(records, source):
    """Chrome trace-event JSON: a process track per pid, an "X" slice per hop.
    Times are tsc since the first record, shown as ns (ts and dur in us = tsc / 1000)."""
    t0 = min(r.t for r in records)
    events = []
    for pid in sorted({r.pid for r in records}):
        events.append({'ph': 'M', 'name': 'process_name', 'pid': pid, 'tid': pid, 'args': {'name': f'pid {pid}'}})
        events.append({'ph': 'M', 'name': 'process_sort_index', 'pid': pid, 'tid': pid, 'args': {'sort_index': pid}})
        events.append({'ph': 'M', 'name': 'thread_name', 'pid': pid, 'tid': pid, 'args': {'name': 'faults'}})
    # Slices of one track must nest: at equal start times the longer one opens first.
    for r in sorted(records, key=lambda r: (r.pid, r.t, -(r.tsc or 0), r.line)):
        args = {k: v for k, v in r.raw.items() if k not in ('pid', 'hop')}
        events.append({'ph': 'X', 'cat': 'fault', 'name': slice_name(r), 'pid': r.pid, 'tid': r.pid,
                       'ts': (r.t - t0) / 1000.0, 'dur': (r.tsc or 0) / 1000.0, 'args': args})
    # No displayTimeUnit: viewers have read it differently over time; ts and
    # dur are plain microseconds, so the Perfetto UI shows 1 tsc as 1 ns
    # (it rounds ts * 1000 to whole ns, exactly t - t0 and tsc).
    return {'otherData': {'source': source, 'time unit': '1 ns shown = 1 tsc', 'tsc at 0': t0},
            'traceEvents': events}


# -- the picture ----------------------------------------------------------------
def bands(pages):
    """Sorted distinct pages -> groups of nearby pages (a jump of more than
    BAND_GAP_PAGES pages starts a new group: text, data, heap, stack...)."""
    groups = []
    for page in pages:
        if groups and page - groups[-1][-1] <= BAND_GAP_PAGES * PAGE:
            groups[-1].append(page)
        else:
            groups.append([page])
    return groups


def band_rows(groups):
    """{page: y}: band i spans y in [i, i + 1), its pages spread linearly in address inside it."""
    rows = {}
    for i, group in enumerate(groups):
        low, high = group[0], group[-1]
        for page in group:
            rows[page] = i + (0.5 if low == high else 0.15 + 0.7 * (page - low) / (high - low))
    return rows


def draw(faults, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import EngFormatter

    pids = sorted({f.pid for f in faults})
    t0 = min(f.start for f in faults)
    lanes = {pid: bands(sorted({f.addr // PAGE * PAGE for f in faults if f.pid == pid})) for pid in pids}
    heights = [len(lanes[pid]) for pid in pids]
    fig_height = min(2.2 + 0.6 * sum(heights) + 0.2 * len(pids), 30)
    fig, axes = plt.subplots(len(pids), 1, sharex=True, squeeze=False, figsize=(11, fig_height),
                             gridspec_kw={'height_ratios': heights})
    for ax, pid in zip(axes[:, 0], pids):
        groups = lanes[pid]
        rows = band_rows(groups)
        mine = [f for f in faults if f.pid == pid]
        # Thousands of faults in a lane would merge into their black edges.
        size, edge = (34, 0.4) if len(mine) <= 300 else (14, 0.0)
        for layer, decision in enumerate(DECISIONS):
            for access, (marker, _) in ACCESS_MARKERS.items():
                chosen = [f for f in mine if f.decision == decision and f.access == access]
                if chosen:
                    ax.scatter([f.start - t0 for f in chosen], [rows[f.addr // PAGE * PAGE] for f in chosen],
                               c=DECISIONS[decision][1], marker=marker, s=size, edgecolors='black', linewidths=edge,
                               zorder=3 + layer)
        ticks, labels = [], []
        for i, group in enumerate(groups):
            ax.axhspan(i + 0.04, i + 0.96, color='#f0f0f0' if i % 2 == 0 else '#e4e4e4', zorder=0)
            ticks.append(rows[group[0]])
            labels.append(f'{group[0]:#x}')
            if len(group) > 1:
                ticks.append(rows[group[-1]])
                labels.append(f'{group[-1]:#x}' + (f' ({len(group)} pages)' if len(group) > 2 else ''))
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=7, family='monospace')
        ax.set_ylim(len(groups), 0)  # low addresses on top, as in a memory map
        ax.set_ylabel(f'pid {pid}', rotation=0, ha='right', va='center', fontsize=10, labelpad=8)
        ax.grid(axis='x', color='#d0d0d0', linewidth=0.6, zorder=1)
        ax.text(1.005, 0.5, f'{len(mine)} fault' + ('s' if len(mine) != 1 else ''), transform=ax.transAxes,
                fontsize=8, va='center')
    last = axes[-1, 0]
    last.set_xlabel('time: tsc since the first traced fault (guest instructions under -icount shift=0)')
    last.xaxis.set_major_formatter(EngFormatter(sep=''))
    fig.supylabel('faulting page by virtual address (one band per group of nearby pages; gaps between bands cut)',
                  fontsize=8)
    used_decisions = [d for d in DECISIONS if any(f.decision == d for f in faults)]
    used_accesses = [a for a in ACCESS_MARKERS if any(f.access == a for f in faults)]
    handles = [Line2D([], [], linestyle='', marker='o', markersize=7, markerfacecolor=DECISIONS[d][1],
                      markeredgecolor='black', label=DECISIONS[d][0]) for d in used_decisions]
    handles += [Line2D([], [], linestyle='', marker=ACCESS_MARKERS[a][0], markersize=7, markerfacecolor='white',
                       markeredgecolor='black', label=f'{ACCESS_MARKERS[a][1]} fault') for a in used_accesses]
    fig.suptitle(title, fontsize=11)
    top_inches = 0.3 + 0.2 * ((len(handles) + 3) // 4)
    fig.legend(handles=handles, loc='upper center', bbox_to_anchor=(0.5, 1 - 0.4 / fig_height), ncol=4, fontsize=8,
               frameon=False)
    fig.tight_layout(rect=(0.015, 0, 0.97, 1 - top_inches / fig_height))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description='Picture and Perfetto trace of a pager trace (JSON Lines).')
    ap.add_argument('trace', help='the JSON Lines file (make run: build/trace.jsonl)')
    ap.add_argument('--out-dir', help='where to write (default: next to the trace)')
    args = ap.parse_args(argv)
    try:
        records = load(args.trace)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise TraceError(f'matplotlib is not installed for {sys.executable} (Debian\'s python3-matplotlib '
                             'serves /usr/bin/python3; `make trace-view` installs it and runs that)')
        out_dir = args.out_dir or os.path.dirname(os.path.abspath(args.trace))
        base = os.path.basename(args.trace)
        base = base[:-len('.jsonl')] if base.endswith('.jsonl') else base
        os.makedirs(out_dir, exist_ok=True)
        png = os.path.join(out_dir, base + '.png')
        perfetto = os.path.join(out_dir, base + '.perfetto.json')
        faults = faults_of(records)
        processes = len({f.pid for f in faults})
        title = (f'Faults over time by virtual address: {os.path.basename(args.trace)} ({len(faults)} faults, '
                 f'{len(records)} hops, {processes} process{"es" if processes != 1 else ""})')
        draw(faults, png, title)
        with open(perfetto, 'w') as f:
            json.dump(perfetto_trace(records, os.path.basename(args.trace)), f)
            f.write('\n')
    except TraceError as e:
        print(f'trace_view: {e}', file=sys.stderr)
        return 1
    except OSError as e:
        print(f'trace_view: {e.filename}: {e.strerror}', file=sys.stderr)
        return 1
    print(png)
    print(perfetto)
    return 0


if __name__ == '__main__':
    sys.exit(main())
