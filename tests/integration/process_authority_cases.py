"""Hostile programs against the process manager (issue 12).

Each case boots `init.run=/bin/proc_X,/bin/hello` (the attack, then a normal
program in the same boot) with the full module set and checks that the
attacker alone got a clear error and that hello still runs. The programs are
user/programs/proc_*.cpp; every refusal they see is printed as
`proc_X: WHAT: refused: ERROR`, and anything else as `proc_X: FAIL: ...`
(forbidden in every case). The shell case runs attacks from the shell,
against the shell's own job.
"""

import re

from cases import Block, CaseFailure, Expect, SendLine, program_case, exited, running, PROGRAM_TIMEOUT
from shell_cases import Type, command, powered_off, prompt, remember, shell_case


class Times:
    """`pattern` has appeared exactly `count` times in everything printed so far."""

    def __init__(self, pattern, count):
        self.pattern = pattern
        self.count = count

    def describe(self):
        return f'/{self.pattern}/ exactly {self.count} times'

    def run(self, con, ctx):
        n = len(re.findall(self.pattern, con.text, re.M))
        if n != self.count:
            raise CaseFailure(f'/{self.pattern}/ appeared {n} times, expected {self.count}')


def refused(program, what, error):
    return Expect(rf'^{program}: {re.escape(what)}: refused: {re.escape(error)}$', PROGRAM_TIMEOUT)


def line(program, text):
    return Expect(rf'^{program}: {text}$', PROGRAM_TIMEOUT)


def then_hello(attacker):
    """The attacker ends normally, and the next program of the run list runs."""
    return [exited(attacker), running('/bin/hello'), Expect(r'^hello: hello from a lazily loaded program$'),
            exited('hello')]


def hostile_case(name, program, steps, run=None, forbid=()):
    return program_case(name, run or f'/bin/{program},/bin/hello', steps,
                        forbid=[r'^init: cannot run'] + list(forbid))


RAN = r'/bin/[a-z_]+ \(pid \d+\) ran and exited with status 0'
MAX_CHILDREN = 20  # ipc::proto::process::max_children

