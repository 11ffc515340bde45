"""Cases for `make run` as a person uses it (issue 11): the image it boots,
kernel options given with CMDLINE=, the quit hint, and `reboot`.

The CMDLINE cases boot the very image `make run CMDLINE=...` boots:
boot/run_image.py's image_for(), which the Makefile calls too.
"""

import os
import re
import subprocess
import sys

from cases import Case, CaseFailure, Expect, Once, SendLine, booting, cmdline_is, PANIC_ANY, BANNER
from shell_cases import PROMPT, SHELL_TIMEOUT, command, powered_off, prompt

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RUN_IMAGE = os.path.join(REPO, 'boot', 'run_image.py')
sys.path.insert(0, os.path.dirname(RUN_IMAGE))
import run_image  # noqa: E402

GRUB_TIMEOUT = 60.0
QUIT_HINT = r'^  `poweroff` turns the machine off, `reboot` restarts it; in QEMU, Ctrl-A then X quits$'
SHELL_GREETING = r'^faultline shell: `help` lists the commands$'
# What GRUB sends to clear a serial terminal (cursor home, erase below), or
# any other erase-display or reset sequence.
CLEAR_SCREEN = re.compile(rb'\x1b\[[0-2]?J|\x1bc')
GRUB_BOOTING = b'Booting `'


def make_run_image(name, options):
    """ctx -> the ISO `make run CMDLINE='options'` boots, made as the case's own file."""
    def make(ctx):
        try:
            return run_image.image_for(ctx.build_dir, options, os.path.join(ctx.iso_dir, f'{name}.iso'))[0]
        except run_image.RunImageError as e:
            raise CaseFailure(f'boot/run_image.py refused {options!r}: {e}')
    return make


