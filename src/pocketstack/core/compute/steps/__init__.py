"""The conductor's steps: one plain function per kind of task, ``step(conductor, task, server)``.

The action table (core/compute/action_table.py) names, for each action of the state machine,
the step the conductor runs for it; the conductor (core/compute/conductor.py) keeps only the
plumbing every step shares (recording task items, settling the server, failing, faults).
A step returns True when it finished the task itself, else the conductor finishes it.

- build.py: create and delete.
- power.py: the driver calls that only move the server between states (stop, start, pause,
  ...), reboot, password, rebuild and snapshots.
- moves.py: resize, cold and live migration, evacuation, shelve and unshelve.
"""


class InjectedFault(Exception):
    """A failure the fault injection asked for (core/compute/faults.py): fails the task as a
    driver error would."""