CASES = [
    # A spawned program kills and waits for its sibling (another program's
    # child): refused; words that alias the pid in their low 32 bits name no
    # process. The real parent then kills and waits for it.
    hostile_case('proc-steal', 'proc_steal', [
        refused('proc_steal', "thief: kill another program's child", 'not permitted'),
        refused('proc_steal', "thief: wait for another program's child", 'not permitted'),
        refused('proc_steal', 'thief: kill the pid plus 2^32', 'not found'),
        refused('proc_steal', 'thief: wait for pid 0', 'not found'),
        line('proc_steal', RAN),
        line('proc_steal', r'owner: killed and waited for its own child \(pid \d+\)'),
        line('proc_steal', RAN),
        line('proc_steal', 'done'),
    ] + then_hello('proc_steal')),

    # PowerOff and Reboot from a spawned program: refused, the machine stays up.
    hostile_case('proc-power', 'proc_power', [
        refused('proc_power', 'child: poweroff', 'not permitted'),
        refused('proc_power', 'child: reboot', 'not permitted'),
        refused('proc_power', 'child: poweroff with a stray word', 'not permitted'),
        line('proc_power', 'child: the machine is still up'),
        line('proc_power', RAN),
        line('proc_power', 'done'),
    ] + then_hello('proc_power'), forbid=[r'^init: powering off', r'^init: rebooting']),

    # A zombie maker reaches its limit with children it never waits for and
    # exits; run again, it gets the same limit (its zombies were freed, the
    # table is not full), and hello runs.
    hostile_case('proc-zombies', 'proc_zombies', [
        line('proc_zombies', f'{MAX_CHILDREN} children ended, none waited for'),
        refused('proc_zombies', 'one more child', 'too many children'),
        line('proc_zombies', 'exiting with its zombies'),
        exited('proc_zombies'),
        line('proc_zombies', f'{MAX_CHILDREN} children ended, none waited for'),
        refused('proc_zombies', 'one more child', 'too many children'),
        line('proc_zombies', 'exiting with its zombies'),
    ] + then_hello('proc_zombies'), run='/bin/proc_zombies,/bin/proc_zombies,/bin/hello'),

    # Children left running by a parent that exits go to init, which says how
    # each ends; the check run sees them gone and spawns again.
    hostile_case('proc-orphans', 'proc_orphans', [
        line('proc_orphans', r'started child pid \d+'),
        line('proc_orphans', r'started child pid \d+'),
        line('proc_orphans', r'started child pid \d+'),
        line('proc_orphans', 'exiting without waiting'),
        exited('proc_orphans'),
        line('proc_orphans', 'check: the orphans are gone'),
        Times(r'^init: orphan proc_orphans \(pid \d+\) exited with status 0$', 3),
        Expect(r'^hello: argv\[1\] = after-orphans$', PROGRAM_TIMEOUT),
        line('proc_orphans', RAN),
    ] + then_hello('proc_orphans'), run='/bin/proc_orphans,/bin/proc_orphans:check,/bin/hello'),

    # A child flood: refused with "too many children" after exactly the
    # limit, while another parent still spawns and runs hello.
    hostile_case('proc-flood', 'proc_flood', [
        Block(r'^proc_flood: done$', contains=[
            rf'^proc_flood: flood: {MAX_CHILDREN} children, then: too many children$',
            r'^proc_flood: flood: again: refused: too many children$',
            r'^hello: argv\[1\] = while-flooded$',
            rf'^proc_flood: {RAN}$',
            rf'^proc_flood: killed {MAX_CHILDREN} spins$',
            rf'^proc_flood: flood: all {MAX_CHILDREN} children ended and were waited for$',
        ], timeout=3 * PROGRAM_TIMEOUT),
    ] + then_hello('proc_flood')),

    # argv that does not fit: refused, never cut; at the limits it arrives whole.
    hostile_case('proc-argv', 'proc_argv', [
        refused('proc_argv', '65 strings', 'argument list too long'),
        refused('proc_argv', '192 strings', 'argument list too long'),
        refused('proc_argv', 'a 1000-byte argument', 'argument list too long'),
        refused('proc_argv', 'one byte past the limit', 'argument list too long'),
        refused('proc_argv', 'by hand: a length word of 1000', 'argument list too long'),
        refused('proc_argv', 'by hand: 65 strings', 'argument list too long'),
        refused('proc_argv', 'by hand: no NUL at the end', 'malformed'),
        line('proc_argv', '479 bytes:'),
        line('proc_argv', 'echo: argc 3, longest argument 458 bytes, last argument "\\(long\\)"'),
        line('proc_argv', RAN),
        line('proc_argv', '64 strings:'),
        line('proc_argv', 'echo: argc 64, longest argument 14 bytes, last argument "b"'),
        line('proc_argv', RAN),
        line('proc_argv', 'an empty last argument:'),
        line('proc_argv', 'echo: argc 4, longest argument 14 bytes, last argument ""'),
        line('proc_argv', RAN),
        line('proc_argv', 'done'),
    ] + then_hello('proc_argv')),

    # Waiting for oneself is an error at once, not a hang.
    hostile_case('proc-wait-self', 'proc_wait_self', [
        line('proc_wait_self', r'my pid is \d+'),
        refused('proc_wait_self', 'wait for itself', 'invalid argument'),
        refused('proc_wait_self', 'wait for its pid plus 2^32', 'not found'),
        line('proc_wait_self', 'still running'),
    ] + then_hello('proc_wait_self')),

    # Requests of the wrong shape: each refused with its error; a malformed
    # Exit does not end the program; init keeps serving.
    hostile_case('proc-garbage', 'proc_garbage', [
        refused('proc_garbage', 'Spawn without words', 'truncated'),
        refused('proc_garbage', 'Spawn whose words outrun its length', 'malformed'),
        refused('proc_garbage', 'Wait without words', 'truncated'),
        refused('proc_garbage', 'Wait with two words', 'malformed'),
        refused('proc_garbage', 'Kill without words', 'truncated'),
        refused('proc_garbage', 'List without words', 'truncated'),
        refused('proc_garbage', 'List past the end', 'not found'),
        refused('proc_garbage', 'Exit with two words', 'malformed'),
        refused('proc_garbage', 'Reboot with three words', 'malformed'),
        refused('proc_garbage', "the kernel's ThreadExit label", 'invalid argument'),
        refused('proc_garbage', 'an unknown label', 'invalid argument'),
        refused('proc_garbage', 'label 0', 'invalid argument'),
        line('proc_garbage', 'every malformed request refused; still running'),
    ] + then_hello('proc_garbage')),
]


def _case_shell():
    """From the shell: a program the shell runs attacks the shell's own
    background job, and tries to power off; both refused. The shell (init's
    own program, with the operator right) then kills its job and powers off."""
    v = {}
    return shell_case('proc-shell-job',
        [SendLine('spin &'), Expect(r'^\[pid (\d+)\] started$', check=remember(v, pid=1)), prompt()]
        + [Type('proc_steal thief {pid}', v),
           refused('proc_steal', "thief: kill another program's child", 'not permitted'),
           refused('proc_steal', "thief: wait for another program's child", 'not permitted'),
           prompt()]
        + [Type('jobs', v), Expect(r'^\[pid \d+\] running  spin$'), prompt()]
        + command('proc_power child', r'^proc_power: child: poweroff: refused: not permitted$',
                  r'^proc_power: child: reboot: refused: not permitted$',
                  r'^proc_power: child: the machine is still up$')
        + [Type('kill {pid}', v), Expect(r'^\[pid \d+\] spin: killed on request$'), prompt()]
        + command('hello', r'^hello: argc = 1$')
        + powered_off(),
        forbid=[r'^init: rebooting'])


CASES.append(_case_shell())