class RunImageRefuses:
    """`boot/run_image.py --cmdline BAD` (what `make run CMDLINE=BAD` runs)
    fails with exit status 2 and one line naming the bad character."""

    def __init__(self, options, named):
        self.options = options
        self.named = named

    def describe(self):
        return f'run_image.py refuses {self.options!r}'

    def run(self, con, ctx):
        proc = subprocess.run([sys.executable, RUN_IMAGE, '--build-dir', ctx.build_dir, '--cmdline', self.options],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = proc.stderr.strip().split('\n')
        if proc.returncode != 2 or proc.stdout or len(lines) != 1 or self.named not in lines[0]:
            raise CaseFailure(f'run_image.py --cmdline {self.options!r}: exit {proc.returncode}, '
                              f'stdout {proc.stdout!r}, stderr {proc.stderr!r}; expected exit 2, no ISO path '
                              f'and one line naming {self.named!r}')


class HintAfterLastClear:
    """The quit hint is on screen: it comes after the last clear-screen
    sequence and after GRUB's last line, in the raw console bytes."""

    def describe(self):
        return 'quit hint after the last screen clear'

    def run(self, con, ctx):
        raw = bytes(con.raw)
        clears = [m.end() for m in CLEAR_SCREEN.finditer(raw)]
        if not clears:
            raise CaseFailure('no clear-screen sequence from GRUB at all: is the menu still shown?')
        last_clear = clears[-1]
        last_grub = raw.rfind(GRUB_BOOTING)
        hint = raw.rfind(b'Ctrl-A then X quits')
        if hint < 0:
            raise CaseFailure('no quit hint on the console')
        if hint < last_clear or hint < last_grub:
            raise CaseFailure(f'the quit hint (byte {hint}) comes before the last screen clear (byte {last_clear}) '
                              f'or GRUB\'s "Booting" line (byte {last_grub}): it is wiped off the screen')


def grub_menu(title):
    return Expect(re.escape(title), GRUB_TIMEOUT)


def shell_up(banner=True):
    return ([Expect(BANNER)] if banner else []) + [Expect(SHELL_GREETING, SHELL_TIMEOUT),
                                                    Expect(QUIT_HINT, SHELL_TIMEOUT), prompt()]


KERNEL_UNKNOWN = r'^\[warn\] boot: unknown option "colour=blue" ignored$'
KERNEL_BAD_VALUE = r'^\[warn\] boot: "fastpath=maybe": fastpath takes on or off; using on$'
INIT_UNKNOWN = r'^init: unknown option "pager\.colour=blue" ignored$'
INIT_BAD_VALUE = (r'^init: "pager\.policy=sloppy": pager\.policy takes lazy, eager or around=N '
                  r'\(N from 1 to 512\); using lazy$')
INIT_BAD_POOL = r'^init: "pager\.pool=lots": pager\.pool takes a whole number from 0 to 65535; using 0$'
KERNEL_BAD_FAULT = (r'^\[warn\] boot: "test\.fault=zz": test\.fault takes pf, gp, ud, de, df, wtext, xdata '
                    r'or irq; ignored$')
KERNEL_BAD_ROOT = r'^\[warn\] boot: "init=nothere": no boot module has that name; using init$'
HOSTILE = ('colour=blue fastpath=maybe test.fault=zz init=nothere pager.colour=blue pager.policy=sloppy '
           'pager.pool=lots')

CASES = [
    # make run CMDLINE='pager.policy=eager': the option reaches the kernel,
    # init and the pager; the entries' own pager.policy= is replaced, so
    # the menu has the one entry.
    Case('run-cmdline-policy',
         iso=make_run_image('run-cmdline-policy', 'pager.policy=eager'),
         steps=[
             RunImageRefuses("pager.policy='eager'", "'"),
             RunImageRefuses('loglevel=debug\\', '\\'),
             grub_menu('faultline: pager.policy=eager'),
             booting(),
             cmdline_is('pager.policy=eager'),
             Expect(BANNER),
             Expect(r'^pager: serving faults with \d+ MiB of frame memory, policy eager$', SHELL_TIMEOUT),
             *shell_up(banner=False),
             *command('pager policy', r'^current: +eager$'),
             *powered_off(),
         ],
         forbid=[PANIC_ANY, r'^\[warn\] boot:', r'^init: .*(ignored|using)', r'policy lazy']),

    # The hint to quit QEMU is what the screen shows last before the prompt,
    # after GRUB has cleared it.
    Case('run-quit-hint',
         steps=[
             booting(),
             *shell_up(),
             HintAfterLastClear(),
             *powered_off(),
         ],
         forbid=[PANIC_ANY]),

    # `reboot` under make run (no -no-reboot) restarts the machine: GRUB's
    # menu, the kernel and the shell come back.
    Case('run-reboot',
         reboots=True,
         steps=[
             grub_menu('faultline (pager policy lazy)'),
             booting(),
             *shell_up(),
             SendLine('reboot'),
             Expect(r'^init: rebooting$', SHELL_TIMEOUT),
             grub_menu('faultline (pager policy lazy)'),
             booting(),
             *shell_up(),
             HintAfterLastClear(),
             *command('echo back again', r'^back again$'),
             *powered_off(),
         ],
         forbid=[PANIC_ANY]),

    # Unknown options and bad values, for the kernel and for init/pager:
    # one line each, then the defaults, and the shell works.
    Case('run-cmdline-bad-options',
         iso=make_run_image('run-cmdline-bad-options', HOSTILE),
         steps=[
             booting(),
             cmdline_is('colour=blue'),
             Expect(KERNEL_UNKNOWN),
             Expect(KERNEL_BAD_VALUE),
             Expect(KERNEL_BAD_FAULT),
             Expect(r'^\[info\] timer: PIT at 100 Hz, ticking$'),
             Expect(KERNEL_BAD_ROOT),
             Expect(BANNER),
             Expect(INIT_UNKNOWN),
             Expect(INIT_BAD_VALUE),
             Expect(INIT_BAD_POOL),
             Expect(r'^pager: serving faults with \d+ MiB of frame memory, policy lazy$', SHELL_TIMEOUT),
             *shell_up(banner=False),
             *command('pager policy', r'^current: +lazy$'),
             *command('echo still here', r'^still here$'),
             Once(KERNEL_UNKNOWN), Once(KERNEL_BAD_VALUE), Once(KERNEL_BAD_FAULT), Once(KERNEL_BAD_ROOT),
             Once(INIT_UNKNOWN), Once(INIT_BAD_VALUE), Once(INIT_BAD_POOL),
             *powered_off(),
         ],
         forbid=[PANIC_ANY, r'^\[info\] kernel: IPC fast path off', r'pre-zeroed pool']),
]
