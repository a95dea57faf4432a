"""The sandbox's process cap where no pids cgroup can be made: RLIMIT_NPROC over the user's own
count (root's sandboxes get a cgroup instead, which tests/test_class_grading.py's fork bomb meets)."""

import os
import resource

from instructor import sandbox


def test_without_a_cgroup_the_cap_is_rlimit_nproc_over_the_users_own_processes(monkeypatch):
    monkeypatch.setattr(sandbox, "CGROUPS", ("/nonexistent/cgroup",))
    mine = sandbox._tasks_of(os.getuid())
    assert mine > 0
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the preexec_fn's process: apply the limits, report the cap
        try:
            sandbox.limits()
            os.write(write, str(resource.getrlimit(resource.RLIMIT_NPROC)[0]).encode())
        finally:
            os._exit(0)
    os.close(write)
    cap = int(os.read(read, 100))
    os.waitpid(child, 0)
    # The user's count moves while other tests start processes: close, not equal.
    assert abs(cap - sandbox.PROCESSES - mine) <= max(50, mine // 4), (cap, mine)
