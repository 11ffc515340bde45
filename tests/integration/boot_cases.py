"""Cases that boot the real ISO (build/faultline.iso) as a person would:
GRUB's menu, one entry per pager policy, chosen with the keyboard."""

import re
from dataclasses import dataclass

from cases import Case, Expect, SendLine, booting, cmdline_is

CTRL_N = '\x0e'  # GRUB menu: next entry (works on a serial terminal, unlike arrow keys)


@dataclass
class SendKeys:
    keys: str

    def describe(self):
        return f'type {self.keys!r}'

    def run(self, con, ctx):
        con.send(self.keys)


def _policy_entry_case(index, policy):
    steps = [Expect(r'faultline \(pager policy lazy\)', 60)]
    if index:
        steps.append(SendKeys(CTRL_N * index))
    steps += [
        SendKeys('\r'),
        booting(),
        cmdline_is('pager.policy=' + policy),
        Expect(r'^pager: serving faults with \d+ MiB of frame memory, policy ' + re.escape(policy), 60),
        Expect(r'faultline\$ ', 60),
        SendLine('poweroff'),
        Expect(r'^init: powering off$', 30),
    ]
    # Case.uses_default_iso: no cmdline and no modules means build/faultline.iso.
    return Case(name=f'grub-entry-{policy.replace("=", "-")}', steps=steps, exit_code=33, forbid=[r'KERNEL PANIC'])


CASES = [_policy_entry_case(i, p) for i, p in enumerate(['lazy', 'eager', 'around=16'])]
