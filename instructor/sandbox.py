"""The sandbox student code runs in when a class is graded: bubblewrap (`bwrap`), unprivileged.

`command(argv)` wraps a command so that it runs as `nobody` in its own user, mount, PID, IPC,
UTS, cgroup and network namespaces (no network at all), killed with its parent, in a new
session. It sees, read-only, only what Python needs: the system folders, the Python installation,
the course's venv and the `lrlab` package; not `instructor/`, the course folder (gradebook,
hand-ins), anyone's home. It can write only to its own small `/tmp` and `/dev/shm` (tmpfs, gone
when it ends). `limits()` caps its memory, CPU time and number of processes (a fork bomb stops at
`PROCESSES`), and `end(pid)` kills whatever it left behind. `available()` says whether bwrap
works here (Debian: `apt-get install bubblewrap`; `make sandbox-deps`), and why not.
"""

import functools
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import time

import lrlab

__all__ = ["available", "command", "limits", "end", "MEMORY_BYTES", "CPU_SECONDS", "PROCESSES"]

MEMORY_BYTES = 4 * 1024**3  # address space: TensorFlow and a small Keras model fit in it
CPU_SECONDS = 300  # per sandboxed process
PROCESSES = 512  # processes and threads in one sandbox (TensorFlow starts a few dozen threads)
# A pids cgroup per sandbox where this process may make one (root: cgroup v1, then v2).
CGROUPS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")
TMP_BYTES = 256 * 1024**2
# Environment inside: nothing inherited but this.
ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "MPLCONFIGDIR": "/tmp",
    "MPLBACKEND": "Agg",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "LANG": "C.UTF-8",
}


def _readable():
    """The folders the sandbox sees read-only (each at its own path)."""
    python = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"]}
    package = (
        pathlib.Path(lrlab.__file__).resolve().parent
    )  # an editable install: the source tree's
    system = [p for p in ("/usr", "/etc", "/opt") if os.path.isdir(p)]
    folders = sorted(
        {str(pathlib.Path(p).resolve()) for p in python} | {str(package)} | set(system)
    )
    # Drop a folder inside another one already bound.
    return [f for f in folders if not any(f != o and f.startswith(o + "/") for o in folders)]


def command(argv):
    """`argv` wrapped in the sandbox (see the module docstring)."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--uid", "65534", "--gid", "65534", "--hostname", "sandbox"]
    # The private /tmp first: bwrap mounts in order, and a course cloned under /tmp (its venv and
    # lrlab) must be bound on top of it, not hidden by it.
    args += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):  # merged /usr: these are symlinks into it
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for folder in _readable():
        args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(TMP_BYTES // 4), "--tmpfs", "/dev/shm"]
    for name, value in ENV.items():
        args += ["--setenv", name, value]
    args += ["--chdir", "/tmp", "--", *argv]
    return args


def limits():
    """A preexec_fn: memory, CPU-time and process limits the sandbox and everything in it inherit."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not _join_group(os.getpid()):
        # RLIMIT_NPROC counts every process of the user, and does not bind root (whose sandbox
        # runs as root outside it): the cgroup above is what caps root's.
        mine = _tasks_of(os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (mine + PROCESSES, mine + PROCESSES))


def _group(pid):
    """The pids cgroup folder of the sandbox started as process `pid` (it may not exist)."""
    for top in CGROUPS:
        if os.access(top, os.W_OK) and "pids" in _controllers(top):
            return pathlib.Path(top) / f"lrlab-sandbox-{pid}"
    return None


def _controllers(top):
    if top.endswith("/pids"):  # cgroup v1: a hierarchy per controller
        return ["pids"] if os.path.isfile(os.path.join(top, "cgroup.procs")) else []
    try:
        return pathlib.Path(top, "cgroup.subtree_control").read_text().split()
    except OSError:
        return []


def _join_group(pid):
    """Put process `pid` in its own pids cgroup capped at `PROCESSES`; False where none can be made."""
    group = _group(pid)
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(PROCESSES))
        (group / "cgroup.procs").write_text(str(pid))
    except (OSError, AttributeError):  # AttributeError: no cgroup (None)
        return False
    return True


def _tasks_of(uid):
    """How many processes and threads user `uid` runs now."""
    count = 0
    for status in pathlib.Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if int(fields["Uid"].split()[0]) == uid:
            count += int(fields["Threads"])
    return count


def end(pid):
    """Kill the sandbox started as process `pid` and all it left running (its session, its
    cgroup), then remove its cgroup."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    group = _group(pid)
    if group is None or not group.is_dir():
        return
    for _ in range(100):  # its processes take a moment to go (their PID namespace's end)
        try:
            for task in (group / "cgroup.procs").read_text().split():
                os.kill(int(task), signal.SIGKILL)
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)


@functools.cache
def available():
    """(True, "") if the sandbox works here, else (False, why)."""
    if not shutil.which("bwrap"):
        return False, "bubblewrap (`bwrap`) is not installed (Debian: `apt-get install bubblewrap`)"
    probe = command([sys.executable, "-I", "-c", "import lrlab, os; print(os.getuid())"])
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        return False, f"bwrap could not start ({error})"
    if done.returncode != 0 or done.stdout.strip() != "65534":
        return False, f"bwrap could not start Python as nobody: {done.stderr.strip()[-300:]}"
    return True, ""
