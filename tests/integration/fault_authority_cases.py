"""Issue 12: faults reach the pager only from the kernel.

The fault endpoint cap init installs in each program's TCB carries
Badge::fault_of(pid); programs hold only their request cap (badged with the
pid). Each case boots a hostile program, then a normal one in the same boot
(init.run=HOSTILE,/bin/hello), and checks that the attacker alone got an
error or a kill and that the next program runs normally:

- forge_fault Calls its pager cap with PageFault and Exception messages and
  with the fault replies (Map, MapNew, Kill) and ThreadExit as requests;
  every one must come back as an error, and nothing may be booked (the
  forged page faults in normally; no later program dies with "cannot
  populate").
- misrouted_fault points its own thread's fault endpoint at its request cap
  (it holds its TCB); its fault then arrives without the fault badge, is
  refused, and the pager kills the thread instead of serving it.
- Each attack runs four times (each time followed by hello) between runs
  of /bin/kstats, which prints the kernel's DebugStats line: after two
  warm-up rounds (they fill the pager's page cache and its recycled frames
  with the programs' pages), each round must leave free memory, mapped
  frames, live objects and threads exactly where the one before left them,
  and the threads must be back to where they were before any attack after
  every round.
"""

import re

from cases import Expect, Block, exited, killed, program_case

REFUSED = r'refused \(insufficient rights\)'
FORGERIES = ['PageFault (write, 5 words)', 'PageFault (write, 4 words)', 'PageFault (read)', 'Exception',
             'Map as a request', 'MapNew as a request', 'Kill as a request', 'ThreadExit as a request']
# What the pager would have said had it booked a forged page.
CANNOT_POPULATE = r'cannot populate'
KSTATS = (r'^kstats: frames_free (\d+) frames_mapped (\d+) untyped_free (\d+) objects (\d+) '
          r'threads (\d+)$')
STAT_NAMES = ['frames_free', 'frames_mapped', 'untyped_free', 'objects', 'threads']


def forge_fault_steps():
    steps = [Expect(r'^forge_fault: forging faults for 0x[0-9a-f]+ to the pager$')]
    steps += [Expect('^forge_fault: ' + re.escape(what) + ': ' + REFUSED + '$') for what in FORGERIES]
    steps += [Expect(r'^forge_fault: the page at 0x[0-9a-f]+ faulted in normally after the forgeries$'),
              Expect(r'^forge_fault: every forged message was refused$'),
              exited('forge_fault')]
    return steps


def misrouted_fault_steps():
    return [Expect(r'^misrouted_fault: pointing our faults at the pager request cap, then touching 0x[0-9a-f]+$'),
            Block(killed('misrouted_fault', 'unknown client').pattern,
                  contains=[r'^pager: pid \d+: a fault came through a request cap; killing the thread$'])]


def hello_steps():
    return [Expect(r'^hello: hello from a lazily loaded program$'), exited('hello')]


class StatsRounds:
    """Remembers each kstats line of one boot and compares them."""

    def __init__(self):
        self.rounds = []

    def record(self, m, ctx):
        self.rounds.append([int(g) for g in m.groups()])
        return None

    def threads_back(self, m, ctx):
        self.record(m, ctx)
        first, now = self.rounds[0], self.rounds[-1]
        if now[4] != first[4]:
            return f'{now[4]} threads live after the attacks, {first[4]} before'
        return None

    def unchanged_since_last(self, m, ctx):
        err = self.threads_back(m, ctx)
        if err:
            return err
        before, after = self.rounds[-2], self.rounds[-1]
        changed = [f'{name} {a} -> {b}' for name, a, b in zip(STAT_NAMES, before, after) if a != b]
        if changed:
            return f'round {len(self.rounds) - 1} of the attacks kept kernel resources: ' + ', '.join(changed)
        return None


def _no_leak_case(attack, attack_steps):
    """kstats before the attack, then four rounds of the attack and hello
    with kstats after each. The first two rounds warm up (they fill the
    pager's page cache and its recycled frames with the programs' pages,
    and kstats's own pages are cached after its first run); each later
    round must leave the kernel's accounting exactly where the one before
    left it: an attack that kept anything would show in every round. Threads
    must be back to where they were before any attack after every round."""
    stats = StatsRounds()
    one_round = f'/bin/{attack},/bin/hello,/bin/kstats'
    round_steps = attack_steps() + hello_steps()
    steps = [Expect(KSTATS, check=stats.record)]
    for _ in range(2):
        steps += round_steps + [Expect(KSTATS, check=stats.threads_back)]
    for _ in range(2):
        steps += round_steps + [Expect(KSTATS, check=stats.unchanged_since_last)]
    return program_case(f'hostile-{attack.replace("_", "-")}-no-leak', ','.join(['/bin/kstats'] + [one_round] * 4),
                        steps, forbid=[CANNOT_POPULATE])


CASES = [
    program_case('hostile-forge-fault', '/bin/forge_fault,/bin/hello',
                 forge_fault_steps() + hello_steps(), forbid=[CANNOT_POPULATE]),
    program_case('hostile-misrouted-fault', '/bin/misrouted_fault,/bin/hello',
                 misrouted_fault_steps() + hello_steps(), forbid=[CANNOT_POPULATE]),
    _no_leak_case('forge_fault', forge_fault_steps),
    _no_leak_case('misrouted_fault', misrouted_fault_steps),
]
